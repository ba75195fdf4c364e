using System.Text.Json;
using System.Text.RegularExpressions;
using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>
/// A safetensors checkpoint that is either one <c>model.safetensors</c> or shards listed by
/// <c>model.safetensors.index.json</c> (its <c>weight_map</c>). Shards are opened when first read from.
/// </summary>
public sealed partial class ShardedCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>The default shard limit of <c>save_pretrained</c>: 5 GB.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    private const long MaxIndexBytes = 100_000_000;

    /// <summary>
    /// Whether <paramref name="fileName"/> is one a save writes weights to (<c>model.safetensors</c>, the index, or a
    /// <c>model-0000i-of-0000N.safetensors</c> shard): the files a later save into the same folder replaces or removes.
    /// </summary>
    public static bool IsWeightFileName(string fileName) =>
        fileName is SingleFileName or IndexFileName || ShardFileName().IsMatch(fileName);

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardFileName();

    private readonly string _folder;
    private readonly Dictionary<string, string> _weightMap;
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);

    private ShardedCheckpoint(string folder, Dictionary<string, string> weightMap, long? totalSize)
    {
        _folder = folder;
        _weightMap = weightMap;
        TotalSize = totalSize;
    }

    /// <summary>The tensor names, in index order.</summary>
    public IReadOnlyCollection<string> Names => _weightMap.Keys;

    /// <summary>Which file holds each tensor (file names relative to the checkpoint folder).</summary>
    public IReadOnlyDictionary<string, string> WeightMap => _weightMap;

    /// <summary><c>metadata.total_size</c> from the index, when there is one.</summary>
    public long? TotalSize { get; }

    /// <summary>
    /// Opens a checkpoint from a folder (index preferred over a single file), an index file, or one safetensors file.
    /// </summary>
    /// <exception cref="FileNotFoundException">No safetensors weights are there.</exception>
    /// <exception cref="CheckpointFormatException">The index is malformed or names files outside its folder.</exception>
    public static ShardedCheckpoint Open(string path)
    {
        if (Directory.Exists(path))
        {
            var index = System.IO.Path.Combine(path, IndexFileName);
            var single = System.IO.Path.Combine(path, SingleFileName);
            if (File.Exists(index))
            {
                return OpenIndex(index);
            }
            if (File.Exists(single))
            {
                return OpenSingle(single);
            }
            throw new FileNotFoundException($"{path}: neither {IndexFileName} nor {SingleFileName} is there.", index);
        }
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return OpenIndex(path);
        }
        return OpenSingle(path);
    }

    private static ShardedCheckpoint OpenSingle(string file)
    {
        var opened = SafetensorsFile.Open(file);
        var name = System.IO.Path.GetFileName(file);
        var checkpoint = new ShardedCheckpoint(
            System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!,
            opened.Names.ToDictionary(n => n, _ => name, StringComparer.Ordinal),
            totalSize: null);
        checkpoint._open.Add(name, opened);
        return checkpoint;
    }

    private static ShardedCheckpoint OpenIndex(string indexPath)
    {
        var length = new FileInfo(indexPath).Length;
        if (length > MaxIndexBytes)
        {
            throw new CheckpointFormatException(indexPath, $"the index has {length} bytes, above the {MaxIndexBytes}-byte limit");
        }
        var (weightMap, totalSize) = ParseIndex(File.ReadAllBytes(indexPath), indexPath);
        return new ShardedCheckpoint(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!, weightMap, totalSize);
    }

    /// <summary>The largest index accepted: 100 MB.</summary>
    public const long MaxIndexLength = MaxIndexBytes;

    /// <summary>
    /// Parses and validates the bytes of a <c>model.safetensors.index.json</c> (from disk or elsewhere): its
    /// <c>weight_map</c> (every file a plain name in the checkpoint folder) and <c>metadata.total_size</c>.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The index is malformed or names files outside its folder.</exception>
    public static (Dictionary<string, string> WeightMap, long? TotalSize) ParseIndex(ReadOnlySpan<byte> json, string sourceName)
    {
        if (json.Length > MaxIndexBytes)
        {
            throw new CheckpointFormatException(sourceName, $"the index has {json.Length} bytes, above the {MaxIndexBytes}-byte limit");
        }
        var indexPath = sourceName;
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        long? totalSize = null;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(indexPath, "the index has no weight_map object");
            }
            if (document.RootElement.TryGetProperty("metadata", out var metadata)
                && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("total_size", out var total)
                && total.ValueKind == JsonValueKind.Number)
            {
                totalSize = total.TryGetInt64(out var whole) ? whole : (long)total.GetDouble();
            }
            foreach (var property in map.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CheckpointFormatException(indexPath, $"weight_map entry '{property.Name}' is not a file name");
                }
                var file = property.Value.GetString()!;
                if (file.Length == 0 || file != System.IO.Path.GetFileName(file) || file is "." or ".." || file.Contains('\\'))
                {
                    throw new CheckpointFormatException(indexPath, $"weight_map entry '{property.Name}' names '{file}', which is not a plain file name in the checkpoint folder");
                }
                if (!weightMap.TryAdd(property.Name, file))
                {
                    throw new CheckpointFormatException(indexPath, $"weight_map lists '{property.Name}' twice");
                }
            }
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(indexPath, $"the index is not valid JSON ({e.Message})", e);
        }
        return (weightMap, totalSize);
    }

    /// <summary>Whether the checkpoint holds a tensor of this name.</summary>
    public bool Contains(string name) => _weightMap.ContainsKey(name);

    /// <summary>The header entry of a tensor (opens its shard).</summary>
    public SafetensorsEntry GetEntry(string name) => ShardOf(name).GetEntry(name);

    /// <summary>Reads one tensor, cast to <paramref name="dtype"/> when given.</summary>
    /// <exception cref="KeyNotFoundException">The checkpoint has no tensor of that name.</exception>
    public torch.Tensor ReadTensor(string name, torch.ScalarType? dtype = null) => ShardOf(name).ReadTensor(name, dtype);

    /// <summary>Reads the named tensors (all when <paramref name="names"/> is null). The caller owns them.</summary>
    public Dictionary<string, torch.Tensor> ReadStateDict(IEnumerable<string>? names = null, torch.ScalarType? dtype = null) =>
        ShardByShard(names, (shard, group) => shard.ReadStateDict(group, dtype));

    /// <summary>
    /// Loads the named tensors (all when <paramref name="names"/> is null) without copying, as
    /// <see cref="SafetensorsFile.MapStateDict"/> does, with its caveat: no shard may be truncated or rewritten in
    /// place while the tensors live. The caller owns them.
    /// </summary>
    public Dictionary<string, torch.Tensor> MapStateDict(IEnumerable<string>? names = null) =>
        ShardByShard(names, (shard, group) => shard.MapStateDict(group));

    private Dictionary<string, torch.Tensor> ShardByShard(
        IEnumerable<string>? names, Func<SafetensorsFile, List<string>, Dictionary<string, torch.Tensor>> load)
    {
        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        try
        {
            // Shard by shard, so each file is read front to back.
            var wanted = (names ?? _weightMap.Keys).Distinct(StringComparer.Ordinal)
                .GroupBy(n => _weightMap.TryGetValue(n, out var f) ? f : throw new KeyNotFoundException($"{_folder}: no tensor named '{n}'."));
            foreach (var group in wanted)
            {
                var members = group.ToList();
                var shard = ShardOf(members[0]);
                foreach (var name in members)
                {
                    ShardOf(name); // the index's claim that the shard holds it, checked before reading anything
                }
                foreach (var (name, tensor) in load(shard, members))
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

    private SafetensorsFile ShardOf(string name)
    {
        if (!_weightMap.TryGetValue(name, out var file))
        {
            throw new KeyNotFoundException($"{_folder}: no tensor named '{name}'.");
        }
        if (!_open.TryGetValue(file, out var shard))
        {
            shard = SafetensorsFile.Open(System.IO.Path.Combine(_folder, file));
            _open.Add(file, shard);
        }
        if (!shard.Contains(name))
        {
            throw new CheckpointFormatException(shard.Path, $"the index places '{name}' in this shard, but the shard has no such tensor");
        }
        return shard;
    }

    /// <summary>
    /// Writes tensors into <paramref name="folder"/> as <c>save_pretrained</c> does: one <c>model.safetensors</c> when
    /// everything fits in <paramref name="maxShardBytes"/>, otherwise <c>model-00001-of-0000N.safetensors</c> shards
    /// (a tensor larger than the limit gets a shard of its own) and <c>model.safetensors.index.json</c>.
    /// Weight files of an earlier save that the new one does not use are removed. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Save(
        string folder,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        long maxShardBytes = DefaultMaxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (specs, read) = SafetensorsWriter.Borrow(tensors);
        return StreamingShardWriter.WriteFolder(folder, specs, read, maxShardBytes, metadata);
    }

    public void Dispose()
    {
        foreach (var shard in _open.Values)
        {
            shard.Dispose();
        }
        _open.Clear();
    }
}
