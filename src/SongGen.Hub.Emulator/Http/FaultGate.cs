using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SongGen.Hub.Emulator.Http;

/// <summary>Applies the faults that act before a response starts: delays and injected error statuses.</summary>
internal static class FaultGate
{
    /// <summary>
    /// Reads an upload's body before answering it with an error, like a server that looked at the whole request: a
    /// client still sending a large body would otherwise see a broken pipe instead of the status.
    /// </summary>
    private static async Task DrainRequestBodyAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is null or 0 && !request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        try
        {
            await request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The client gave up sending; the answer below may not arrive, which is fine.
        }
    }

    /// <summary>True when a fault already answered the request.</summary>
    public static async Task<bool> ApplyAsync(HttpContext context, RequestFaults faults)
    {
        if (faults.ClaimDelay() is { } delay && delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return true; // the client gave up waiting
            }
        }
        if (faults.ClaimResponse() is { } replacement)
        {
            await DrainRequestBodyAsync(context);
            await BodySender.SendReplacementAsync(context, replacement);
            return true;
        }
        if (faults.ClaimStatus() is not { } fault)
        {
            return false;
        }
        await DrainRequestBodyAsync(context);
        var headers = context.Response.Headers;
        if (fault.RetryAfterSeconds is { } retryAfter)
        {
            headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }
        if (fault.RateLimitResetSeconds is { } reset)
        {
            headers["RateLimit"] = $"\"api\";r=0;t={reset.ToString(CultureInfo.InvariantCulture)}";
            headers["RateLimit-Policy"] = "\"fixed window\";\"api\";q=1000;w=300";
        }
        var message = fault.ErrorMessage ?? $"Injected fault: status {fault.StatusCode}";
        await HubResponses.ErrorAsync(context, fault.StatusCode, fault.ErrorCode, message);
        return true;
    }
}
