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
        [Query, AliasAs("pipeline_tag")] string? pipelineTag,
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

    // ---------------------------------------------------------------- write side (never retried unless allowRetry says so)

    [Post("/api/repos/create")]
    Task<HttpResponseMessage> CreateRepoAsync([Body] CreateRepoRequest body, CancellationToken cancellationToken);

    [Delete("/api/repos/delete")]
    Task<HttpResponseMessage> DeleteRepoAsync([Body] DeleteRepoRequest body, CancellationToken cancellationToken);

    /// <summary>Settings body built by hand: <c>gated</c> is a string or the JSON <c>false</c>.</summary>
    [Put("/api/{plural}/{**repoId}/settings")]
    Task<HttpResponseMessage> UpdateSettingsAsync(string plural, string repoId, [Body] HttpContent body, CancellationToken cancellationToken);

    [Post("/api/{plural}/{**repoId}/branch/{branch}")]
    Task<HttpResponseMessage> CreateBranchAsync(string plural, string repoId, string branch, [Body] CreateBranchRequest body, CancellationToken cancellationToken);

    [Delete("/api/{plural}/{**repoId}/branch/{branch}")]
    Task<HttpResponseMessage> DeleteBranchAsync(string plural, string repoId, string branch, CancellationToken cancellationToken);

    [Post("/api/{plural}/{**repoId}/tag/{revision}")]
    Task<HttpResponseMessage> CreateTagAsync(string plural, string repoId, string revision, [Body] CreateTagRequest body, CancellationToken cancellationToken);

    [Delete("/api/{plural}/{**repoId}/tag/{tag}")]
    Task<HttpResponseMessage> DeleteTagAsync(string plural, string repoId, string tag, CancellationToken cancellationToken);

    /// <summary>Asks how each file would be stored (regular or LFS) and the remote oid of existing paths; a read, so retried.</summary>
    [Post("/api/{plural}/{**repoId}/preupload/{revision}")]
    Task<HttpResponseMessage> PreuploadAsync(string plural, string repoId, string revision, [Query, AliasAs("create_pr")] string? createPr,
        [Body] PreuploadRequest body, [Property(HubHttpPipeline.AllowRetryKey)] bool allowRetry, CancellationToken cancellationToken);

    /// <summary>The Hub's check of a README.md's YAML metadata: 200, or 400 with <c>errors[].message</c>. A read; retried.</summary>
    [Post("/api/validate-yaml")]
    Task<HttpResponseMessage> ValidateYamlAsync([Body] ValidateYamlRequest body, [Property(HubHttpPipeline.AllowRetryKey)] bool allowRetry,
        CancellationToken cancellationToken);

    /// <summary>The NDJSON commit. Never retried by the pipeline: the committer checks the branch head after an ambiguous failure.</summary>
    [Post("/api/{plural}/{**repoId}/commit/{revision}")]
    Task<HttpResponseMessage> CommitAsync(string plural, string repoId, string revision, [Query, AliasAs("create_pr")] string? createPr,
        [Body] HttpContent body, CancellationToken cancellationToken);
}
