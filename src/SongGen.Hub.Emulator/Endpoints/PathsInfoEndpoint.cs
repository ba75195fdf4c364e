using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>POST /api/{type}s/{ns}/{name}/paths-info/{rev}</c>. Python sends a form (<c>paths=a&amp;paths=b&amp;expand=false</c>),
/// JS sends JSON (<c>{"paths":[…],"expand":true}</c>); both work. Paths that do not exist are left out.
/// </summary>
internal sealed class PathsInfoEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, string revision)
    {
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is not { } repo)
        {
            return;
        }
        if (repo.Resolve(revision) is not { } commit)
        {
            await HubResponses.RevisionNotFoundAsync(call, revision);
            return;
        }
        var (paths, expand, error) = await ReadBodyAsync(call.Http);
        if (error is not null)
        {
            await HubResponses.BadRequestAsync(call, error);
            return;
        }
        var entries = paths.Distinct(StringComparer.Ordinal)
            .Select(path => TreeEntryJson.ForPath(repo, commit, path.Trim('/'), expand))
            .Where(entry => entry is not null)
            .Select(entry => (JsonNode?)entry)
            .ToArray();
        await HubResponses.JsonAsync(call, new JsonArray(entries));
    }

    private static async Task<(List<string> Paths, bool Expand, string? Error)> ReadBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted);
            var paths = form["paths"].Concat(form["paths[]"]).Where(path => path is not null).Select(path => path!).ToList();
            var expand = form["expand"].ToString() is var flag && (flag == "1" || flag.Equals("true", StringComparison.OrdinalIgnoreCase));
            return (paths, expand, null);
        }
        try
        {
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted) as JsonObject;
            if (body?["paths"] is not JsonArray array)
            {
                return ([], false, "Expected a JSON body {\"paths\": [...]} or a form with paths=...");
            }
            var paths = array.Select(node => node?.GetValue<string>() ?? "").Where(path => path.Length > 0).ToList();
            var expand = body["expand"] is JsonValue value && value.TryGetValue<bool>(out var flag) && flag;
            return (paths, expand, null);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return ([], false, "Invalid JSON body: " + exception.Message);
        }
    }
}
