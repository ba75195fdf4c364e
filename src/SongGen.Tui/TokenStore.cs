using SongGen.Hub;

namespace SongGen.Tui;

/// <summary>Writes the token where Python's <c>huggingface_hub</c> reads it: <c>HF_TOKEN_PATH</c> or <c>$HF_HOME/token</c>, mode 0600.</summary>
internal static class TokenStore
{
    public static string Path(TuiOptions options) => options.TokenFile ?? HubEnvironment.TokenFile(Environment.GetEnvironmentVariable);

    public static string Save(TuiOptions options, string token)
    {
        var path = Path(options);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        // Created 0600 before the secret is written, so it is never readable by others, not even briefly. A temp file
        // left by a crash is removed first: opening it would keep its old mode while the secret goes in.
        File.Delete(temp);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, create))
        using (var writer = new StreamWriter(stream))
            writer.Write(token);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
        return System.IO.Path.GetFullPath(path);
    }
}
