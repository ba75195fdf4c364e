using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SongGen.Hub;

/// <summary>What a <c>--local-dir</c> download recorded about one file: the commit and etag it came from, and when (Unix seconds).</summary>
public sealed record LocalDownloadMetadata(string Commit, string Etag, double Timestamp);

/// <summary>
/// The bookkeeping of <c>--local-dir</c> downloads, compatible with Python's <c>_local_folder.py</c>: files live at
/// <c>&lt;localDir&gt;/&lt;path&gt;</c> (real files), and <c>&lt;localDir&gt;/.cache/huggingface/</c> holds a
/// <c>.gitignore</c> (<c>*</c>), a <c>CACHEDIR.TAG</c>, <c>trees/&lt;commit&gt;.json</c> and, per file,
/// <c>download/&lt;path&gt;.metadata</c> (<c>"&lt;commit&gt;\n&lt;etag&gt;\n&lt;unix float&gt;\n"</c>), <c>download/&lt;path&gt;.lock</c>
/// and the partial downloads next to them. Read and write a file's metadata while holding its <see cref="LockPath"/>.
/// </summary>
public static class LocalDirMetadata
{
    /// <summary><c>&lt;localDir&gt;/.cache/huggingface</c>.</summary>
    public static string HuggingFaceFolder(string localDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(localDir);
        return Path.Combine(Path.GetFullPath(localDir), ".cache", "huggingface");
    }

