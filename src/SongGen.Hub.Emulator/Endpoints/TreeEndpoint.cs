using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>GET /api/{type}s/{ns}/{name}/tree/{rev}[/{path}]?recursive=&amp;expand=</c>: direct children (or everything below,
/// folders included) in path order, paged with Link; <c>expand=true</c> adds <c>lastCommit</c> and uses smaller pages.
/// </summary>
internal sealed class TreeEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, string[] rest)
    {
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is not { } repo)
        {
            return;
        }
        var (revision, folder) = RepoLookup.SplitRevisionAndPath(repo, rest);
        if (revision.Length == 0)
        {
            await HubResponses.NotFoundAsync(call.Http);
            return;
        }
        if (repo.Resolve(revision) is not { } commit)
        {
            await HubResponses.RevisionNotFoundAsync(call, revision);
            return;
        }
        folder = folder.Trim('/');
        if (folder.Length > 0 && !commit.Trees.ContainsKey(folder))
        {
            await HubResponses.EntryNotFoundAsync(call, commit.Id, $"{folder} does not exist on \"{revision}\"");
            return;
        }
        if (!LinkPaging.TryReadOffset(call, out var offset))
        {
            await HubResponses.BadRequestAsync(call, "Invalid cursor");
            return;
        }
        var recursive = call.Query.Flag("recursive");
        var expand = call.Query.Flag("expand");
        bool InScope(string path) => recursive ? RepoPaths.IsUnder(path, folder) : RepoPaths.Parent(path) == folder;
        var entries = commit.Trees.Keys.Where(path => path.Length > 0 && InScope(path)).Select(path => (Path: path, IsDirectory: true))
            .Concat(commit.Files.Keys.Where(InScope).Select(path => (Path: path, IsDirectory: false)))
            .OrderBy(entry => entry.Path, StringComparer.Ordinal)
            .ToList();
        var pageSize = expand ? Math.Max(1, services.Options.TreePageSize / 20) : services.Options.TreePageSize;
        var page = LinkPaging.Page(call, entries, offset, pageSize);
        var body = new JsonArray(page.Select(entry => (JsonNode?)(entry.IsDirectory
            ? TreeEntryJson.Directory(repo, commit, entry.Path, expand)
            : TreeEntryJson.File(repo, commit, entry.Path, commit.Files[entry.Path], expand))).ToArray());
        await HubResponses.JsonAsync(call, body);
    }
}
