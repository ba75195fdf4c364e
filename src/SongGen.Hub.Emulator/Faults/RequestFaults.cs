using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator;

/// <summary>
/// The rules that matched one request. Each kind of fault is claimed only at the moment it can act, so a rule is not
/// used up by a request it could not affect.
/// </summary>
internal sealed class RequestFaults
{
    public static readonly RequestFaults None = new([]);

    private readonly IReadOnlyList<FaultRule> _candidates;

    public RequestFaults(IReadOnlyList<FaultRule> candidates) => _candidates = candidates;

    public TimeSpan ClaimDelay()
    {
        var total = TimeSpan.Zero;
        foreach (var rule in Candidates(FaultKind.Delay))
        {
            if (rule.TryFire()) total += rule.Fault.Duration;
        }
        return total;
    }

    public Fault? ClaimResponse() => Candidates(FaultKind.Respond).FirstOrDefault(rule => rule.TryFire())?.Fault;

    public Fault? ClaimStatus() => Candidates(FaultKind.Status).FirstOrDefault(rule => rule.TryFire())?.Fault;

    /// <summary>For an upload (request body): a reset after N received bytes and/or a reading rate.</summary>
    public UploadFaults ClaimUploadFaults()
    {
        if (_candidates.Count == 0)
        {
            return UploadFaults.None;
        }
        long? Claim(FaultKind kind) => Candidates(kind).FirstOrDefault(rule => rule.TryFire())?.Fault.Amount;
        return new UploadFaults(CutAfter: Claim(FaultKind.ResetAfterBytes), BytesPerSecond: Claim(FaultKind.Throttle));
    }

    public bool ClaimIgnoreRange() => Candidates(FaultKind.IgnoreRange).Any(rule => rule.TryFire());

    /// <summary>Claims every matching body fault (one of each kind) for a body about to be sent.</summary>
    public BodyFaults ClaimBodyFaults()
    {
        if (_candidates.Count == 0)
        {
            return BodyFaults.None;
        }
        long? Claim(FaultKind kind) => Candidates(kind).FirstOrDefault(rule => rule.TryFire())?.Fault.Amount;
        return new BodyFaults(
            ResetAfter: Claim(FaultKind.ResetAfterBytes),
            TruncateAfter: Claim(FaultKind.TruncateAfterBytes),
            ShortBody: Claim(FaultKind.ShortBody),
            CorruptOffset: Claim(FaultKind.CorruptByte),
            BytesPerSecond: Claim(FaultKind.Throttle));
    }

    private IEnumerable<FaultRule> Candidates(FaultKind kind) => _candidates.Where(rule => rule.Fault.Kind == kind);
}

/// <summary>
/// Damage to apply to one response body. <c>ResetAfter</c>, <c>TruncateAfter</c> and <c>ShortBody</c> count bytes of this
/// response body; <c>CorruptOffset</c> is a position in the whole file, so it hits the same byte whatever range is asked.
/// </summary>
internal sealed record BodyFaults(long? ResetAfter, long? TruncateAfter, long? ShortBody, long? CorruptOffset, long? BytesPerSecond)
{
    public static readonly BodyFaults None = new(null, null, null, null, null);
}
