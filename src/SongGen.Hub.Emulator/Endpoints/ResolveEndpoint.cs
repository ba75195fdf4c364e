using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>GET|HEAD /[datasets/|spaces/]{ns}/{name}/resolve/{rev}/{path}</c> and <c>…/raw/{rev}/{path}</c>.
/// Regular files: 200 with X-Repo-Commit, <c>ETag: "&lt;git blob id&gt;"</c>, Content-Length and Range support.
/// LFS files: 302 with an absolute, signed Location on the CDN hostname plus X-Linked-Etag (the SHA-256) and
/// X-Linked-Size. Raw serves the git blob itself (the pointer text for LFS files).
/// </summary>
internal sealed class ResolveEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, bool raw, string[] rest)
    {
        if (!HttpMethods.IsGet(call.Method) && !call.IsHead)
        {
            await HubResponses.MethodNotAllowedAsync(call.Http);
            return;
        }
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is not { } repo)
        {
            return;
        }
        if (!repo.CanDownload(call.User))
        {
            await GatedAsync(call, repo);
            return;
        }
        var (revision, path) = RepoLookup.SplitRevisionAndPath(repo, rest);
        if (repo.Resolve(revision) is not { } commit)
        {
            await HubResponses.RevisionNotFoundAsync(call, revision);
            return;
        }
        if (path.Length == 0 || !commit.Files.TryGetValue(path, out var file))
        {
            // Python records "file absent at this commit" (.no_exist) only when the 404 names the commit.
            await HubResponses.EntryNotFoundAsync(call, commit.Id);
            return;
        }
        var headers = call.Http.Response.Headers;
        headers["X-Repo-Commit"] = commit.Id;
        headers.ETag = Quote(file.Oid);
        if (file.Lfs is { } lfs && !raw)
        {
            await RedirectToCdnAsync(call, repo, commit, lfs);
            return;
        }
        if (!raw)
        {
            headers.ContentDisposition = ContentTypes.Disposition("inline", path);
        }
        if (file.Lfs is { } pointerOf)
        {
            var pointer = GitObjects.LfsPointerBytes(pointerOf.Sha256, pointerOf.Size);
            await BodySender.SendAsync(call, () => new MemoryStream(pointer, writable: false), pointer.Length, "text/plain; charset=utf-8");
            return;
        }
        await BodySender.SendAsync(call, () => services.Store.Objects.OpenRead(file.Sha256), file.Size, ContentTypes.ForPath(path));
    }

    private async Task RedirectToCdnAsync(HubCall call, RepoSnapshot repo, CommitDocument commit, LfsDocument lfs)
    {
        var grant = new CdnGrant(lfs.Sha256, lfs.Size, repo.Kind.UrlPrefix() + repo.RepoId, commit.Id);
        var location = services.Signer.SignedUrl(services.CdnUrl, grant);
        var headers = call.Http.Response.Headers;
        headers.Location = location;
        headers["X-Linked-Etag"] = Quote(lfs.Sha256);
        headers["X-Linked-Size"] = lfs.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await HubResponses.TextAsync(call.Http, StatusCodes.Status302Found, "Found. Redirecting to " + location);
    }

    private static Task GatedAsync(HubCall call, RepoSnapshot repo)
    {
        var what = $"{repo.Kind.Singular()} {repo.RepoId}";
        return call.User is null
            ? HubResponses.ErrorAsync(call.Http, StatusCodes.Status401Unauthorized, "GatedRepo",
                $"Access to {what} is restricted. You must have access to it and be authenticated to access it. Please log in.")
            : HubResponses.ErrorAsync(call.Http, StatusCodes.Status403Forbidden, "GatedRepo",
                $"Access to {what} is restricted and you are not in the authorized list. Visit the repository page to ask for access.");
    }

    private static string Quote(string etag) => "\"" + etag + "\"";
}
