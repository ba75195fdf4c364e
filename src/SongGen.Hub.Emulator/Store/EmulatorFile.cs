using System.Text;

namespace SongGen.Hub.Emulator;

/// <summary>
/// A file to put into an emulated repository: its path in the repo and where its bytes come from.
/// Content is streamed into the store (never held whole in memory unless you gave it as bytes).
/// </summary>
public sealed class EmulatorFile
{
    private EmulatorFile(string path, Func<Stream> openRead)
    {
        Path = RepoPaths.Normalize(path);
        OpenRead = openRead;
    }

    /// <summary>Path inside the repository, with <c>/</c> separators.</summary>
    public string Path { get; }

    internal Func<Stream> OpenRead { get; }

    public static EmulatorFile FromBytes(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new EmulatorFile(path, () => new MemoryStream(content, writable: false));
    }

    /// <summary>UTF-8 without a byte-order mark, like files written by git tooling.</summary>
    public static EmulatorFile FromText(string path, string content) =>
        FromBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content));

    /// <summary>Copies a local file into the store while hashing it (one pass; fine for multi-GiB files).</summary>
    public static EmulatorFile FromLocalFile(string path, string localFilePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(localFilePath);
        return new EmulatorFile(path, () => new FileStream(
            localFilePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan));
    }

    /// <summary>Any stream; it is opened once and disposed by the store. Non-seekable streams cost a second hashing pass.</summary>
    public static EmulatorFile FromStream(string path, Func<Stream> openStream)
    {
        ArgumentNullException.ThrowIfNull(openStream);
        return new EmulatorFile(path, openStream);
    }
}
