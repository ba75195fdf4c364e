using System.Net;
using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>GET /api/{type}s/{ns}/{name}/commits/{rev}?limit=</c>: history newest first, paged with Link, total in
/// X-Total-Count (the JS countCommits reads only that); <c>expand[]=formatted</c> adds HTML-escaped text.
/// </summary>
internal sealed class CommitsEndpoint(EmulatorServices services)
{
    private const int DefaultPageSize = 50;

    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, string? revision)
    {
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is not { } repo)
        {
            return;
        }
        var rev = string.IsNullOrEmpty(revision) ? repo.DefaultBranch : revision;
        if (repo.Resolve(rev) is not { } head)
        {
            await HubResponses.RevisionNotFoundAsync(call, rev);
            return;
        }
        if (!LinkPaging.TryReadOffset(call, out var offset))
        {
            await HubResponses.BadRequestAsync(call, "Invalid cursor");
            return;
        }
        var history = repo.History(head).ToList();
        var pageSize = Math.Clamp(call.Query.Int("limit") is > 0 and var limit ? limit : DefaultPageSize, 1, Math.Max(1, services.Options.ListPageSize));
        var page = LinkPaging.Page(call, history, offset, pageSize);
        var formatted = call.Query.GetAll("expand").Contains("formatted");
        call.Http.Response.Headers["X-Total-Count"] = history.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = new JsonArray(page.Select(commit => (JsonNode?)ToJson(commit, formatted)).ToArray());
        await HubResponses.JsonAsync(call, body);
    }

    private static JsonObject ToJson(CommitDocument commit, bool formatted)
    {
        var json = new JsonObject
        {
            ["id"] = commit.Id,
            ["title"] = commit.Title,
            ["message"] = commit.FullMessage,
            ["date"] = HubDates.Format(commit.Date),
            ["authors"] = new JsonArray(new JsonObject { ["user"] = commit.Author, ["avatar"] = "/avatars/" + commit.Author + ".svg" }),
        };
        if (formatted)
        {
            json["formatted"] = new JsonObject
            {
                ["title"] = WebUtility.HtmlEncode(commit.Title),
                ["message"] = WebUtility.HtmlEncode(commit.FullMessage),
            };
        }
        return json;
    }
}
