using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>GET /api/{type}s/{ns}/{name}/refs[?include_prs=1]</c>. Python indexes branches, converts and tags
/// unconditionally, so all three are always present; pullRequests only when asked for.
/// </summary>
internal sealed class RefsEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name)
    {
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is not { } repo)
        {
            return;
        }
        static JsonObject Ref(string name, string fullRef, string target) =>
            new() { ["name"] = name, ["ref"] = fullRef, ["targetCommit"] = target };
        var body = new JsonObject
        {
            ["branches"] = new JsonArray(repo.Branches.OrderBy(b => b.Key, StringComparer.Ordinal)
                .Select(b => (JsonNode?)Ref(b.Key, "refs/heads/" + b.Key, b.Value)).ToArray()),
            ["converts"] = new JsonArray(),
            ["tags"] = new JsonArray(repo.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => (JsonNode?)Ref(t.Key, "refs/tags/" + t.Key, t.Value)).ToArray()),
        };
        if (call.Query.Flag("include_prs"))
        {
            body["pullRequests"] = new JsonArray(repo.PullRequests.OrderBy(pr => pr.Number)
                .Select(pr => (JsonNode?)Ref(pr.Ref, pr.Ref, pr.Commit)).ToArray());
        }
        await HubResponses.JsonAsync(call, body);
    }
}
