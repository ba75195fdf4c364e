using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// The LFS "CDN" listener: <c>GET|HEAD /lfs/{sha256}?…&amp;sig=…</c>. No authentication (the signature is the
/// authorisation); 403 for a tampered or expired URL. Like the real CDN it answers with its own
/// <c>ETag: "&lt;sha256&gt;"</c>, and also with X-Linked-Etag / X-Linked-Size / X-Repo-Commit so that clients reading
/// metadata from the final response (JS, Python ≥ 1.30) get what they need.
/// </summary>
internal sealed class CdnEndpoint(EmulatorServices services, FaultInjector faults)
{
    private readonly LfsUploadEndpoint _uploads = new(services);

    public async Task HandleAsync(HttpContext context)
    {
        var target = RequestTarget.From(context);
        var isUpload = target.Segments is ["lfs-upload", ..];
        var requestFaults = faults.ForRequest(isUpload ? FaultTarget.Upload : FaultTarget.Cdn, context.Request.Method, target.PathAndQuery);
        if (await FaultGate.ApplyAsync(context, requestFaults))
        {
            return;
        }
        var call = new HubCall { Http = context, Target = target, Query = QueryArgs.Parse(target.RawQuery), User = null, Faults = requestFaults };
        var segments = target.Segments;
        if (isUpload)
        {
            await _uploads.HandleAsync(call, segments);
            return;
        }
        if (segments is not ["lfs", var sha256] || sha256.Length != 64)
        {
            await HubResponses.NotFoundAsync(context);
            return;
        }
        if (!HttpMethods.IsGet(call.Method) && !call.IsHead)
        {
            await HubResponses.MethodNotAllowedAsync(context);
            return;
        }
        if (services.Signer.Verify(sha256, call.Query, out var failure) is not { } grant)
        {
            await HubResponses.TextAsync(context, StatusCodes.Status403Forbidden, failure);
            return;
        }
        if (!services.Store.Objects.Contains(sha256))
        {
            await HubResponses.TextAsync(context, StatusCodes.Status404NotFound, "NoSuchKey");
            return;
        }
        var headers = context.Response.Headers;
        var etag = "\"" + sha256 + "\"";
        headers.ETag = etag;
        headers["X-Linked-Etag"] = etag;
        headers["X-Linked-Size"] = grant.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (grant.Commit.Length > 0)
        {
            headers["X-Repo-Commit"] = grant.Commit;
        }
        await BodySender.SendAsync(call, () => services.Store.Objects.OpenRead(sha256), grant.Size, "application/octet-stream");
    }
}