    /// <summary>Creates <c>.cache/huggingface</c> with its <c>.gitignore</c> and <c>CACHEDIR.TAG</c> when missing; returns the folder.</summary>
    public static string EnsureHuggingFaceFolder(string localDir)
    {
        string folder = HuggingFaceFolder(localDir);
        Directory.CreateDirectory(folder);
        HubCacheLayout.WriteCacheDirTag(folder);
        string gitignore = Path.Combine(folder, ".gitignore");
        if (!File.Exists(gitignore))
        {
            try
            {
                File.WriteAllBytes(gitignore, "*"u8.ToArray()); // Python writes "*" without a newline
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return folder;
    }

    /// <summary>Where <paramref name="repoPath"/> is materialised: <c>&lt;localDir&gt;/&lt;path&gt;</c> (validated).</summary>
    public static string FilePath(string localDir, string repoPath) => RepoFilePath.ResolveUnder(localDir, repoPath);

    /// <summary><c>.cache/huggingface/download/&lt;path&gt;.metadata</c>.</summary>
    public static string MetadataPath(string localDir, string repoPath) =>
        RepoFilePath.ResolveUnder(Path.Combine(HuggingFaceFolder(localDir), "download"), repoPath) + ".metadata";

    /// <summary><c>.cache/huggingface/download/&lt;path&gt;.lock</c>, taken around metadata reads/writes and the download.</summary>
    public static string LockPath(string localDir, string repoPath) =>
        RepoFilePath.ResolveUnder(Path.Combine(HuggingFaceFolder(localDir), "download"), repoPath) + ".lock";

    /// <summary>The folder that holds the partial downloads of <paramref name="repoPath"/> (next to its metadata, same volume as the file).</summary>
    public static string IncompleteFolder(string localDir, string repoPath) => Path.GetDirectoryName(MetadataPath(localDir, repoPath))!;

    /// <summary>
    /// Python's partial-download name: <c>download/&lt;dir&gt;/&lt;short hash&gt;.&lt;etag&gt;.incomplete</c>, where the short
    /// hash is the URL-safe base64 of SHA-1 of the metadata file name (short names keep Windows paths under 255 chars).
    /// Python ≥1.18 inserts a per-process <c>.&lt;8 hex&gt;</c> before <c>.incomplete</c>.
    /// </summary>
    public static string IncompletePath(string localDir, string repoPath, string etag)
    {
        string metadata = MetadataPath(localDir, repoPath);
        byte[] digest = SHA1.HashData(Encoding.UTF8.GetBytes(Path.GetFileName(metadata)));
        string shortHash = Convert.ToBase64String(digest).Replace('+', '-').Replace('/', '_');
        return Path.Combine(Path.GetDirectoryName(metadata)!, $"{shortHash}.{RepoFilePath.ValidateSegment(etag, "etag")}.incomplete");
    }

    /// <summary><c>.cache/huggingface/trees/&lt;commit&gt;.json</c>: the tree listing cache of a local dir.</summary>
    public static string TreeCachePath(string localDir, string commit) =>
        Path.Combine(HuggingFaceFolder(localDir), "trees", RepoFilePath.ValidateSegment(commit, "commit") + ".json");

    public static void WriteTreeCache(string localDir, string commit, IEnumerable<TreeCacheEntry> entries) =>
        HubCacheLayout.WriteTreeCacheFile(TreeCachePath(localDir, commit), entries);

    public static IReadOnlyDictionary<string, TreeCacheEntry>? ReadTreeCache(string localDir, string commit) =>
        HubCacheLayout.ReadTreeCacheFile(TreeCachePath(localDir, commit));

    /// <summary>
    /// The recorded metadata of <paramref name="repoPath"/>, or null when there is none, when the local file is gone, or
    /// when the file was modified after the metadata was written (mtime &gt; timestamp + 1 s, the tolerance Python
    /// allows for coarse mtimes). A malformed metadata file is treated as absent and removed, as Python does.
    /// </summary>
    public static LocalDownloadMetadata? Read(string localDir, string repoPath)
    {
        string metadataPath = MetadataPath(localDir, repoPath);
        string filePath = FilePath(localDir, repoPath);
        string[] lines;
        try
        {
            if (!File.Exists(metadataPath))
                return null;
            lines = File.ReadAllText(metadataPath, Encoding.UTF8).Split('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        LocalDownloadMetadata? metadata = Parse(lines);
        if (metadata is null)
        {
            HubCacheLayout.TryDelete(metadataPath);
            return null;
        }

        var file = new FileInfo(filePath);
        if (!file.Exists)
            return null;
        double modified = (file.LastWriteTimeUtc - DateTime.UnixEpoch).TotalSeconds;
        return modified - 1 <= metadata.Timestamp ? metadata : null;
    }

    /// <summary>Records that <paramref name="repoPath"/> now holds <paramref name="etag"/> from <paramref name="commit"/>, stamped now.</summary>
    public static void Write(string localDir, string repoPath, string commit, string etag) =>
        Write(localDir, repoPath, commit, etag, DateTimeOffset.UtcNow);

    /// <summary>Records the metadata with an explicit time (write it after the file is in place: it must not be older than the file's mtime).</summary>
    public static void Write(string localDir, string repoPath, string commit, string etag, DateTimeOffset timestamp)
    {
        RepoFilePath.ValidateSegment(commit, "commit");
        RepoFilePath.ValidateSegment(etag, "etag");
        EnsureHuggingFaceFolder(localDir);
        string path = MetadataPath(localDir, repoPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        double seconds = (timestamp.UtcDateTime - DateTime.UnixEpoch).TotalSeconds;
        string text = $"{commit}\n{etag}\n{PythonFloat(seconds)}\n";
        string temp = HubCacheLayout.TempSibling(path);
        try
        {
            File.WriteAllBytes(temp, Encoding.UTF8.GetBytes(text));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            HubCacheLayout.TryDelete(temp);
        }
    }

    private static LocalDownloadMetadata? Parse(string[] lines)
    {
        // Python reads three lines with readline().strip(); a missing line reads as "" and float("") fails.
        if (lines.Length < 3)
            return null;
        string commit = lines[0].Trim();
        string etag = lines[1].Trim();
        if (commit.Length == 0 || etag.Length == 0)
            return null;
        if (!double.TryParse(lines[2].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double timestamp) || !double.IsFinite(timestamp))
            return null;
        return new LocalDownloadMetadata(commit, etag, timestamp);
    }

    /// <summary>The text of Python's <c>str(float)</c> for ordinary values: shortest round-trip digits, always with a '.'.</summary>
    internal static string PythonFloat(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }
}
