using System.Text.RegularExpressions;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// The <c>filter=lfs</c> patterns of a <c>.gitattributes</c> file, matched with git's rules: a pattern without "/"
/// matches the file name at any depth; one with "/" matches the whole path; <c>*</c> stays inside a folder and
/// <c>**</c> crosses folders.
/// </summary>
internal sealed class GitAttributes
{
    public const string FileName = ".gitattributes";

    /// <summary>What the Hub puts in a new repository's first commit (the common binary formats as LFS).</summary>
    public static readonly string HubDefault = string.Join('\n', new[]
    {
        "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*", "*.mlmodel",
        "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt",
        "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm",
        "*.xz", "*.zip", "*.zst", "*tfevents*",
    }.Select(pattern => pattern + " filter=lfs diff=lfs merge=lfs -text")) + "\n";

    private readonly List<Regex> _lfsPatterns;

    private GitAttributes(List<Regex> lfsPatterns) => _lfsPatterns = lfsPatterns;

    public static GitAttributes Empty { get; } = new([]);

    public static GitAttributes Parse(string text)
    {
        var patterns = new List<Regex>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Skip(1).Contains("filter=lfs"))
            {
                patterns.Add(GitGlob.ToRegex(parts[0]));
            }
        }
        return new GitAttributes(patterns);
    }

    public bool IsLfs(string path) => _lfsPatterns.Any(pattern => pattern.IsMatch(path));
}
