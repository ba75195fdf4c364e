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

/// <summary>Any other refusal (400, 416, 422…).</summary>
public class HubHttpException(string message, HttpStatusCode? status = null, string? requestId = null) : HubException(message, status, requestId);

/// <summary>409: the thing to create already exists (a repo, a branch, a tag), or a conflicting operation is running.</summary>
public class HubConflictException(string message, HttpStatusCode? status = null, string? requestId = null) : HubHttpException(message, status, requestId);

/// <summary>
/// 412, or a head found moved: the branch changed since the commit this upload was based on. Nothing was overwritten;
/// re-run against the new head (or make a new sync plan).
/// </summary>
public sealed class CommitConflictException(string message, HttpStatusCode? status = null, string? requestId = null) : HubHttpException(message, status, requestId)
{
    /// <summary>The parent the commit was based on.</summary>
    public string? ExpectedParent { get; init; }
    /// <summary>The branch head found instead, when known.</summary>
    public string? CurrentHead { get; init; }
}

/// <summary>
/// The commit request failed in a way that does not say whether the Hub applied it (connection reset, timeout, 5xx),
/// and checking the branch head could not settle it either. Look at the branch before committing again.
/// </summary>
public sealed class CommitOutcomeUnknownException(string message, Exception? inner = null) : HubException(message, inner: inner);

/// <summary>The LFS storage refused an object (a per-object error of the batch API, e.g. 403 storage limit, 422 bad size).</summary>
public sealed class LfsUploadException(string message, HttpStatusCode? status = null) : HubException(message, status);

/// <summary>A network request was needed while <c>HF_HUB_OFFLINE</c> is set.</summary>
public sealed class OfflineModeException(string message) : HubException(message);

/// <summary>The answer could not be used: malformed JSON, missing <c>X-Repo-Commit</c>/ETag/size, a bad <c>Link</c>.</summary>
public sealed class HubProtocolException(string message, Exception? inner = null) : HubException(message, inner: inner);

/// <summary>Downloaded bytes do not match what the Hub promised (size or hash). Nothing corrupt is left visible.</summary>
public sealed class DownloadIntegrityException(string message) : HubException(message);
