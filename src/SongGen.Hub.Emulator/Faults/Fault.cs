namespace SongGen.Hub.Emulator;

public enum FaultKind
{
    Status,
    Delay,
    ResetAfterBytes,
    TruncateAfterBytes,
    ShortBody,
    CorruptByte,
    IgnoreRange,
    Throttle,
    Respond,
}

/// <summary>
/// What goes wrong with a request. Status and Delay act before the response starts; the body faults act only on
/// successful responses that carry a body (a 200/206 GET: file, CDN object or JSON), never on HEAD, redirects or
/// errors, so a rule aimed at "the download" is not used up by the metadata request before it.
/// </summary>
public sealed class Fault
{
    private Fault(FaultKind kind) => Kind = kind;

    public FaultKind Kind { get; }
    public int StatusCode { get; private init; }
    public int? RetryAfterSeconds { get; private init; }
    /// <summary>Seconds until reset, sent as <c>RateLimit: "api";r=0;t=N</c>.</summary>
    public int? RateLimitResetSeconds { get; private init; }
    public string? ErrorCode { get; private init; }
    public string? ErrorMessage { get; private init; }
    /// <summary>Byte count for reset/truncate/short body, offset for a corrupt byte, rate for throttling.</summary>
    public long Amount { get; private init; }
    public TimeSpan Duration { get; private init; }
    /// <summary>For <see cref="Respond"/>: the Content-Type, body and extra headers of the crafted answer.</summary>
    public string? ContentType { get; private init; }
    public byte[]? Body { get; private init; }
    public IReadOnlyDictionary<string, string>? Headers { get; private init; }

    /// <summary>Answers with this status and a JSON error body, e.g. 429, 500, 502, 503, 504, 408.</summary>
    public static Fault Status(int statusCode, int? retryAfterSeconds = null, int? rateLimitResetSeconds = null,
        string? errorCode = null, string? errorMessage = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        return new Fault(FaultKind.Status)
        {
            StatusCode = statusCode,
            RetryAfterSeconds = retryAfterSeconds,
            RateLimitResetSeconds = rateLimitResetSeconds,
            ErrorCode = errorCode,
            ErrorMessage = errorMessage,
        };
    }

    /// <summary>Waits before sending anything (for client timeouts).</summary>
    public static Fault Delay(TimeSpan delay) => new(FaultKind.Delay) { Duration = delay };

    /// <summary>
    /// Sends the headers and the first <paramref name="bytes"/> body bytes, then resets the connection. On an upload
    /// (a PUT of an LFS object or part) it counts request body bytes instead: the connection is reset after receiving
    /// that many, and nothing is stored.
    /// </summary>
    public static Fault ResetAfterBytes(long bytes) => new(FaultKind.ResetAfterBytes) { Amount = NonNegative(bytes) };

    /// <summary>Declares the real Content-Length but sends only <paramref name="bytes"/> bytes, then closes the connection.</summary>
    public static Fault TruncateAfterBytes(long bytes) => new(FaultKind.TruncateAfterBytes) { Amount = NonNegative(bytes) };

    /// <summary>A complete, well-formed response whose body and Content-Length are only the first <paramref name="bytes"/> bytes.</summary>
    public static Fault ShortBody(long bytes) => new(FaultKind.ShortBody) { Amount = NonNegative(bytes) };

    /// <summary>Flips every bit of the byte at this offset of the file (if the served range covers it).</summary>
    public static Fault CorruptByte(long offset) => new(FaultKind.CorruptByte) { Amount = NonNegative(offset) };

    /// <summary>Answers a Range request with 200 and the whole body.</summary>
    public static Fault IgnoreRange() => new(FaultKind.IgnoreRange);

    /// <summary>Sends the body at about this many bytes per second; on an upload (PUT), reads the request body at that rate.</summary>
    public static Fault Throttle(long bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        return new Fault(FaultKind.Throttle) { Amount = bytesPerSecond };
    }

    /// <summary>
    /// Replaces the whole answer with this one (test hook for answers the store cannot produce: hostile tree entries,
    /// malformed JSON, missing headers). Content-Length is the body's length, also on HEAD (whose body is not sent).
    /// </summary>
    public static Fault Respond(int statusCode, string contentType, string body, IReadOnlyDictionary<string, string>? headers = null) =>
        Respond(statusCode, contentType, System.Text.Encoding.UTF8.GetBytes(body), headers);

    public static Fault Respond(int statusCode, string contentType, byte[] body, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 200);
        ArgumentNullException.ThrowIfNull(body);
        return new Fault(FaultKind.Respond)
        {
            StatusCode = statusCode,
            ContentType = contentType,
            Body = body.ToArray(),
            Headers = headers is null ? null : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase),
        };
    }

    internal bool ActsOnBody => Kind is FaultKind.ResetAfterBytes or FaultKind.TruncateAfterBytes or FaultKind.ShortBody
        or FaultKind.CorruptByte or FaultKind.Throttle;

    public override string ToString() => Kind switch
    {
        FaultKind.Status => $"Status({StatusCode})",
        FaultKind.Respond => $"Respond({StatusCode}, {ContentType}, {Body?.Length} bytes)",
        FaultKind.Delay => $"Delay({Duration})",
        FaultKind.IgnoreRange => "IgnoreRange",
        _ => $"{Kind}({Amount})",
    };

    private static long NonNegative(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return value;
    }
}
