using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Binding;

/// <summary>Copies a state dict into a TorchSharp module's parameters and persistent buffers by name.</summary>
public static class StateDictLoader
{
    /// <summary>
    /// Loads <paramref name="stateDict"/> into <paramref name="module"/>. Each module key is looked up by its exact name,
    /// then (when <paramref name="useAliases"/>) under its <see cref="KeyAliases"/>. Values are copied (and cast to the
    /// module's dtype and device); the caller keeps ownership of the state dict's tensors. In strict mode nothing is
    /// copied unless everything fits.
    /// </summary>
    /// <exception cref="StateDictMismatchException">Strict mode, and a key is missing, unexpected or of another shape.</exception>
    public static LoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true, bool useAliases = true)
    {
        var targets = module.state_dict();
        var loaded = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var plan = new List<(Tensor Target, Tensor Source)>();

        foreach (var (key, target) in targets)
        {
            string? source = null;
            foreach (var candidate in useAliases ? KeyAliases.CandidatesFor(key) : [key])
            {
                if (stateDict.ContainsKey(candidate))
                {
                    source = candidate;
                    break;
                }
            }
            if (source is null)
            {
                missing.Add(key);
                continue;
            }
            used.Add(source);
            var value = stateDict[source];
            if (!value.shape.SequenceEqual(target.shape))
            {
                mismatched.Add(new ShapeMismatch(key, target.shape, value.shape));
                continue;
            }
            loaded[key] = source;
            plan.Add((target, value));
        }

        // A tied key present under both names in the checkpoint: the alias copy is not "unexpected".
        var unexpected = stateDict.Keys
            .Where(k => !used.Contains(k) && !(useAliases && KeyAliases.CandidatesFor(k).Any(a => a != k && KeyAliases.AreTied(a, k) && used.Contains(a))))
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();

        var report = new LoadReport(loaded, missing, unexpected, mismatched);
        if (strict && !report.IsExact)
        {
            throw new StateDictMismatchException(report);
        }
        using (no_grad())
        {
            foreach (var (target, source) in plan)
            {
                target.copy_(source);
            }
        }
        return report;
    }
}
