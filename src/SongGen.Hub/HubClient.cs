using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Refit;
using SongGen.Hub.Api;

namespace SongGen.Hub;

/// <summary>Search parameters of <c>/api/models</c>, <c>/api/datasets</c>, <c>/api/spaces</c>.</summary>
public sealed record RepoSearch
{
    public string? Search { get; init; }
    public string? Author { get; init; }
    /// <summary>Tags that must all be present (<c>filter=</c>, repeatable): <c>text-to-audio</c>, <c>license:mit</c>…</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];
    /// <summary>Models of this task only (<c>pipeline_tag=</c>): <c>text-to-audio</c>, <c>text-generation</c>…</summary>
    public string? PipelineTag { get; init; }
    /// <summary><c>downloads</c>, <c>likes</c>, <c>lastModified</c>, <c>createdAt</c> or <c>trendingScore</c> (descending).</summary>
    public string? Sort { get; init; }
    /// <summary>Most items to return in all (also sent as the page size). Null: all of them.</summary>
    public int? Limit { get; init; }
    /// <summary>Items per page asked of the Hub (<c>limit=</c>) when it should differ from <see cref="Limit"/>, e.g. a UI that loads pages as it scrolls with no overall cap. Default: <see cref="Limit"/>.</summary>
    public int? PageSize { get; init; }
    /// <summary>Ask for the full objects (siblings, sha, tags…).</summary>
    public bool Full { get; init; }
    /// <summary>Return only these properties (exclusive with <see cref="Full"/>).</summary>
    public IReadOnlyList<string> Expand { get; init; } = [];
}

/// <summary>Bytes read from a file by <see cref="HubClient.ReadRangeAsync"/> and the whole file's size.</summary>
public sealed record HubRangeRead(byte[] Data, long FileSize);

/// <summary>What a HEAD of a resolve URL says about a file.</summary>
public sealed record HubFileMetadata(string CommitHash, string Etag, long Size, Uri Location, bool IsRedirect);

