using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Http;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>Endpoints clients call on the side and that must simply answer JSON.</summary>
internal static class MiscEndpoints
{
    /// <summary>Python reads the JSON before the status, so the answer is always JSON; the emulator accepts every card.</summary>
    public static Task ValidateYamlAsync(HubCall call) =>
        HubResponses.JsonAsync(call, new JsonObject { ["errors"] = new JsonArray(), ["warnings"] = new JsonArray() });

    /// <summary>Python fetches this once per day when it builds its User-Agent.</summary>
    public static Task AgentHarnessesAsync(HubCall call) =>
        HubResponses.JsonAsync(call, new JsonObject { ["standardEnvVars"] = new JsonArray(), ["harnesses"] = new JsonObject() });
}
