namespace SongGen.Hub.Emulator;

/// <summary>A fault plus which requests it hits and how many times; used up after that many hits. Thread-safe.</summary>
public sealed class FaultRule
{
    private int _remaining;
    private int _fired;

    internal FaultRule(Fault fault, FaultTarget target, string? pathContains, string? method, int times)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        Fault = fault;
        Target = target;
        PathContains = pathContains;
        Method = method;
        Times = times;
        _remaining = times;
    }

    public Fault Fault { get; }
    public FaultTarget Target { get; }
    /// <summary>Substring of the raw path and query that a request must contain (null: any).</summary>
    public string? PathContains { get; }
    /// <summary>HTTP method a request must have (null: any).</summary>
    public string? Method { get; }
    public int Times { get; }
    public int FiredCount => Volatile.Read(ref _fired);
    public bool IsUsedUp => Volatile.Read(ref _remaining) <= 0;

    internal bool Matches(FaultTarget target, string method, string pathAndQuery) =>
        !IsUsedUp
        && (Target == FaultTarget.Any || Target == target)
        && (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (PathContains is null || pathAndQuery.Contains(PathContains, StringComparison.Ordinal));

    /// <summary>Claims one shot; false when another request took the last one.</summary>
    internal bool TryFire()
    {
        if (Interlocked.Decrement(ref _remaining) < 0)
        {
            Interlocked.Increment(ref _remaining);
            return false;
        }
        Interlocked.Increment(ref _fired);
        return true;
    }

    public override string ToString() => $"{Fault} on {Target}{(Method is null ? "" : " " + Method)}{(PathContains is null ? "" : $" '{PathContains}'")} x{Times} (fired {FiredCount})";
}
