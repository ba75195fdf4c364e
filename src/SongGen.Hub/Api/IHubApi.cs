using Refit;

namespace SongGen.Hub.Api;

/// <summary>
/// The Hub REST API as one typed interface (Refit, source-generated). Every call returns the raw response so that the
/// client maps status and <c>X-Error-Code</c> to typed errors, follows <c>Link</c> pagination and streams bodies.
/// Revisions are passed raw: Refit escapes them as one segment (<c>refs/pr/1</c> → <c>refs%2Fpr%2F1</c>), as Python does.
/// <c>{**repoPath}</c> keeps the slash of <c>namespace/name</c> (and of the <c>datasets/</c> prefix).
/// Booleans are strings because the Hub and Python speak <c>true</c>/<c>false</c>, not .NET's <c>True</c>.
/// </summary>
public interface IHubApi
{
    [Get("/api/whoami-v2")]
    Task<HttpResponseMessage> WhoAmIAsync(CancellationToken cancellationToken);

    [Get("/api/{plural}")]
    Task<HttpResponseMessage> ListReposAsync(
        string plural,
        [Query] string? search,
        [Query] string? author,
        [Query(CollectionFormat.Multi)] IEnumerable<string>? filter,
        [Query] string? sort,
        [Query] int? limit,
        [Query] string? full,
        [Query(CollectionFormat.Multi)] IEnumerable<string>? expand,
        CancellationToken cancellationToken);

    [Get("/api/{plural}/{**repoId}/revision/{revision}")]
    Task<HttpResponseMessage> RepoInfoAsync(string plural, string repoId, string revision, [Query] string? blobs, CancellationToken cancellationToken);

    [Get("/api/{plural}/{**repoId}/tree/{revision}")]
    Task<HttpResponseMessage> TreeAsync(string plural, string repoId, string revision, [Query] string recursive, [Query] string expand, CancellationToken cancellationToken);

    /// <summary>Tree of a sub folder: the folder is one escaped segment (<c>sub%2Fdir</c>), as Python sends it.</summary>
    [Get("/api/{plural}/{**repoId}/tree/{revision}/{path}")]
    Task<HttpResponseMessage> TreeAtPathAsync(string plural, string repoId, string revision, string path, [Query] string recursive, [Query] string expand, CancellationToken cancellationToken);

    /// <summary>A read despite the POST: <paramref name="allowRetry"/> lets the pipeline retry it (pass true).</summary>
    [Post("/api/{plural}/{**repoId}/paths-info/{revision}")]
    Task<HttpResponseMessage> PathsInfoAsync(string plural, string repoId, string revision, [Body] PathsInfoRequest body,
        [Property(HubHttpPipeline.AllowRetryKey)] bool allowRetry, CancellationToken cancellationToken);

    [Get("/api/{plural}/{**repoId}/refs")]
    Task<HttpResponseMessage> RefsAsync(string plural, string repoId, [Query, AliasAs("include_prs")] string? includePrs, CancellationToken cancellationToken);

    /// <summary>File metadata: HEAD of the resolve URL, redirects not followed (the handler is configured so).</summary>
    [Head("/{**repoPath}/resolve/{revision}/{**path}")]
    Task<HttpResponseMessage> ResolveHeadAsync(string repoPath, string revision, string path, CancellationToken cancellationToken);

    /// <summary>File content from the resolve URL (regular files; LFS answers 302 to the CDN). <paramref name="range"/> as <c>bytes=a-b</c>.</summary>
    [Get("/{**repoPath}/resolve/{revision}/{**path}")]
    Task<HttpResponseMessage> ResolveGetAsync(string repoPath, string revision, string path, [Header("Range")] string? range, CancellationToken cancellationToken);
}
