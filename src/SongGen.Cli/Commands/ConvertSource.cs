using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using TorchSharp;

namespace SongGen.Cli.Commands;

/// <summary>
/// The input of <c>ckpt convert</c>: every tensor's spec up front, then each tensor on request (the caller disposes it).
/// Safetensors are read one tensor at a time; pickles are read whole (see <see cref="PickleSource"/>).
/// </summary>
internal abstract class ConvertSource : IDisposable
{
    /// <summary>The tensors as stored (name, dtype, shape), in source order.</summary>
    public abstract IReadOnlyList<TensorSpec> Specs { get; }

    /// <summary>The source <c>__metadata__</c> (merged over shards, first value wins); empty for pickles.</summary>
    public abstract IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The folder whose config.json and generation_config.json travel with the weights, if any.</summary>
    public string? CompanionFolder { get; private init; }

    /// <summary>Reads one tensor in <paramref name="spec"/>'s dtype (cast from the stored one when they differ).</summary>
    public abstract torch.Tensor Read(TensorSpec spec);

    public abstract void Dispose();

    /// <summary>
    /// Opens a folder (safetensors index, model.safetensors, pickle index, pytorch_model.bin, in that order of
    /// preference, as transformers picks), an index file of either kind, a pickle or a safetensors file.
    /// </summary>
    public static ConvertSource Open(string path)
    {
        if (Directory.Exists(path))
        {
            string In(string name) => Path.Combine(path, name);
            if (File.Exists(In(ShardedCheckpoint.IndexFileName)) || File.Exists(In(ShardedCheckpoint.SingleFileName)))
                return new SafetensorsSource(path, path) { CompanionFolder = path };
            if (File.Exists(In(ShardedPyTorchPickle.IndexFileName)))
                return new PickleSource(ShardedPyTorchPickle.Load(In(ShardedPyTorchPickle.IndexFileName))) { CompanionFolder = path };
            if (File.Exists(In(CheckpointInspector.PickleFileName)))
                return new PickleSource(PyTorchPickle.Load(In(CheckpointInspector.PickleFileName))) { CompanionFolder = path };
            throw new FileNotFoundException(
                $"{path}: no {ShardedCheckpoint.IndexFileName}, {ShardedCheckpoint.SingleFileName}, {ShardedPyTorchPickle.IndexFileName} or {CheckpointInspector.PickleFileName} there");
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ShardedPyTorchPickle.IsPickleIndex(path)
                ? new PickleSource(ShardedPyTorchPickle.Load(path)) { CompanionFolder = folder }
                : new SafetensorsSource(path, folder) { CompanionFolder = folder };
        }
        if (CheckpointInspector.IsPicklePath(path) || PyTorchPickle.IsZipFormat(path))
            return new PickleSource(PyTorchPickle.Load(path));
        return new SafetensorsSource(path, folder);
    }

    /// <summary>Streams: each tensor is copied from the memory-mapped shard when asked for, and nothing else is held.</summary>
    private sealed class SafetensorsSource : ConvertSource
    {
        private readonly ShardedCheckpoint _checkpoint;

        public SafetensorsSource(string path, string folder)
        {
            _checkpoint = ShardedCheckpoint.Open(path);
            try
            {
                // Grouped by shard in index order: the order the in-memory ReadStateDict gave, which decides the shard
                // assignment of the output.
                Specs = _checkpoint.Names.GroupBy(n => _checkpoint.WeightMap[n], StringComparer.Ordinal).SelectMany(g => g)
                    .Select(n => _checkpoint.GetEntry(n)).Select(e => new TensorSpec(e.Name, e.Dtype, e.Shape)).ToList();
                var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var file in _checkpoint.WeightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    foreach (var (key, value) in SafetensorsHeader.Read(Path.Combine(folder, file)).Metadata) metadata.TryAdd(key, value);
                }
                Metadata = metadata;
            }
            catch
            {
                _checkpoint.Dispose();
                throw;
            }
        }

        public override IReadOnlyList<TensorSpec> Specs { get; }

        public override IReadOnlyDictionary<string, string> Metadata { get; }

        public override torch.Tensor Read(TensorSpec spec) => _checkpoint.ReadTensor(spec.Name, spec.Dtype);

        public override void Dispose() => _checkpoint.Dispose();
    }

    /// <summary>
    /// Pickles are not streamed: PyBridge's unpickler materialises the whole state dict (a pickle has no header to plan
    /// from). Tensors are handed over and released one by one as they are written, so a cast never doubles the model.
    /// </summary>
    private sealed class PickleSource : ConvertSource
    {
        private readonly Dictionary<string, torch.Tensor> _tensors;

        public PickleSource(Dictionary<string, torch.Tensor> tensors)
        {
            _tensors = tensors;
            Specs = tensors.Select(p => new TensorSpec(p.Key, p.Value.dtype, p.Value.shape)).ToList();
        }

        public override IReadOnlyList<TensorSpec> Specs { get; }

        public override IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

        public override torch.Tensor Read(TensorSpec spec)
        {
            if (!_tensors.Remove(spec.Name, out var tensor))
                throw new InvalidOperationException($"'{spec.Name}' was already written or is not in the checkpoint");
            if (tensor.dtype == spec.Dtype) return tensor;
            using (tensor) return tensor.to_type(spec.Dtype);
        }

        public override void Dispose()
        {
            foreach (var tensor in _tensors.Values) tensor.Dispose();
            _tensors.Clear();
        }
    }
}
