using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SongGen.Hub.Emulator.Http;

/// <summary>JSON bodies and the Hub's error convention: JSON <c>{"error": …}</c> plus X-Error-Code / X-Error-Message headers.</summary>
internal static class HubResponses
{
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Git LFS batch answers (clients parse them as JSON whatever the type says).</summary>
    public const string GitLfsContentType = "application/vnd.git-lfs+json";

    public static Task JsonAsync(HubCall call, JsonNode node, int statusCode = StatusCodes.Status200OK, string contentType = JsonContentType)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(node);
        call.Http.Response.StatusCode = statusCode;
        return BodySender.SendAsync(call, () => new MemoryStream(bytes, writable: false), bytes.Length, contentType, allowRanges: false);
    }

    public static async Task ErrorAsync(HttpContext context, int statusCode, string? errorCode, string message)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        if (errorCode is not null)
        {
            response.Headers["X-Error-Code"] = errorCode;
        }
        response.Headers["X-Error-Message"] = HeaderSafe(message);
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["error"] = message });
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>Header values must be ASCII; paths in messages may not be (the JSON body keeps the exact text).</summary>
    private static string HeaderSafe(string text) =>
        text.All(c => c is >= ' ' and < (char)127) ? text : Uri.EscapeDataString(text).Replace("%20", " ");

    public static Task RepoNotFoundAsync(HubCall call) =>
        // Like the Hub: anonymous callers (and callers who may not see a private repo) get 401, which clients map to
        // "repository not found" as well, so a private repo cannot be told apart from a missing one.
        ErrorAsync(call.Http, call.User is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status404NotFound,
            "RepoNotFound", "Repository not found");

    public static Task PrivateRepoAsync(HubCall call) =>
        ErrorAsync(call.Http, StatusCodes.Status401Unauthorized, "RepoNotFound", "Repository not found");

    public static Task RevisionNotFoundAsync(HubCall call, string revision) =>
        ErrorAsync(call.Http, StatusCodes.Status404NotFound, "RevisionNotFound", $"Invalid rev id: {revision}");

    public static Task EntryNotFoundAsync(HubCall call, string? commit, string message = "Entry not found")
    {
        if (commit is not null)
        {
            call.Http.Response.Headers["X-Repo-Commit"] = commit;
        }
        return ErrorAsync(call.Http, StatusCodes.Status404NotFound, "EntryNotFound", message);
    }

    public static Task BadRequestAsync(HubCall call, string message) =>
        ErrorAsync(call.Http, StatusCodes.Status400BadRequest, null, message);

    public static Task NotFoundAsync(HttpContext context) =>
        ErrorAsync(context, StatusCodes.Status404NotFound, null, "Sorry, we can't find the page you are looking for.");

    public static Task MethodNotAllowedAsync(HttpContext context) =>
        ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, null, $"Method {context.Request.Method} is not allowed here.");

    /// <summary>Plain text body (e.g. the redirect's "Found. Redirecting to …").</summary>
    public static async Task TextAsync(HttpContext context, int statusCode, string text, string contentType = "text/plain; charset=utf-8")
    {
        var body = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
