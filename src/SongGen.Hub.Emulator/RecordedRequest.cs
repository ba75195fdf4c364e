namespace SongGen.Hub.Emulator;

/// <summary>Which listener took a request.</summary>
public enum EmulatorHost
{
    /// <summary>The Hub itself (<see cref="HubEmulator.BaseUrl"/>).</summary>
    Hub,
    /// <summary>The LFS "CDN" on its own hostname (<see cref="HubEmulator.CdnUrl"/>).</summary>
    Cdn,
}

/// <summary>One request as the emulator saw it.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Host">Which listener took it.</param>
/// <param name="PathAndQuery">The request target exactly as sent (still percent-encoded).</param>
/// <param name="HasAuthorization">Whether an Authorization header arrived.</param>
/// <param name="Range">The Range header, if any.</param>
/// <param name="StatusCode">Status sent; 0 if no response was started.</param>
/// <param name="Aborted">The connection was cut (by a fault or by the client) before the response completed.</param>
public sealed record RecordedRequest(
    string Method,
    EmulatorHost Host,
    string PathAndQuery,
    bool HasAuthorization,
    string? Range,
    int StatusCode,
    bool Aborted);
