using System.Buffers.Binary;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>
/// A parsed and validated safetensors header, without the tensor data: what <c>ckpt inspect</c> needs, from a local
/// file (reading only its first bytes) or from header bytes fetched some other way (HTTP Range requests).
/// The checks are those of <see cref="SafetensorsFile.Open"/>: every fault is a <see cref="CheckpointFormatException"/>
/// naming the source.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Bytes of the little-endian header length that starts every safetensors file.</summary>
    public const int PrefixLength = 8;

    /// <summary>The largest header accepted (as the reference implementation: 100 MB).</summary>
    public const long MaxHeaderLength = SafetensorsHeaderParser.MaxHeaderLength;

    private SafetensorsHeader(string source, long fileSize, long headerLength, IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Source = source;
        FileSize = fileSize;
        HeaderLength = headerLength;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The name faults are reported under (a path, or <c>repo:file</c>).</summary>
    public string Source { get; }

    /// <summary>Size of the whole file in bytes.</summary>
    public long FileSize { get; }

    /// <summary>Bytes of the header JSON (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map (empty when there is none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Reads the header length from the first 8 bytes of a file of <paramref name="fileSize"/> bytes and checks it
    /// against the limit and the file size.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Too few bytes, or a length above the limit or beyond the file.</exception>
    public static long ParseLength(ReadOnlySpan<byte> prefix, long fileSize, string sourceName)
    {
        if (fileSize < PrefixLength)
        {
            throw new CheckpointFormatException(sourceName, $"the file has {fileSize} bytes, too few for a safetensors header length");
        }
        if (prefix.Length < PrefixLength)
        {
            throw new CheckpointFormatException(sourceName, $"only {prefix.Length} bytes of the header length could be read");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > SafetensorsHeaderParser.MaxHeaderLength)
        {
            throw new CheckpointFormatException(sourceName, $"the header claims {headerLength} bytes, above the {SafetensorsHeaderParser.MaxHeaderLength}-byte limit");
        }
        if ((long)headerLength > fileSize - PrefixLength)
        {
            throw new CheckpointFormatException(sourceName, $"the header claims {headerLength} bytes but the file has only {fileSize - PrefixLength} after the length");
        }
        return (long)headerLength;
    }

    /// <summary>
    /// Parses header JSON (the bytes after the 8-byte length) of a file of <paramref name="fileSize"/> bytes, with every
    /// check a local open makes: UTF-8, structure, known dtypes, shapes matching offsets, tensors tiling the data section.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The header is malformed or does not describe the file.</exception>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> headerJson, long fileSize, string sourceName)
    {
        if (headerJson.Length > SafetensorsHeaderParser.MaxHeaderLength)
        {
            throw new CheckpointFormatException(sourceName, $"the header has {headerJson.Length} bytes, above the {SafetensorsHeaderParser.MaxHeaderLength}-byte limit");
        }
        var dataLength = fileSize - PrefixLength - headerJson.Length;
        if (dataLength < 0)
        {
            throw new CheckpointFormatException(sourceName, $"the header has {headerJson.Length} bytes but the file has only {Math.Max(0, fileSize - PrefixLength)} after the length");
        }
        var header = SafetensorsHeaderParser.Parse(sourceName, headerJson, dataLength);
        return new SafetensorsHeader(sourceName, fileSize, headerJson.Length, header.Entries, header.Metadata);
    }

    /// <summary>Reads and validates the header of a local file; the tensor data is never read.</summary>
    public static SafetensorsHeader Read(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var fileLength = RandomAccess.GetLength(handle);
        Span<byte> prefix = stackalloc byte[PrefixLength];
        var got = fileLength >= PrefixLength ? ReadFully(handle, prefix, 0) : 0;
        var headerLength = ParseLength(prefix[..got], fileLength, path);
        var json = new byte[headerLength];
        ReadFully(handle, json, PrefixLength);
        return Parse(json, fileLength, path);
    }

    internal static int ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }
            total += read;
        }
        return total;
    }
}
