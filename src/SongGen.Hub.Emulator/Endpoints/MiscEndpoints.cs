using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>Endpoints clients call on the side and that must simply answer JSON.</summary>
internal static class MiscEndpoints
{
    /// <summary>
    /// Body <c>{"content": "&lt;README.md&gt;", "repoType": "model"}</c>; answers <c>{"errors":[{"message"}],"warnings":[…]}</c>,
    /// with 400 when there are errors (see <see cref="CardValidator"/>). Python reads the JSON before the status, so the
    /// answer is always JSON, also for a malformed request.
    /// </summary>
    public static async Task ValidateYamlAsync(HubCall call)
    {
        static JsonArray Messages(IEnumerable<string> messages) =>
            new(messages.Select(message => (JsonNode?)new JsonObject { ["message"] = message }).ToArray());
        List<string> errors;
        List<string> warnings = [];
        JsonObject? body = null;
        try
        {
            body = await JsonNode.ParseAsync(call.Http.Request.Body, cancellationToken: call.Aborted) as JsonObject;
        }
        catch (JsonException)
        {
        }
        if (body?["content"] is not JsonValue content || !content.TryGetValue<string>(out var readme))
        {
            errors = ["Expected a JSON body {\"content\": \"<README.md text>\", \"repoType\": \"model\"}."];
        }
        else if (body["repoType"] is JsonValue type && (!type.TryGetValue<string>(out var kind) || !RepoKinds.TryParse(kind, out _)))
        {
            errors = ["repoType must be model, dataset or space."];
        }
        else
        {
            (errors, warnings) = CardValidator.Validate(readme);
        }
        await HubResponses.JsonAsync(call, new JsonObject { ["errors"] = Messages(errors), ["warnings"] = Messages(warnings) },
            errors.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    /// <summary>Python fetches this once per day when it builds its User-Agent.</summary>
    public static Task AgentHarnessesAsync(HubCall call) =>
        HubResponses.JsonAsync(call, new JsonObject { ["standardEnvVars"] = new JsonArray(), ["harnesses"] = new JsonObject() });
}
