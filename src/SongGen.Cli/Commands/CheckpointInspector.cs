using System.Text.Json;
using SongGen.Checkpoints;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Hub;
using TorchSharp;

namespace SongGen.Cli.Commands;

/// <summary>One tensor as <c>ckpt inspect</c> reports it.</summary>
internal sealed record TensorReport(string Name, string Dtype, long[] Shape, long Parameters, long Bytes, string File);

/// <summary>One weight file of a checkpoint.</summary>
internal sealed record FileReport(string Name, long Size, long? HeaderSize, int Tensors);

/// <summary>What <c>ckpt inspect</c> found: files, tensors and <c>__metadata__</c>.</summary>
internal sealed record CheckpointReport(
    string Source, string Format, IReadOnlyList<FileReport> Files, IReadOnlyList<TensorReport> Tensors,
    IReadOnlyDictionary<string, string> Metadata, long? IndexTotalSize)
{
    public long Parameters => Tensors.Sum(t => t.Parameters);

    public long TotalBytes => Tensors.Sum(t => t.Bytes);

    /// <summary>Sizes grouped by name prefix (<see cref="PrefixOf"/>), largest first.</summary>
    public IReadOnlyList<(string Prefix, int Tensors, long Parameters, long Bytes)> ByPrefix() =>
        Tensors.GroupBy(t => PrefixOf(t.Name), StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Sum(t => t.Parameters), g.Sum(t => t.Bytes)))
            .OrderByDescending(g => g.Item4).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The first two segments of a dotted name when it has more than two and the second is not a layer number
    /// (<c>decoder.layers.0.fc.weight</c> → <c>decoder.layers</c>), otherwise the first (<c>lm_head.weight</c> → <c>lm_head</c>).
    /// </summary>
    public static string PrefixOf(string name)
    {
        var parts = name.Split('.');
        return parts.Length > 2 && !parts[1].All(char.IsAsciiDigit) ? $"{parts[0]}.{parts[1]}" : parts[0];
    }

    public void WriteJson(TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("source", Source);
            w.WriteString("format", Format);
            w.WriteNumber("tensor_count", Tensors.Count);
            w.WriteNumber("parameters", Parameters);
            w.WriteNumber("total_bytes", TotalBytes);
            if (IndexTotalSize is { } indexTotal) w.WriteNumber("index_total_size", indexTotal);
            w.WriteStartObject("metadata");
            foreach (var (key, value) in Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteStartArray("files");
            foreach (var file in Files)
            {
                w.WriteStartObject();
                w.WriteString("name", file.Name);
                w.WriteNumber("size", file.Size);
                if (file.HeaderSize is { } header) w.WriteNumber("header_size", header);
                w.WriteNumber("tensors", file.Tensors);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("dtypes");
            foreach (var group in Tensors.GroupBy(t => t.Dtype).OrderBy(g => g.Key, StringComparer.Ordinal)) w.WriteNumber(group.Key, group.Count());
            w.WriteEndObject();
            w.WriteStartArray("by_prefix");
            foreach (var (prefix, count, parameters, bytes) in ByPrefix())
            {
                w.WriteStartObject();
                w.WriteString("prefix", prefix);
                w.WriteNumber("tensors", count);
                w.WriteNumber("parameters", parameters);
                w.WriteNumber("bytes", bytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("tensors");
            foreach (var tensor in Tensors)
            {
                w.WriteStartObject();
                w.WriteString("name", tensor.Name);
                w.WriteString("dtype", tensor.Dtype);
                w.WriteStartArray("shape");
                foreach (var dim in tensor.Shape) w.WriteNumberValue(dim);
                w.WriteEndArray();
                w.WriteNumber("parameters", tensor.Parameters);
                w.WriteNumber("bytes", tensor.Bytes);
                w.WriteString("file", tensor.File);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    public void WriteText(TextWriter o)
    {
        o.WriteLine($"checkpoint {Source} ({Format}, {Files.Count} file{(Files.Count == 1 ? "" : "s")})");
        o.WriteLine($"  tensors:    {Output.Units.Count(Tensors.Count)}");
        o.WriteLine($"  parameters: {Output.Units.Count(Parameters)}");
        o.WriteLine($"  size:       {Output.Units.Bytes(TotalBytes)} ({Output.Units.Count(TotalBytes)} bytes of tensor data)");
        o.WriteLine($"  dtypes:     {string.Join(", ", Tensors.GroupBy(t => t.Dtype).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ({g.Count()})"))}");
        if (Metadata.Count > 0)
        {
            o.WriteLine("  __metadata__:");
            foreach (var (key, value) in Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) o.WriteLine($"    {key}: {value}");
        }
        o.WriteLine("  files:");
        foreach (var file in Files) o.WriteLine($"    {Output.Units.Bytes(file.Size),10}  {file.Tensors,6} tensors  {file.Name}");
        o.WriteLine("  by prefix:");
        var groups = ByPrefix();
        var prefixWidth = Math.Min(60, groups.Count == 0 ? 6 : groups.Max(g => g.Prefix.Length));
        o.WriteLine($"    {"PREFIX".PadRight(prefixWidth)}  {"TENSORS",7}  {"PARAMETERS",14}  {"SIZE",10}");
        foreach (var (prefix, count, parameters, bytes) in groups)
            o.WriteLine($"    {prefix.PadRight(prefixWidth)}  {count,7}  {Output.Units.Count(parameters),14}  {Output.Units.Bytes(bytes),10}");
        o.WriteLine("  tensors:");
        var nameWidth = Math.Min(80, Tensors.Count == 0 ? 4 : Tensors.Max(t => t.Name.Length));
        o.WriteLine($"    {"NAME".PadRight(nameWidth)}  {"DTYPE",-5}  SHAPE");
        foreach (var tensor in Tensors)
            o.WriteLine($"    {tensor.Name.PadRight(nameWidth)}  {tensor.Dtype,-5}  [{string.Join(", ", tensor.Shape)}]");
    }
}

/// <summary>Reads checkpoint headers, locally or over HTTP Range requests, into a <see cref="CheckpointReport"/>.</summary>
internal static class CheckpointInspector
{
    public const string PickleFileName = "pytorch_model.bin";

    public static bool IsPicklePath(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".bin" or ".pt" or ".pth" or ".ckpt";

    /// <summary>A local file or folder: a sharded index, a safetensors file (header only) or a pickle (read whole).</summary>
    public static CheckpointReport InspectLocal(string path)
    {
        if (Directory.Exists(path))
        {
            var index = Path.Combine(path, ShardedCheckpoint.IndexFileName);
            var single = Path.Combine(path, ShardedCheckpoint.SingleFileName);
            var pickle = Path.Combine(path, PickleFileName);
            var pickleIndex = Path.Combine(path, ShardedPyTorchPickle.IndexFileName);
            if (File.Exists(index)) return FromLocalIndex(index);
            if (File.Exists(single)) return FromHeaders(path, [SafetensorsHeader.Read(single)], null);
            if (File.Exists(pickleIndex)) return FromPickleIndex(pickleIndex);
            if (File.Exists(pickle)) return FromPickle(pickle);
            throw new FileNotFoundException(
                $"{path}: no {ShardedCheckpoint.IndexFileName}, {ShardedCheckpoint.SingleFileName}, {ShardedPyTorchPickle.IndexFileName} or {PickleFileName} there");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or folder");
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return ShardedPyTorchPickle.IsPickleIndex(path) ? FromPickleIndex(path) : FromLocalIndex(path);
        if (IsPicklePath(path) || PyTorchPickle.IsZipFormat(path)) return FromPickle(path);
        return FromHeaders(path, [SafetensorsHeader.Read(path)], null);
    }

    private static CheckpointReport FromLocalIndex(string indexPath)
    {
        var bytes = new FileInfo(indexPath).Length <= ShardedCheckpoint.MaxIndexLength
            ? File.ReadAllBytes(indexPath)
            : throw new CheckpointFormatException(indexPath, $"the index is above the {ShardedCheckpoint.MaxIndexLength}-byte limit");
        var (weightMap, totalSize) = ShardedCheckpoint.ParseIndex(bytes, indexPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var headers = weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(file => SafetensorsHeader.Read(Path.Combine(folder, file)))
            .ToList();
        CheckWeightMap(indexPath, weightMap, headers.ToDictionary(h => FileNameOf(h.Source), StringComparer.Ordinal));
        return FromHeaders(indexPath, headers, totalSize);
    }

    /// <summary>
    /// A Hub repository: its index and every shard, or <c>model.safetensors</c>, or the named file. Only headers move:
    /// two Range requests per safetensors file (the 8-byte length, then the header).
    /// </summary>
    public static async Task<CheckpointReport> InspectRemoteAsync(HubClient client, RepoId repo, string? file, string? revision, CancellationToken ct)
    {
        if (file is null)
        {
            var present = (await client.GetPathsInfoAsync(repo, [ShardedCheckpoint.IndexFileName, ShardedCheckpoint.SingleFileName], revision, cancellationToken: ct))
                .Where(e => e.IsFile).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
            file = present.Contains(ShardedCheckpoint.IndexFileName) ? ShardedCheckpoint.IndexFileName
                : present.Contains(ShardedCheckpoint.SingleFileName) ? ShardedCheckpoint.SingleFileName
                : throw new EntryNotFoundException(
                    $"{repo.Type.Singular()} {repo.Id}@{revision ?? "main"} has neither {ShardedCheckpoint.IndexFileName} nor {ShardedCheckpoint.SingleFileName}; name a file as {repo.Id}:FILE");
        }
        var source = $"{repo.Id}:{file}";
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var metadata = await client.GetFileMetadataAsync(repo, file, revision, ct);
            if (metadata.Size > ShardedCheckpoint.MaxIndexLength)
                throw new CheckpointFormatException(source, $"the index has {metadata.Size} bytes, above the {ShardedCheckpoint.MaxIndexLength}-byte limit");
            var bytes = metadata.Size == 0 ? [] : (await client.ReadRangeAsync(repo, file, revision, 0, (int)metadata.Size, ct)).Data;
            var (weightMap, totalSize) = ShardedCheckpoint.ParseIndex(bytes, source);
            var folder = file.Contains('/') ? file[..(file.LastIndexOf('/') + 1)] : "";
            var headers = new List<SafetensorsHeader>();
            foreach (var shard in weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                headers.Add(await ReadRemoteHeaderAsync(client, repo, folder + shard, revision, ct));
            CheckWeightMap(source, weightMap, headers.ToDictionary(h => FileNameOf(h.Source), StringComparer.Ordinal));
            return FromHeaders(source, headers, totalSize);
        }
        if (IsPicklePath(file))
            throw new ArgumentException($"{source}: a pickle cannot be inspected without downloading it; run 'songgen hub download {repo.Id} {file}' and inspect the local file");
        return FromHeaders(source, [await ReadRemoteHeaderAsync(client, repo, file, revision, ct)], null);
    }

    private static async Task<SafetensorsHeader> ReadRemoteHeaderAsync(HubClient client, RepoId repo, string file, string? revision, CancellationToken ct)
    {
        var source = $"{repo.Id}:{file}";
        var prefix = await client.ReadRangeAsync(repo, file, revision, 0, SafetensorsHeader.PrefixLength, ct);
        var length = SafetensorsHeader.ParseLength(prefix.Data, prefix.FileSize, source);
        var json = length == 0 ? [] : (await client.ReadRangeAsync(repo, file, revision, SafetensorsHeader.PrefixLength, (int)length, ct)).Data;
        if (json.Length != length)
            throw new CheckpointFormatException(source, $"the header claims {length} bytes but only {json.Length} could be read");
        return SafetensorsHeader.Parse(json, prefix.FileSize, source);
    }

    /// <summary>Every tensor the index places in a shard must be there, and every shard tensor must be in the index.</summary>
    private static void CheckWeightMap(string indexSource, Dictionary<string, string> weightMap, Dictionary<string, SafetensorsHeader> shards)
    {
        foreach (var (name, file) in weightMap)
        {
            if (!shards[file].Entries.Any(e => e.Name == name))
                throw new CheckpointFormatException(shards[file].Source, $"the index places '{name}' in this shard, but the shard has no such tensor");
        }
        foreach (var (file, header) in shards)
        {
            foreach (var entry in header.Entries)
            {
                if (!weightMap.TryGetValue(entry.Name, out var listed) || listed != file)
                    throw new CheckpointFormatException(indexSource, $"shard '{file}' holds '{entry.Name}', which the index does not place there");
            }
        }
    }

    private static CheckpointReport FromHeaders(string source, List<SafetensorsHeader> headers, long? indexTotal)
    {
        var tensors = new List<TensorReport>();
        var files = new List<FileReport>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            var fileName = FileNameOf(header.Source);
            files.Add(new FileReport(fileName, header.FileSize, header.HeaderLength, header.Entries.Count));
            foreach (var (key, value) in header.Metadata) metadata.TryAdd(key, value);
            tensors.AddRange(header.Entries.Select(e =>
                new TensorReport(e.Name, SafetensorsDtype.NameOf(e.Dtype), e.Shape, e.ElementCount, e.ByteLength, fileName)));
        }
        tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new CheckpointReport(source, "safetensors", files, tensors, metadata, indexTotal);
    }

    private static CheckpointReport FromPickle(string path)
    {
        var state = PyTorchPickle.Load(path);
        try
        {
            var name = Path.GetFileName(path);
            var tensors = state
                .Select(p => new TensorReport(p.Key, DtypeName(p.Value.dtype), p.Value.shape, p.Value.numel(),
                    p.Value.numel() * p.Value.ElementSize, name))
                .OrderBy(t => t.Name, StringComparer.Ordinal)
                .ToList();
            return new CheckpointReport(path, "pytorch-pickle", [new FileReport(name, new FileInfo(path).Length, null, tensors.Count)], tensors,
                new Dictionary<string, string>(), null);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    /// <summary>A sharded pickle: each shard is read whole (pickles have no header), reported, and released before the next.</summary>
    private static CheckpointReport FromPickleIndex(string indexPath)
    {
        var (_, totalSize) = ShardedPyTorchPickle.ReadIndex(indexPath);
        var files = new List<FileReport>();
        var tensors = new List<TensorReport>();
        foreach (var (file, state) in ShardedPyTorchPickle.ReadShards(indexPath))
        {
            try
            {
                files.Add(new FileReport(file, new FileInfo(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(indexPath))!, file)).Length, null, state.Count));
                tensors.AddRange(state.Select(p => new TensorReport(p.Key, DtypeName(p.Value.dtype), p.Value.shape, p.Value.numel(),
                    p.Value.numel() * p.Value.ElementSize, file)));
            }
            finally
            {
                foreach (var tensor in state.Values) tensor.Dispose();
            }
        }
        tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new CheckpointReport(indexPath, "pytorch-pickle", files, tensors, new Dictionary<string, string>(), totalSize);
    }

    internal static string DtypeName(torch.ScalarType type)
    {
        try
        {
            return SafetensorsDtype.NameOf(type);
        }
        catch (NotSupportedException)
        {
            return type.ToString();
        }
    }

    private static string FileNameOf(string source)
    {
        var cut = Math.Max(source.LastIndexOf('/'), Math.Max(source.LastIndexOf(':'), source.LastIndexOf(Path.DirectorySeparatorChar)));
        return source[(cut + 1)..];
    }
}
