namespace SongGen.Hub.Emulator;

/// <summary>
/// Rules that make requests fail on purpose, for resilience tests. Add rules before the requests they aim at; each
/// fires at most <c>times</c> times. Thread-safe.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];

    public FaultRule Add(Fault fault, FaultTarget target = FaultTarget.Any, string? pathContains = null, string? method = null, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var rule = new FaultRule(fault, target, pathContains, method, times);
        lock (_gate)
        {
            _rules.Add(rule);
        }
        return rule;
    }

    /// <summary>All rules added since the last <see cref="Clear"/>, used up or not.</summary>
    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return _rules.ToArray();
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    internal RequestFaults ForRequest(FaultTarget target, string method, string pathAndQuery)
    {
        lock (_gate)
        {
            var matching = _rules.Where(rule => rule.Matches(target, method, pathAndQuery)).ToList();
            return matching.Count == 0 ? RequestFaults.None : new RequestFaults(matching);
        }
    }
}
