using SongGen.Checkpoints.Safetensors;
using TorchSharp;

namespace SongGen.Checkpoints.Pickles;

/// <summary>
/// A pickle checkpoint sharded as transformers writes it: <c>pytorch_model.bin.index.json</c> (a <c>weight_map</c> from
/// tensor name to file, and <c>metadata.total_size</c>) beside <c>pytorch_model-0000i-of-0000N.bin</c> files, each a
/// zip-format <c>torch.save</c> of part of the state dict.
/// </summary>
public static class ShardedPyTorchPickle
{
    public const string IndexFileName = "pytorch_model.bin.index.json";

    /// <summary>
    /// Whether an index file lists pickle shards (<c>.bin</c>, <c>.pt</c>, <c>.pth</c>, <c>.ckpt</c>) rather than
    /// safetensors: by its name (<c>*.bin.index.json</c>), else by the files its weight map names.
    /// </summary>
    public static bool IsPickleIndex(string indexPath)
    {
        if (indexPath.EndsWith(".bin.index.json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var (weightMap, _) = ReadIndex(indexPath);
        return weightMap.Count > 0 && weightMap.Values.All(IsPickleFileName);
    }

    /// <summary>Whether a file name has one of the extensions torch.save files go by.</summary>
    public static bool IsPickleFileName(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() is ".bin" or ".pt" or ".pth" or ".ckpt";

    /// <summary>The validated weight map and <c>metadata.total_size</c> of an index.</summary>
    /// <exception cref="CheckpointFormatException">The index is malformed or names files outside its folder.</exception>
    public static (Dictionary<string, string> WeightMap, long? TotalSize) ReadIndex(string indexPath)
    {
        var length = new FileInfo(indexPath).Length;
        if (length > ShardedCheckpoint.MaxIndexLength)
        {
            throw new CheckpointFormatException(indexPath, $"the index has {length} bytes, above the {ShardedCheckpoint.MaxIndexLength}-byte limit");
        }
        return ShardedCheckpoint.ParseIndex(File.ReadAllBytes(indexPath), indexPath);
    }

    /// <summary>
    /// Reads the shards one at a time, in file-name order, each checked against the index (every tensor the index places
    /// there is there, and nothing else). The caller owns and disposes each shard's tensors.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The index or a shard is malformed, or they disagree.</exception>
    /// <exception cref="FileNotFoundException">A shard the index names is missing.</exception>
    public static IEnumerable<(string File, Dictionary<string, torch.Tensor> Tensors)> ReadShards(string indexPath, torch.ScalarType? dtype = null)
    {
        var (weightMap, _) = ReadIndex(indexPath);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        foreach (var group in weightMap.GroupBy(p => p.Value, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var path = System.IO.Path.Combine(folder, group.Key);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{indexPath}: the index places {group.Count()} tensors in '{group.Key}', which is missing", path);
            }
            var tensors = PyTorchPickle.Load(path, dtype);
            try
            {
                foreach (var (name, _) in group)
                {
                    if (!tensors.ContainsKey(name))
                    {
                        throw new CheckpointFormatException(path, $"the index places '{name}' in this shard, but the shard has no such tensor");
                    }
                }
                foreach (var name in tensors.Keys)
                {
                    if (!weightMap.TryGetValue(name, out var listed) || listed != group.Key)
                    {
                        throw new CheckpointFormatException(indexPath, $"shard '{group.Key}' holds '{name}', which the index does not place there");
                    }
                }
            }
            catch
            {
                foreach (var tensor in tensors.Values)
                {
                    tensor.Dispose();
                }
                throw;
            }
            yield return (group.Key, tensors);
        }
    }

    /// <summary>Reads every shard into one state dict (the caller owns the tensors).</summary>
    /// <exception cref="CheckpointFormatException">The index or a shard is malformed, or they disagree.</exception>
    public static Dictionary<string, torch.Tensor> Load(string indexPath, torch.ScalarType? dtype = null)
    {
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (_, tensors) in ReadShards(indexPath, dtype))
            {
                foreach (var (name, tensor) in tensors)
                {
                    result.Add(name, tensor);
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
}
