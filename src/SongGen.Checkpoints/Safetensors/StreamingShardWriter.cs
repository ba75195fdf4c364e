using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>A tensor as it will be written: name, dtype and shape, known before its data is read.</summary>
public sealed record TensorSpec(string Name, torch.ScalarType Dtype, long[] Shape)
{
    /// <summary>Bytes the tensor takes in a safetensors file.</summary>
    public long ByteSize
    {
        get
        {
            long count = 1;
            foreach (var dim in Shape)
            {
                count *= dim;
            }
            return count * SafetensorsDtype.SizeOf(Dtype);
        }
    }
}

/// <summary>Which tensors go to which file, decided from sizes alone before any tensor data is read.</summary>
public sealed class ShardPlan
{
    internal ShardPlan(IReadOnlyList<IReadOnlyList<TensorSpec>> shards, long totalSize)
    {
        Shards = shards;
        TotalSize = totalSize;
        FileNames = shards.Count == 1
            ? [ShardedCheckpoint.SingleFileName]
            : Enumerable.Range(1, shards.Count).Select(i => $"model-{i:D5}-of-{shards.Count:D5}.safetensors").ToList();
    }

    /// <summary>The tensors of each shard, in the order they are written.</summary>
    public IReadOnlyList<IReadOnlyList<TensorSpec>> Shards { get; }

    /// <summary>The file of each shard: <c>model.safetensors</c> alone, or <c>model-0000i-of-0000N.safetensors</c>.</summary>
    public IReadOnlyList<string> FileNames { get; }

    /// <summary>Bytes of tensor data over all shards (<c>metadata.total_size</c> of the index).</summary>
    public long TotalSize { get; }
}

/// <summary>
/// Writes safetensors files (one file, or shards with an index) while holding one tensor at a time: the layout is planned
/// from the tensors' specs, each file's header is written first, then every tensor is requested, written and disposed
/// in order. Layout, shard assignment, names and index are byte for byte those of <see cref="SafetensorsWriter.Write"/>
/// and <see cref="ShardedCheckpoint.Save"/>, so a converter can stream a checkpoint of any size through a small buffer.
/// </summary>
public static class StreamingShardWriter
{
    /// <summary>
    /// Fills shards greedily in the given order, as <see cref="ShardedCheckpoint.Save"/> does: a tensor that would take
    /// the current shard past <paramref name="maxShardBytes"/> starts the next one (so one larger than the limit gets a
    /// shard of its own). Within a shard, tensors are ordered as the reference writer lays them out (element size
    /// descending, then name).
    /// </summary>
    /// <exception cref="ArgumentException">Two tensors share a name, or a name is empty or reserved.</exception>
    /// <exception cref="NotSupportedException">A dtype has no safetensors name.</exception>
    public static ShardPlan Plan(IEnumerable<TensorSpec> tensors, long maxShardBytes = ShardedCheckpoint.DefaultMaxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        var shards = new List<IReadOnlyList<TensorSpec>>();
        var current = new List<TensorSpec>();
        long currentSize = 0, totalSize = 0;
        foreach (var spec in Validate(tensors))
        {
            var size = spec.ByteSize;
            totalSize += size;
            if (current.Count > 0 && currentSize + size > maxShardBytes)
            {
                shards.Add(Order(current));
                current = [];
                currentSize = 0;
            }
            current.Add(spec);
            currentSize += size;
        }
        shards.Add(Order(current));
        return new ShardPlan(shards, totalSize);
    }

