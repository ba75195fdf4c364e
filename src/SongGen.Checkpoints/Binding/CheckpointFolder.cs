using SongGen.Checkpoints.Safetensors;
using TorchSharp;

namespace SongGen.Checkpoints.Binding;

/// <summary>
/// A model folder as Hugging Face lays it out: safetensors weights (single or sharded) with
/// <c>config.json</c> and <c>generation_config.json</c> beside them.
/// </summary>
public static class CheckpointFolder
{
    /// <summary>The JSON files kept with the weights, copied through byte for byte.</summary>
    public static readonly IReadOnlyList<string> ConfigFileNames = ["config.json", "generation_config.json"];

    /// <summary>Writes a module's state dict (exact names) to a safetensors file.</summary>
    public static void SaveModule(torch.nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafetensorsWriter.Write(path, module.state_dict(), metadata);

    /// <summary>
    /// Writes a module's state dict into <paramref name="folder"/> (sharded at <paramref name="maxShardBytes"/>) and copies
    /// <c>config.json</c>/<c>generation_config.json</c> from <paramref name="configSource"/> when that folder has them.
    /// Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Save(
        torch.nn.Module module,
        string folder,
        string? configSource = null,
        long maxShardBytes = ShardedCheckpoint.DefaultMaxShardBytes) =>
        Save(module.state_dict(), folder, configSource, maxShardBytes);

    /// <inheritdoc cref="Save(torch.nn.Module, string, string?, long)"/>
    public static IReadOnlyList<string> Save(
        IReadOnlyDictionary<string, torch.Tensor> stateDict,
        string folder,
        string? configSource = null,
        long maxShardBytes = ShardedCheckpoint.DefaultMaxShardBytes)
    {
        var written = ShardedCheckpoint.Save(folder, stateDict, maxShardBytes).ToList();
        if (configSource is not null && !SameFolder(configSource, folder))
        {
            foreach (var name in ConfigFileNames)
            {
                var source = Path.Combine(configSource, name);
                if (File.Exists(source))
                {
                    var destination = Path.Combine(folder, name);
                    File.Copy(source, destination, overwrite: true);
                    written.Add(destination);
                }
            }
        }
        return written;
    }

    /// <summary>
    /// Loads a folder's weights into a module (only the tensors the module names or aliases are read) and returns the
    /// report together with the raw config JSON files found beside them (file name → text).
    /// </summary>
    public static (LoadReport Report, IReadOnlyDictionary<string, string> Configs) Load(
        torch.nn.Module module, string folder, bool strict = true)
    {
        using var checkpoint = ShardedCheckpoint.Open(folder);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in module.state_dict().Keys)
        {
            var found = KeyAliases.CandidatesFor(key).FirstOrDefault(checkpoint.Contains);
            if (found is not null)
            {
                wanted.Add(found);
            }
        }
        // Unused checkpoint keys are still reported as unexpected, without reading their data. The weights are mapped,
        // not copied: they are only read once, into the module's own parameters, so no second copy of the model is made.
        var stateDict = checkpoint.MapStateDict(wanted);
        try
        {
            var placeholders = checkpoint.Names.Where(n => !wanted.Contains(n))
                .ToDictionary(n => n, n => torch.empty(checkpoint.GetEntry(n).Shape.Select(_ => 0L).ToArray()), StringComparer.Ordinal);
            foreach (var (name, tensor) in placeholders)
            {
                stateDict[name] = tensor;
            }
            var report = StateDictLoader.Load(module, stateDict, strict);
            var configs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in ConfigFileNames)
            {
                var path = Path.Combine(folder, name);
                if (File.Exists(path))
                {
                    configs[name] = File.ReadAllText(path);
                }
            }
            return (report, configs);
        }
        finally
        {
            foreach (var tensor in stateDict.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);
}
