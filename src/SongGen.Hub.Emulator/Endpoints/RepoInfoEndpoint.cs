using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>GET /api/{type}s/{ns}/{name}[/revision/{rev}]</c>: <c>sha</c> is the commit the revision resolves to (HEAD = the
/// default branch); <c>blobs=true</c> adds sizes and LFS data to siblings; <c>expand</c> selects properties.
/// </summary>
internal sealed class RepoInfoEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, string? revision)
    {
        var expand = call.Query.GetAll("expand");
        if (expand.FirstOrDefault(property => !RepoJson.ExpandableProperties.Contains(property)) is { } unknown)
        {
            await HubResponses.BadRequestAsync(call, $"Invalid expand value: {unknown}");
            return;
        }
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is not { } repo)
        {
            return;
        }
        var rev = string.IsNullOrEmpty(revision) ? repo.DefaultBranch : revision;
        if (repo.Resolve(rev) is not { } commit)
        {
            await HubResponses.RevisionNotFoundAsync(call, rev);
            return;
        }
        var properties = expand.Count > 0 ? expand : RepoJson.InfoProperties(kind);
        var body = services.RepoJson.Build(repo, commit, properties, withBlobs: call.Query.Flag("blobs"));
        if (call.Query.Flag("securityStatus"))
        {
            body["securityRepoStatus"] = new JsonObject { ["scansDone"] = true, ["filesWithIssues"] = new JsonArray() };
        }
        await HubResponses.JsonAsync(call, body);
    }
}
