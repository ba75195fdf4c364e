using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// Who may write: an authenticated user with a write token, in their own namespace. Anonymous callers get 401, a
/// read-only token or someone else's namespace 403 with a message that says what to do.
/// </summary>
internal static class WriteAccess
{
    /// <summary>True when the caller may write under <paramref name="ns"/>; otherwise the answer has been sent.</summary>
    public static async Task<bool> CheckAsync(HubCall call, string ns, string action)
    {
        if (call.User is not { } user)
        {
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status401Unauthorized, null,
                $"You must be authenticated to {action}: send a token with write permission.");
            return false;
        }
        if (!call.CanWrite)
        {
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status403Forbidden, null,
                $"Your token has read permission only and cannot {action}: use a token with write permission (a write token).");
            return false;
        }
        if (user != ns)
        {
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status403Forbidden, null,
                $"You don't have the rights to {action}: the namespace '{ns}' is not yours ({user}).");
            return false;
        }
        return true;
    }

    /// <summary>The repo when it exists, the caller sees it and may write to it; otherwise the answer has been sent.</summary>
    public static async Task<RepoSnapshot?> FindWritableAsync(HubCall call, EmulatorRepoStore store, RepoKind kind, string ns, string name, string action)
    {
        if (call.User is null)
        {
            // Anonymous callers cannot tell a missing repo from one they may not touch.
            await HubResponses.RepoNotFoundAsync(call);
            return null;
        }
        if (await RepoLookup.FindVisibleAsync(call, store, kind, ns, name) is not { } repo)
        {
            return null;
        }
        return await CheckAsync(call, repo.Owner, action) ? repo : null;
    }

    /// <summary>A JSON object body, or null after answering 400.</summary>
    public static async Task<JsonObject?> ReadJsonObjectAsync(HubCall call, bool allowEmpty = false)
    {
        try
        {
            using var reader = new StreamReader(call.Http.Request.Body);
            var text = await reader.ReadToEndAsync(call.Aborted);
            if (text.Trim().Length == 0 && allowEmpty)
            {
                return [];
            }
            if (JsonNode.Parse(text) is JsonObject body)
            {
                return body;
            }
            await HubResponses.BadRequestAsync(call, "Expected a JSON object body.");
            return null;
        }
        catch (JsonException exception)
        {
            await HubResponses.BadRequestAsync(call, "Invalid JSON body: " + exception.Message);
            return null;
        }
    }

    /// <summary>A string property, or null when absent or not a string.</summary>
    public static string? String(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A boolean property (JSON true/false), or null.</summary>
    public static bool? Bool(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    /// <summary>Answers a store refusal with the Hub's status, error code and message.</summary>
    public static Task RejectAsync(HubCall call, StoreRejection rejection) =>
        HubResponses.ErrorAsync(call.Http, rejection.StatusCode, rejection.ErrorCode, rejection.Message);
}
