using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// LFS uploads on the CDN listener, at the signed URLs the batch API hands out (no Authorization needed, like S3
/// presigned URLs; a tampered or expired URL answers 403):
/// <c>PUT /lfs-upload/{oid}?size=…</c> (the whole object),
/// <c>PUT /lfs-upload/{oid}/{uploadId}/part/{n}?size=…&amp;chunk=…</c> (answers the part's <c>ETag</c>) and
/// <c>POST /lfs-upload/{oid}/{uploadId}/complete?…</c> with <c>{"oid","parts":[{"partNumber","etag"}]}</c>.
/// Bytes that do not match the announced size or SHA-256 are refused with 400 and not kept.
/// </summary>
internal sealed class LfsUploadEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, string[] segments)
    {
        if (!services.Signer.VerifyUpload(call.Target.RawPath, call.Target.RawQuery, call.Query, out var failure))
        {
            await HubResponses.TextAsync(call.Http, StatusCodes.Status403Forbidden, failure);
            return;
        }
        if (!long.TryParse(call.Query.Get("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            await HubResponses.BadRequestAsync(call, "Missing size.");
            return;
        }
        switch (segments)
        {
            case ["lfs-upload", var oid] when HttpMethods.IsPut(call.Method):
                await PutObjectAsync(call, oid, size);
                return;
            case ["lfs-upload", var oid, var uploadId, "part", var partText] when HttpMethods.IsPut(call.Method)
                && int.TryParse(partText, NumberStyles.None, CultureInfo.InvariantCulture, out var part):
                await PutPartAsync(call, oid, uploadId, part, size);
                return;
            case ["lfs-upload", var oid, var uploadId, "complete"] when HttpMethods.IsPost(call.Method):
                await CompleteAsync(call, oid, uploadId, size);
                return;
            default:
                await HubResponses.MethodNotAllowedAsync(call.Http);
                return;
        }
    }

    private async Task PutObjectAsync(HubCall call, string oid, long size)
    {
        if (call.Http.Request.ContentLength is { } declared && declared != size)
        {
            await HubResponses.BadRequestAsync(call, $"Content-Length is {declared} but this URL is for {size} bytes.");
            return;
        }
        var outcome = await ReceiveAsync(call, faults => services.Uploads.ReceiveObjectAsync(call.Http.Request.Body, oid, size, faults, call.Aborted));
        await AnswerAsync(call, outcome, oid, size, etag: null);
    }

    private async Task PutPartAsync(HubCall call, string oid, string uploadId, int part, long size)
    {
        var chunk = ChunkSize(call);
        var partCount = chunk > 0 ? (int)((size + chunk - 1) / chunk) : 0;
        if (part < 1 || part > partCount)
        {
            await HubResponses.BadRequestAsync(call, $"Part {part} is out of range 1..{partCount}.");
            return;
        }
        var expected = part < partCount ? chunk : size - chunk * (partCount - 1);
        string? etag = null;
        var outcome = await ReceiveAsync(call, async faults =>
        {
            var (result, partETag) = await services.Uploads.ReceivePartAsync(call.Http.Request.Body, uploadId, part, expected, faults, call.Aborted);
            etag = partETag;
            return result;
        });
        await AnswerAsync(call, outcome, oid, expected, etag);
    }

    private async Task CompleteAsync(HubCall call, string oid, string uploadId, long size)
    {
        var chunk = ChunkSize(call);
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        if (WriteAccess.String(body, "oid") is { } bodyOid && bodyOid != oid)
        {
            await HubResponses.BadRequestAsync(call, $"The completion body names {bodyOid}, the URL {oid}.");
            return;
        }
        var etags = new Dictionary<int, string>();
        foreach (var item in body["parts"] as JsonArray ?? [])
        {
            if (item is JsonObject partObject && partObject["partNumber"] is JsonValue number && number.TryGetValue<int>(out var partNumber)
                && WriteAccess.String(partObject, "etag") is { } etag)
            {
                etags[partNumber] = etag;
            }
        }
        var partCount = chunk > 0 ? (int)((size + chunk - 1) / chunk) : 0;
        var problem = await services.Uploads.CompleteAsync(uploadId, oid, size, partCount, etags, call.Aborted);
        if (problem is not null)
        {
            await HubResponses.BadRequestAsync(call, problem);
            return;
        }
        await HubResponses.JsonAsync(call, new JsonObject { ["oid"] = oid, ["size"] = size }, contentType: HubResponses.GitLfsContentType);
    }

    /// <summary>Runs the receive with the upload faults claimed for it (reset, throttle); a client going away counts as cut.</summary>
    private static async Task<UploadOutcome> ReceiveAsync(HubCall call, Func<UploadFaults, Task<UploadOutcome>> receive)
    {
        try
        {
            return await receive(call.Faults.ClaimUploadFaults());
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or BadHttpRequestException)
        {
            return UploadOutcome.Cut;
        }
    }

    private static async Task AnswerAsync(HubCall call, UploadOutcome outcome, string oid, long expected, string? etag)
    {
        switch (outcome)
        {
            case UploadOutcome.Cut:
                RequestRecorder.MarkCut(call.Http);
                call.Http.Abort(); // connection reset in the middle of the upload
                return;
            case UploadOutcome.WrongSize:
                await HubResponses.BadRequestAsync(call, $"Expected exactly {expected} bytes.");
                return;
            case UploadOutcome.WrongHash:
                await HubResponses.BadRequestAsync(call, $"The uploaded bytes do not hash to {oid}.");
                return;
            default:
                if (etag is not null)
                {
                    call.Http.Response.Headers.ETag = etag;
                }
                await HubResponses.TextAsync(call.Http, StatusCodes.Status200OK, "");
                return;
        }
    }

    private static long ChunkSize(HubCall call) =>
        long.TryParse(call.Query.Get("chunk"), NumberStyles.None, CultureInfo.InvariantCulture, out var chunk) ? chunk : 0;
}