    /// <summary>
    /// Writes one safetensors file. <paramref name="read"/> is called once per tensor, in file order, and must return a
    /// tensor of the spec's dtype and shape (any device or layout); the writer disposes it once its bytes are out.
    /// The file is written beside <paramref name="path"/> and moved into place when complete.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="read"/> returned a tensor unlike its spec.</exception>
    public static void WriteFile(
        string path,
        IEnumerable<TensorSpec> tensors,
        Func<TensorSpec, torch.Tensor> read,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        WriteOrdered(path, Order(tensors), read, metadata);

    /// <summary>
    /// Writes a checkpoint into <paramref name="folder"/> as <see cref="ShardedCheckpoint.Save"/> would, reading one
    /// tensor at a time through <paramref name="read"/> (see <see cref="WriteFile"/>). Each shard appears only when
    /// complete; weight files of an earlier save that this one does not use are removed. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> WriteFolder(
        string folder,
        IEnumerable<TensorSpec> tensors,
        Func<TensorSpec, torch.Tensor> read,
        long maxShardBytes = ShardedCheckpoint.DefaultMaxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var plan = Plan(tensors, maxShardBytes);
        var shardMetadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            shardMetadata[key] = value;
        }

        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Shards.Count; i++)
        {
            var path = System.IO.Path.Combine(folder, plan.FileNames[i]);
            WriteOrdered(path, plan.Shards[i], read, shardMetadata);
            written.Add(path);
            foreach (var spec in plan.Shards[i])
            {
                weightMap[spec.Name] = plan.FileNames[i];
            }
        }
        if (plan.Shards.Count > 1)
        {
            var indexPath = System.IO.Path.Combine(folder, ShardedCheckpoint.IndexFileName);
            var index = new Dictionary<string, object>
            {
                ["metadata"] = new Dictionary<string, long> { ["total_size"] = plan.TotalSize },
                ["weight_map"] = weightMap,
            };
            WriteAtomically(indexPath, stream =>
            {
                var text = JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }) + "\n";
                stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
            });
            written.Add(indexPath);
        }
        RemoveStale(folder, written);
        return written;
    }

    private static List<TensorSpec> Order(IEnumerable<TensorSpec> tensors) =>
        Validate(tensors)
            .OrderByDescending(s => SafetensorsDtype.SizeOf(s.Dtype))
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

    private static List<TensorSpec> Validate(IEnumerable<TensorSpec> tensors)
    {
        var list = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in list)
        {
            if (string.IsNullOrEmpty(spec.Name) || spec.Name == "__metadata__")
            {
                throw new ArgumentException($"'{spec.Name}' cannot name a tensor in safetensors.", nameof(tensors));
            }
            if (!seen.Add(spec.Name))
            {
                throw new ArgumentException($"Two tensors are named '{spec.Name}'.", nameof(tensors));
            }
            SafetensorsDtype.NameOf(spec.Dtype);
        }
        return list;
    }

    private static void WriteOrdered(string path, IReadOnlyList<TensorSpec> ordered, Func<TensorSpec, torch.Tensor> read, IReadOnlyDictionary<string, string>? metadata)
    {
        var entries = new List<SafetensorsEntry>(ordered.Count);
        long offset = 0;
        foreach (var spec in ordered)
        {
            var size = spec.ByteSize;
            entries.Add(new SafetensorsEntry(spec.Name, spec.Dtype, spec.Shape, offset, offset + size));
            offset += size;
        }
        var header = SafetensorsHeaderParser.Serialize(entries, metadata);
        WriteAtomically(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var spec in ordered)
            {
                using var tensor = read(spec);
                if (tensor.dtype != spec.Dtype || !tensor.shape.SequenceEqual(spec.Shape))
                {
                    throw new InvalidOperationException(
                        $"{path}: '{spec.Name}' was planned as {SafetensorsDtype.NameOf(spec.Dtype)} [{string.Join(", ", spec.Shape)}] but read as {tensor.dtype} [{string.Join(", ", tensor.shape)}]");
                }
                WriteData(stream, tensor, spec.ByteSize);
            }
        });
    }

    /// <summary>Writes to a staging file beside <paramref name="path"/> and moves it into place only when complete.</summary>
    private static void WriteAtomically(string path, Action<FileStream> write)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, SafetensorsWriter.WriteChunkBytes))
            {
                write(stream);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static unsafe void WriteData(Stream stream, torch.Tensor tensor, long length)
    {
        if (length == 0)
        {
            return;
        }
        using var scope = torch.NewDisposeScope();
        var source = tensor.device_type == DeviceType.CPU && tensor.is_contiguous() ? tensor : tensor.cpu().contiguous();
        var pointer = (byte*)TensorMemory.DataPointer(source);
        for (long done = 0; done < length;)
        {
            var count = (int)Math.Min(SafetensorsWriter.WriteChunkBytes, length - done);
            stream.Write(new ReadOnlySpan<byte>(pointer + done, count));
            done += count;
        }
    }

    private static void RemoveStale(string folder, List<string> written)
    {
        var keep = written.Select(System.IO.Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = System.IO.Path.GetFileName(file);
            if (!keep.Contains(name) && ShardedCheckpoint.IsWeightFileName(name))
            {
                File.Delete(file);
            }
        }
    }
}
