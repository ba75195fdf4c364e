namespace SongGen.Hub;

/// <summary>Everything the Hub client needs to know. <see cref="HubEnvironment"/> fills it from the usual HF_* variables.</summary>
public sealed class HubClientOptions
{
    /// <summary>Hub base URL (<c>HF_ENDPOINT</c>). Default <c>https://huggingface.co</c>.</summary>
    public Uri Endpoint { get; set; } = new("https://huggingface.co");

    /// <summary>Access token (<c>hf_…</c>), sent only to <see cref="Endpoint"/>'s host, never logged. Default none.</summary>
    public string? Token { get; set; }

    /// <summary>Root of the Python-compatible cache (<c>HF_HUB_CACHE</c>). Default <c>./hubcache</c>.</summary>
    public string CacheDir { get; set; } = Path.GetFullPath("hubcache");

    /// <summary>No network at all; everything is served from the cache (<c>HF_HUB_OFFLINE</c>). Default false.</summary>
    public bool Offline { get; set; }

    /// <summary>Copy blobs into snapshots instead of symlinking them (<c>HF_HUB_DISABLE_SYMLINKS</c>). Default false.</summary>
    public bool DisableSymlinks { get; set; }

    /// <summary>Time allowed for one attempt to get response headers. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time a download body may deliver no byte before the connection is treated as dropped and resumed. Default 30 s.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public HubRetryOptions Retry { get; set; } = new();

    public HubDownloadOptions Download { get; set; } = new();

    public HubUploadOptions Upload { get; set; } = new();

    /// <summary>Clock for backoff delays and timeouts; tests inject a fake one so they never sleep. Default system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>User-Agent prefix; the client appends its own version and the runtime's.</summary>
    public string UserAgent { get; set; } = "songgen";

    public override string ToString() =>
        $"Endpoint={Endpoint}, Token={(Token is null ? "none" : "set")}, CacheDir={CacheDir}, Offline={Offline}";
}

/// <summary>Retry policy for Hub calls: transient statuses and network errors, jittered exponential backoff.</summary>
public sealed class HubRetryOptions
{
    /// <summary>Retries after the first attempt. Default 5 (6 attempts), as Python.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>First backoff delay, doubled each retry. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest backoff delay computed by doubling. Default 8 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Longest delay accepted from the server (<c>Retry-After</c>, <c>RateLimit</c>); longer waits fail with the reset time. Default 10 min.</summary>
    public TimeSpan MaxServerDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Spread delays randomly (×0.75…×1.5 of the doubled delay, kept within BaseDelay..MaxDelay) so that many clients do not retry in step. Default true.</summary>
    public bool UseJitter { get; set; } = true;

    /// <summary>Statuses retried: 408, 429, 500, 502, 503, 504 (Python's set).</summary>
    public IReadOnlySet<int> RetryStatuses { get; set; } = new HashSet<int> { 408, 429, 500, 502, 503, 504 };

    /// <summary>Called before each retry with the attempt number (0-based), the delay and why; for logs and progress.</summary>
    public Action<RetryNotice>? OnRetry { get; set; }
}

public sealed record RetryNotice(int Attempt, TimeSpan Delay, string Reason, Uri? Url);

/// <summary>How files are fetched.</summary>
public sealed class HubDownloadOptions
{
    /// <summary>Ranged connections per large file. Default 8 (hfdownloader's default).</summary>
    public int ConnectionsPerFile { get; set; } = 8;

    /// <summary>Files downloaded at once in a snapshot (<c>--max-workers</c>). Default 8, as <c>hf download</c>.</summary>
    public int MaxConcurrentFiles { get; set; } = 8;

    /// <summary>Files at least this big are split into ranged parts. Default 32 MiB.</summary>
    public long ParallelThreshold { get; set; } = 32L * 1024 * 1024;

    /// <summary>Largest ranged part (files get about four parts per connection, at least 1 MiB); a resumed download redoes at most the parts it had not finished. Default 16 MiB.</summary>
    public long PartSize { get; set; } = 16L * 1024 * 1024;

    /// <summary>Times a dropped connection is resumed from where it stopped before giving up. Default 5 (reset whenever data arrives).</summary>
    public int MaxResumeAttempts { get; set; } = 5;

    /// <summary>Hash every byte and compare with the etag (sha256 / git sha1) before the file becomes visible. Default true.</summary>
    public bool VerifyHashes { get; set; } = true;

    /// <summary>How long to wait for another process holding the blob's lock. Default 10 min.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>How commits are prepared and files sent.</summary>
public sealed class HubUploadOptions
{
    /// <summary>Files per preupload request. Default 256 (Python's).</summary>
    public int PreuploadBatchSize { get; set; } = 256;

    /// <summary>Objects per LFS batch request. Default 256.</summary>
    public int LfsBatchSize { get; set; } = 256;

    /// <summary>Most files (added or deleted) in one commit; more are split into "… (part N)" commits. Default 200.</summary>
    public int MaxFilesPerCommit { get; set; } = 200;

    /// <summary>Most bytes of regular (inline, base64) content in one commit. Default 64 MiB.</summary>
    public long MaxInlineBytesPerCommit { get; set; } = 64L * 1024 * 1024;

    /// <summary>LFS objects sent at once. Default 4.</summary>
    public int MaxConcurrentFiles { get; set; } = 4;

    /// <summary>Parts of one multipart object sent at once. Default 5 (the JS client's).</summary>
    public int MaxConcurrentParts { get; set; } = 5;

    /// <summary>Times a commit is sent in all when the branch head shows an ambiguous failure was not applied. Default 3.</summary>
    public int MaxCommitAttempts { get; set; } = 3;

    /// <summary>
    /// Time one commit request may take before it counts as an ambiguous failure (the branch head is then read to settle
    /// it). Null: ten times <see cref="HubClientOptions.RequestTimeout"/> (5 min by default).
    /// </summary>
    public TimeSpan? CommitTimeout { get; set; }
}
