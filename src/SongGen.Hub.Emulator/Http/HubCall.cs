using Microsoft.AspNetCore.Http;

namespace SongGen.Hub.Emulator.Http;

/// <summary>Everything an endpoint needs about one request.</summary>
internal sealed class HubCall
{
    public required HttpContext Http { get; init; }
    public required RequestTarget Target { get; init; }
    public required QueryArgs Query { get; init; }
    /// <summary>The authenticated user, or null for anonymous callers.</summary>
    public required string? User { get; init; }
    /// <summary>The token may write (a known, not read-only token).</summary>
    public bool CanWrite { get; init; }
    public required RequestFaults Faults { get; init; }

    public string Method => Http.Request.Method;
    public bool IsHead => HttpMethods.IsHead(Method);
    public CancellationToken Aborted => Http.RequestAborted;
}
