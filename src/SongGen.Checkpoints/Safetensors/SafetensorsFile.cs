using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>
/// A safetensors file opened for reading. The header is parsed and validated on <see cref="Open"/>; tensor data
/// is read on request by memory-mapping the file and copying each tensor once into a new TorchSharp tensor, or
/// (<see cref="MapStateDict"/>) mapped as the tensors' own copy-on-write storage, without a copy.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>How much of the file is mapped at a time; unmapping each window keeps resident memory near the tensors' own size.</summary>
    internal const long WindowBytes = 4L << 20;

    private static readonly ParallelOptions CopyParallelism = new() { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 8) };

    private readonly SafeFileHandle _handle;
    private readonly MemoryMappedFile? _map;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, MemoryMappedFile? map, long dataStart, SafetensorsHeaderParser.Header header)
    {
        Path = path;
        _handle = handle;
        _map = map;
        _dataStart = dataStart;
        Entries = header.Entries;
        Metadata = header.Metadata;
        _byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's path as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names.</summary>
    public IEnumerable<string> Names => Entries.Select(e => e.Name);

    /// <summary>Whether the file holds a tensor of this name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public SafetensorsEntry GetEntry(string name) =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="CheckpointFormatException">The file is not a well-formed safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return Open(path, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafetensorsFile Open(string path, SafeFileHandle handle)
    {
        var fileLength = RandomAccess.GetLength(handle);
        Span<byte> prefix = stackalloc byte[SafetensorsHeader.PrefixLength];
        if (fileLength >= SafetensorsHeader.PrefixLength)
        {
            ReadExactly(handle, prefix, 0);
        }
        var headerLength = SafetensorsHeader.ParseLength(fileLength >= SafetensorsHeader.PrefixLength ? prefix : [], fileLength, path);
        var json = new byte[headerLength];
        ReadExactly(handle, json, 8);
        var dataStart = 8 + headerLength;
        var parsed = SafetensorsHeader.Parse(json, fileLength, path);
        var header = new SafetensorsHeaderParser.Header(parsed.Entries, parsed.Metadata);

        MemoryMappedFile? map = null;
        if (fileLength > dataStart)
        {
            map = MemoryMappedFile.CreateFromFile(handle, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        }
        return new SafetensorsFile(path, handle, map, dataStart, header);
    }

    /// <summary>
    /// Reads one tensor into a new CPU tensor of the file's dtype, or cast to <paramref name="dtype"/> when given.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public torch.Tensor ReadTensor(string name, torch.ScalarType? dtype = null)
    {
        var entry = GetEntry(name);
        var tensor = torch.empty(entry.Shape, entry.Dtype, torch.CPU);
        try
        {
            CopyInto(entry, tensor);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        if (dtype is { } target && target != entry.Dtype)
        {
            using (tensor)
            {
                return tensor.to_type(target);
            }
        }
        return tensor;
    }

    /// <summary>
    /// Reads the named tensors (all of them when <paramref name="names"/> is null) into a state dict.
    /// The caller owns the tensors.
    /// </summary>
    public Dictionary<string, torch.Tensor> ReadStateDict(IEnumerable<string>? names = null, torch.ScalarType? dtype = null)
    {
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            // In file order, so the file is read front to back.
            var entries = (names ?? Names).Distinct(StringComparer.Ordinal).Select(GetEntry).OrderBy(e => e.Begin).ToList();
            var targets = new List<(SafetensorsEntry Entry, IntPtr Destination)>(entries.Count);
            foreach (var entry in entries)
            {
                var tensor = torch.empty(entry.Shape, entry.Dtype, torch.CPU);
                result.Add(entry.Name, tensor);
                if (entry.ByteLength > 0) targets.Add((entry, TensorMemory.DataPointer(tensor)));
            }
            if (targets.Count > 0) CheckNotShrunk(targets.MaxBy(t => t.Entry.End).Entry);
            // Windows of all tensors share the cores: a checkpoint of many small tensors copies in parallel too.
            var windows = targets.SelectMany(t => Enumerable.Range(0, WindowCount(t.Entry)).Select(w => (t.Entry, t.Destination, Window: w))).ToList();
            Parallel.ForEach(windows, CopyParallelism, item => CopyWindow(item.Entry, item.Destination, item.Window));
            if (dtype is { } target)
            {
                foreach (var entry in entries.Where(e => e.Dtype != target))
                {
                    using var original = result[entry.Name];
                    result[entry.Name] = original.to_type(target);
                }
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return result;
    }

    /// <summary>
    /// Loads the named tensors (all of them when <paramref name="names"/> is null) without copying them: each
    /// tensor's storage is a private, copy-on-write mapping of its own bytes in the file. Loading then costs neither
    /// fresh memory nor a copy, only mapping the cached pages; a page is copied the first time a tensor writes to it.
    /// Each tensor is independent of the others and of this object, and releases its mapping when disposed.
    /// The file must not be truncated or rewritten in place while the tensors live: reading a page cut off by
    /// truncation kills the process (SIGBUS), and pages rewritten in place show the new bytes. Replacing the file
    /// (a new file renamed over it, as <see cref="SafetensorsWriter"/> does) or deleting it is safe.
    /// Off Linux, and for a tensor that starts at an offset that is not a multiple of its element size, the bytes
    /// are copied as by <see cref="ReadStateDict"/>. The caller owns the tensors.
    /// </summary>
    public Dictionary<string, torch.Tensor> MapStateDict(IEnumerable<string>? names = null)
    {
        if (!MappedTensors.Supported)
        {
            return ReadStateDict(names);
        }
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            var entries = (names ?? Names).Distinct(StringComparer.Ordinal).Select(GetEntry).OrderBy(e => e.Begin).ToList();
            var last = entries.Where(e => e.ByteLength > 0).MaxBy(e => e.End);
            if (last is not null) CheckNotShrunk(last);
            foreach (var entry in entries)
            {
                var mapped = MappedTensors.TryMap(_handle, _dataStart + entry.Begin, entry.ByteLength, entry.Shape, entry.Dtype);
                result.Add(entry.Name, mapped ?? ReadTensor(entry.Name));
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return result;
    }

    private void CopyInto(SafetensorsEntry entry, torch.Tensor tensor)
    {
        if (entry.ByteLength == 0)
        {
            return;
        }
        CheckNotShrunk(entry);
        var destination = TensorMemory.DataPointer(tensor);
        // Large tensors are copied window by window on all cores: most of the time goes to first touches of the new
        // tensor's pages, and those fault in parallel.
        Parallel.For(0, WindowCount(entry), CopyParallelism, w => CopyWindow(entry, destination, w));
    }

    /// <summary>A file cut short after Open would make the mapped read fault (SIGBUS); check the length first.</summary>
    private void CheckNotShrunk(SafetensorsEntry last)
    {
        // The length of the file itself: FileInfo of a symlink (every file of a Hub cache snapshot) gives the link's.
        var info = new FileInfo(Path);
        var length = (info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info).Length;
        var end = _dataStart + last.Begin + last.ByteLength;
        if (length < end)
        {
            throw new CheckpointFormatException(Path, $"the file shrank to {length} bytes after it was opened; tensor '{last.Name}' ends at byte {end}");
        }
    }

    private static int WindowCount(SafetensorsEntry entry) => (int)((entry.ByteLength + WindowBytes - 1) / WindowBytes);

    private unsafe void CopyWindow(SafetensorsEntry entry, IntPtr destination, int window)
    {
        var done = (long)window * WindowBytes;
        var count = Math.Min(WindowBytes, entry.ByteLength - done);
        using var view = _map!.CreateViewAccessor(_dataStart + entry.Begin + done, count, MemoryMappedFileAccess.Read);
        var handle = view.SafeMemoryMappedViewHandle;
        byte* source = null;
        handle.AcquirePointer(ref source);
        try
        {
            var target = (byte*)destination + done;
            TensorMemory.PopulateWrite((IntPtr)target, count);
            Buffer.MemoryCopy(source + view.PointerOffset, target, count, count);
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }
            buffer = buffer[read..];
            offset += read;
        }
    }

    public void Dispose()
    {
        _map?.Dispose();
        _handle.Dispose();
    }
}
