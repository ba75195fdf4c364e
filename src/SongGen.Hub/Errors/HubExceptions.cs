using System.Net;

namespace SongGen.Hub;

/// <summary>
/// Base of every error the Hub client raises. Messages name what happened and where (repo, revision, file, URL
/// without query) and never contain the token.
/// </summary>
public class HubException : Exception
{
    public HubException(string message, HttpStatusCode? statusCode = null, string? requestId = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        RequestId = requestId;
    }

    public HttpStatusCode? StatusCode { get; }
    /// <summary>Server request id (<c>X-Request-Id</c> / <c>X-Amzn-Trace-Id</c>), for bug reports.</summary>
    public string? RequestId { get; }
}

/// <summary>The repository does not exist, or is private and the token may not see it (the Hub does not tell them apart).</summary>
public class RepositoryNotFoundException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId);

/// <summary>The repository is gated: accept its conditions on the Hub (and pass a token) to download.</summary>
public sealed class GatedRepoException(string message, HttpStatusCode? status = null, string? requestId = null) : RepositoryNotFoundException(message, status, requestId);

public sealed class RevisionNotFoundException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId);

/// <summary>The file or folder does not exist at that revision (remote), or is not in the cache (offline).</summary>
public class EntryNotFoundException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId)
{
    /// <summary>The commit the revision resolved to, when the Hub said (<c>X-Repo-Commit</c> on a 404): lets the cache record the absence.</summary>
    public string? CommitHash { get; init; }
}

/// <summary>The file is not in the local cache and the Hub cannot be asked (offline, or unreachable).</summary>
public sealed class CacheMissException(string message, Exception? inner = null) : HubException(message, inner: inner);

/// <summary>The token is missing, invalid or lacks the permission.</summary>
public sealed class HubUnauthorizedException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId);

/// <summary>The Hub rate limit was hit and retries ran out. <see cref="ResetAfter"/> says when the window reopens.</summary>
public sealed class RateLimitedException(string message, TimeSpan? resetAfter, string? requestId = null)
    : HubException(message, HttpStatusCode.TooManyRequests, requestId)
{
    public TimeSpan? ResetAfter { get; } = resetAfter;
}

/// <summary>The Hub answered 5xx after all retries.</summary>
public sealed class HubServerException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId);

/// <summary>Any other refusal (400, 409, 412, 416…).</summary>
public sealed class HubHttpException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId);

/// <summary>A network request was needed while <c>HF_HUB_OFFLINE</c> is set.</summary>
public sealed class OfflineModeException(string message) : HubException(message);

/// <summary>The answer could not be used: malformed JSON, missing <c>X-Repo-Commit</c>/ETag/size, a bad <c>Link</c>.</summary>
public sealed class HubProtocolException(string message, Exception? inner = null) : HubException(message, inner: inner);

/// <summary>Downloaded bytes do not match what the Hub promised (size or hash). Nothing corrupt is left visible.</summary>
public sealed class DownloadIntegrityException(string message) : HubException(message);