/// <summary>
/// The read side of the Hugging Face Hub REST API: whoami, search, repo info, trees, paths-info, refs and file metadata.
/// Typed errors come from status and <c>X-Error-Code</c>; listings are async streams that follow <c>Link</c> pages.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    private const string DefaultRevision = "main";
    private const int PathsInfoBatch = 500;

    public HubClient(HubClientOptions options, HttpMessageHandler? primaryHandler = null)
    {
        Options = options;
        Http = HubHttpPipeline.Create(options, primaryHandler);
        var settings = RefitSettings.ForJsonContext(HubJsonContext.Default);
        // Surface transport failures as they are (HttpRequestException, OfflineModeException, HubException on timeouts),
        // not wrapped in Refit's ApiRequestException: callers and the cache fallback match on those types.
        settings.TransportExceptionFactory = (_, exception, _) => exception;
        Api = RestService.ForGenerated<IHubApi>(Http, settings);
    }

    public HubClientOptions Options { get; }

    /// <summary>The client with the Hub's retry and auth pipeline; the downloader sends its ranged GETs through it.</summary>
    internal HttpClient Http { get; }

    internal IHubApi Api { get; }

    public async Task<WhoAmI> WhoAmIAsync(CancellationToken cancellationToken = default)
    {
        if (Options.Token is null)
            throw new HubUnauthorizedException("No token: set HF_TOKEN, write one to the token file (HF_TOKEN_PATH), or pass --token");
        using var response = await Api.WhoAmIAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            throw new HubUnauthorizedException("Invalid user token: the Hub refused it (401)", response.StatusCode);
        await HubErrorMapper.EnsureSuccessAsync(response, "whoami", cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, HubJsonContext.Default.WhoAmI, "whoami", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists repositories page by page (the Hub's <c>Link: &lt;…&gt;; rel="next"</c>), stopping after <see cref="RepoSearch.Limit"/>.</summary>
    public async IAsyncEnumerable<RepoInfo> ListReposAsync(RepoType type, RepoSearch search, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var what = $"{type.Plural()} search";
        var first = Api.ListReposAsync(type.Plural(), search.Search, search.Author, search.Filters.Count > 0 ? search.Filters : null,
            search.PipelineTag, search.Sort, search.PageSize ?? search.Limit, search.Full ? "true" : null, search.Expand.Count > 0 ? search.Expand : null, cancellationToken);
        var returned = 0;
        await foreach (var item in PagesAsync(first, HubJsonContext.Default.ListRepoInfo, what, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
            if (search.Limit is { } limit && ++returned >= limit) yield break;
        }
    }

    /// <summary>Repo info at a revision (branch, tag, commit or <c>refs/pr/N</c>; default branch when null).</summary>
    public async Task<RepoInfo> GetRepoInfoAsync(RepoId repo, string? revision = null, bool filesMetadata = false, CancellationToken cancellationToken = default)
    {
        var rev = revision ?? DefaultRevision;
        var what = Describe(repo, rev);
        using var response = await Api.RepoInfoAsync(repo.Type.Plural(), repo.Id, rev, filesMetadata ? "true" : null, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, HubJsonContext.Default.RepoInfo, what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Files and folders at a revision, optionally under <paramref name="path"/> and recursively, following pages.</summary>
    public IAsyncEnumerable<TreeEntry> ListTreeAsync(RepoId repo, string? revision = null, string? path = null, bool recursive = false,
        bool expand = false, CancellationToken cancellationToken = default)
    {
        var rev = revision ?? DefaultRevision;
        var folder = string.IsNullOrEmpty(path) ? null : RepoFilePath.Validate(path.TrimEnd('/'));
        var what = Describe(repo, rev) + (folder is null ? "" : $" folder '{folder}'");
        var first = folder is null
            ? Api.TreeAsync(repo.Type.Plural(), repo.Id, rev, recursive ? "true" : "false", expand ? "true" : "false", cancellationToken)
            : Api.TreeAtPathAsync(repo.Type.Plural(), repo.Id, rev, folder, recursive ? "true" : "false", expand ? "true" : "false", cancellationToken);
        return PagesAsync(first, HubJsonContext.Default.ListTreeEntry, what, cancellationToken);
    }

    /// <summary>Tree entries of the given paths that exist at the revision (missing ones are left out), 500 per request.</summary>
    public async Task<IReadOnlyList<TreeEntry>> GetPathsInfoAsync(RepoId repo, IEnumerable<string> paths, string? revision = null, bool expand = false,
        CancellationToken cancellationToken = default)
    {
        var rev = revision ?? DefaultRevision;
        var result = new List<TreeEntry>();
        foreach (var batch in paths.Select(RepoFilePath.Validate).Chunk(PathsInfoBatch))
        {
            using var response = await Api.PathsInfoAsync(repo.Type.Plural(), repo.Id, rev, new PathsInfoRequest { Paths = batch, Expand = expand }, allowRetry: true, cancellationToken)
                .ConfigureAwait(false);
            await HubErrorMapper.EnsureSuccessAsync(response, Describe(repo, rev) + " paths-info", cancellationToken).ConfigureAwait(false);
            result.AddRange(await ReadJsonAsync(response, HubJsonContext.Default.ListTreeEntry, "paths-info", cancellationToken).ConfigureAwait(false));
        }
        return result;
    }

    public async Task<GitRefs> ListRefsAsync(RepoId repo, bool includePullRequests = false, CancellationToken cancellationToken = default)
    {
        using var response = await Api.RefsAsync(repo.Type.Plural(), repo.Id, includePullRequests ? "1" : null, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, $"refs of {repo}", cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, HubJsonContext.Default.GitRefs, $"refs of {repo}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// HEAD of the resolve URL, as Python's <c>get_hf_file_metadata</c>: a relative redirect is followed (its query
    /// dropped); an absolute one (the LFS CDN) is not, its headers carry the metadata. Missing commit, etag or size is a
    /// <see cref="HubProtocolException"/>.
    /// </summary>
    public async Task<HubFileMetadata> GetFileMetadataAsync(RepoId repo, string path, string? revision = null, CancellationToken cancellationToken = default)
    {
        RepoFilePath.Validate(path);
        var rev = revision ?? DefaultRevision;
        var what = $"'{path}' in {Describe(repo, rev)}";
        var response = await Api.ResolveHeadAsync(RepoUrlPath(repo), rev, path, cancellationToken).ConfigureAwait(false);
        for (var hops = 0; IsRedirect(response.StatusCode) && response.Headers.Location is { IsAbsoluteUri: false } relative; hops++)
        {
            if (hops >= 5) throw new HubProtocolException($"Too many relative redirects resolving {what}");
            var next = new Uri(Http.BaseAddress!, relative.OriginalString.Split('?')[0]);
            response.Dispose();
            response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, next), HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
        }
        using (response)
        {
            await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
            var isRedirect = IsRedirect(response.StatusCode);
            var commit = Header(response, "X-Repo-Commit")?.Trim()
                         ?? throw new HubProtocolException($"The Hub sent no X-Repo-Commit for {what}: is the endpoint a Hub?");
            // It names the snapshot folder: anything but a commit id is refused before it reaches the disk.
            if (!HubCacheLayout.IsCommitHash(commit))
                throw new HubProtocolException($"The Hub sent X-Repo-Commit '{commit}' for {what}: not a 40-hex commit id");
            var etag = Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag")
                       ?? throw new HubProtocolException($"The Hub sent no ETag for {what}");
            long? size = long.TryParse(Header(response, "X-Linked-Size"), out var linked) ? linked
                : isRedirect ? null : response.Content.Headers.ContentLength;
            if (size is not { } s || s < 0) throw new HubProtocolException($"The Hub sent no size for {what}");
            var location = response.Headers.Location is { } loc
                ? (loc.IsAbsoluteUri ? loc : new Uri(Http.BaseAddress!, loc))
                : response.RequestMessage!.RequestUri!;
            return new HubFileMetadata(commit, NormalizeEtag(etag), s, location, isRedirect);
        }
    }

    /// <summary>
    /// Reads bytes <paramref name="offset"/> .. <paramref name="offset"/>+<paramref name="length"/>-1 of a file with one
    /// HTTP Range request on its resolve URL, following redirects by hand (the token goes only to the Hub's own host, never
    /// to the CDN). Only the requested bytes are read: a server that ignores Range, or answers another range, is refused
    /// before its body is read. Returns the bytes (fewer only where the file ends first) and the file's total size from
    /// <c>Content-Range</c>.
    /// </summary>
    /// <exception cref="HubProtocolException">The server does not honour the range.</exception>
    public async Task<HubRangeRead> ReadRangeAsync(RepoId repo, string path, string? revision, long offset, int length,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var rev = revision ?? DefaultRevision;
        var what = $"'{path}' in {Describe(repo, rev)}";
        var uri = ResolveUrl(repo, path, rev);
        var last = offset + length - 1;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, last);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                if (hop >= 5) throw new HubProtocolException($"Too many redirects reading {what}");
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
            var range = response.Content.Headers.ContentRange;
            if (response.StatusCode != HttpStatusCode.PartialContent || range is not { HasRange: true, From: { } from, To: { } to, HasLength: true, Length: { } total })
                throw new HubProtocolException(
                    $"{HubErrorMapper.DescribeUrl(response.RequestMessage?.RequestUri ?? uri)} answered HTTP {(int)response.StatusCode} without a byte range to a Range request for {what}");
            if (from != offset || to > last || to < from || (to < last && to != total - 1))
                throw new HubProtocolException($"Asked for bytes {offset}-{last} of {what}, the server answered Content-Range '{range}'");
            if (response.Content.Headers.ContentEncoding.Count > 0 && !response.Content.Headers.ContentEncoding.Contains("identity"))
                throw new HubProtocolException($"The server compressed {what} although identity was asked for");
            var expected = (int)(to - from + 1);
            var buffer = new byte[expected];
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var read = await body.ReadAtLeastAsync(buffer, expected, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != expected)
                throw new HubProtocolException($"The server sent {read} of the {expected} bytes it announced for {what}");
            return new HubRangeRead(buffer, total);
        }
    }

    /// <summary>Absolute resolve URL of a file at a revision (the revision escaped as one segment).</summary>
    public Uri ResolveUrl(RepoId repo, string path, string? revision = null)
    {
        var escapedPath = string.Join('/', RepoFilePath.Validate(path).Split('/').Select(Uri.EscapeDataString));
        // Appended to the endpoint as text so that a mirror under a path prefix (https://host/hf) keeps it.
        return new Uri($"{Options.Endpoint.AbsoluteUri.TrimEnd('/')}/{RepoUrlPath(repo)}/resolve/{Uri.EscapeDataString(revision ?? DefaultRevision)}/{escapedPath}");
    }

    internal static string RepoUrlPath(RepoId repo) => repo.Type.UrlPrefix() + repo.Id;

    internal static string Describe(RepoId repo, string revision) => $"{repo.Type.Singular()} {repo.Id}@{revision}";

    internal static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    internal static string NormalizeEtag(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        return value.Trim('"');
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private async IAsyncEnumerable<T> PagesAsync<T>(Task<HttpResponseMessage> firstPage, JsonTypeInfo<List<T>> typeInfo, string what,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var response = await firstPage.ConfigureAwait(false);
        for (var page = 0; ; page++)
        {
            List<T> items;
            Uri? next;
            using (response)
            {
                await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
                items = await ReadJsonAsync(response, typeInfo, what, cancellationToken).ConfigureAwait(false);
                next = LinkHeader.Next(response);
            }
            foreach (var item in items) yield return item;
            if (next is null) yield break;
            if (page > 100_000) throw new HubProtocolException($"Pagination of {what} does not end");
            response = await Http.GetAsync(next, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, string what, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken).ConfigureAwait(false)
                   ?? throw new HubProtocolException($"The Hub answered null for {what} ({HubErrorMapper.DescribeUrl(response.RequestMessage?.RequestUri)})");
        }
        catch (JsonException ex)
        {
            throw new HubProtocolException(
                $"Malformed JSON from the Hub for {what} ({HubErrorMapper.DescribeUrl(response.RequestMessage?.RequestUri)}): {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        Http.Dispose();
    }
}
