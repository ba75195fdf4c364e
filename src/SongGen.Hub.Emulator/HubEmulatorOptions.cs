namespace SongGen.Hub.Emulator;

/// <summary>How to run a <see cref="HubEmulator"/>.</summary>
public sealed class HubEmulatorOptions
{
    public const string AliceToken = "hf_emulator_alice_token";

    /// <summary>A read-only token of alice: it reads everything alice may read; every write answers 403.</summary>
    public const string AliceReadToken = "hf_emulator_alice_read_token";

    /// <summary>Folder holding all repositories and objects; they persist across restarts.</summary>
    public required string Root { get; init; }

    /// <summary>Address of the Hub listener (an IP address).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks any free port; read the result from <see cref="HubEmulator.BaseUrl"/>.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Address of the LFS "CDN". It must be a different hostname from <see cref="Host"/>: clients decide whether to
    /// keep the Authorization header (and whether to follow a redirect at all) by hostname.
    /// </summary>
    public string CdnHost { get; init; } = "127.0.0.2";

    public int CdnPort { get; init; }

    /// <summary>Token → user name. Tokens must start with "hf_" (the JS client refuses others before sending).</summary>
    public IDictionary<string, string> Tokens { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AliceToken] = "alice",
        [AliceReadToken] = "alice",
    };

    /// <summary>
    /// Tokens of <see cref="Tokens"/> that may only read (role "read" in whoami): writes with them answer 403 with a
    /// message saying to use a write token. Default: <see cref="AliceReadToken"/>.
    /// </summary>
    public ISet<string> ReadOnlyTokens { get; init; } = new HashSet<string>(StringComparer.Ordinal) { AliceReadToken };

    /// <summary>
    /// LFS objects larger than this are uploaded in parts ("multipart": a PUT URL per part plus a completion URL) when
    /// the client lists "multipart" in its batch request's transfers; smaller ones get one PUT. Default 100 MiB.
    /// </summary>
    public long MultipartThreshold { get; init; } = 100L * 1024 * 1024;

    /// <summary>Part size of multipart uploads (the batch answer's <c>chunk_size</c>). Default 16 MiB.</summary>
    public long MultipartChunkSize { get; init; } = 16L * 1024 * 1024;

    /// <summary>Listing page size when the client gives no <c>limit</c>, and the cap on <c>limit</c>.</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Tree page size; with <c>expand=true</c> pages are 20 times smaller (1000 and 50 on the real Hub).</summary>
    public int TreePageSize { get; init; } = 1000;

    /// <summary>Files at least this large are stored as LFS even when no .gitattributes pattern matches.</summary>
    public long LfsThreshold { get; init; } = EmulatorRepoStore.DefaultLfsThreshold;

    /// <summary>Clock for signed CDN URL expiry (tests may pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
