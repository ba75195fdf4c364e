using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary><c>GET /api/whoami-v2</c>. The JS client dereferences <c>auth.accessToken</c>, so <c>auth</c> is always there.</summary>
internal static class WhoAmIEndpoint
{
    public static Task HandleAsync(HubCall call)
    {
        if (call.User is not { } user)
        {
            return HubResponses.ErrorAsync(call.Http, StatusCodes.Status401Unauthorized, null, "Invalid username or password.");
        }
        var body = new JsonObject
        {
            ["type"] = "user",
            ["id"] = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("user:" + user)))[..24],
            ["name"] = user,
            ["fullname"] = char.ToUpperInvariant(user[0]) + user[1..],
            ["email"] = user + "@example.invalid",
            ["emailVerified"] = true,
            ["isPro"] = false,
            ["canPay"] = false,
            ["avatarUrl"] = "/avatars/" + user + ".svg",
            ["periodEnd"] = null,
            ["billingMode"] = "postpaid",
            ["orgs"] = new JsonArray(),
            ["auth"] = new JsonObject
            {
                ["type"] = "access_token",
                ["accessToken"] = new JsonObject
                {
                    ["displayName"] = "emulator",
                    ["role"] = call.CanWrite ? "write" : "read",
                    ["createdAt"] = "2024-01-01T00:00:00.000Z",
                },
            },
        };
        return HubResponses.JsonAsync(call, body);
    }
}
