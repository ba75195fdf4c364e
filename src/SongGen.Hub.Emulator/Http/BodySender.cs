using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SongGen.Hub.Emulator.Http;

/// <summary>
/// Streams a body (a stored file, a CDN object or a JSON document) with Range support, and applies the body faults
/// claimed for this request. File bodies are read from disk in chunks; nothing is buffered whole.
/// </summary>
internal static class BodySender
{
    private const int ChunkSize = 64 * 1024;

    /// <param name="call">The request; its status code must already be set (200 unless a range turns it into 206/416).</param>
    /// <param name="open">Opens the full body; it is read from <c>start</c> on.</param>
    /// <param name="length">Full body length.</param>
    /// <param name="contentType">Content-Type to send.</param>
    /// <param name="allowRanges">Whether Range applies (files) or is ignored (API JSON).</param>
    public static async Task SendAsync(HubCall call, Func<Stream> open, long length, string contentType, bool allowRanges = true)
    {
        var response = call.Http.Response;
        var range = ByteRange.Whole(length);
        if (allowRanges)
        {
            response.Headers.AcceptRanges = "bytes";
            var header = call.Http.Request.Headers.Range.ToString();
            if (header.Length > 0 && !call.Faults.ClaimIgnoreRange())
            {
                range = ByteRange.Parse(header, length);
            }
        }
        if (range.Kind == ByteRangeKind.Unsatisfiable)
        {
            response.Headers.ContentRange = $"bytes */{length}";
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status416RangeNotSatisfiable, null, "Requested Range Not Satisfiable");
            return;
        }
        if (range.Kind == ByteRangeKind.Partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {range.Start}-{range.End}/{length}";
        }
        response.ContentType = contentType;
        var isSuccess = response.StatusCode is >= 200 and < 300;
        var faults = call.IsHead || !isSuccess || range.Length == 0 ? BodyFaults.None : call.Faults.ClaimBodyFaults();
        var declared = faults.ShortBody is { } shortBody ? Math.Min(shortBody, range.Length) : range.Length;
        response.ContentLength = declared;
        if (call.IsHead || declared == 0)
        {
            return;
        }
        // The Hub never compresses these bodies; make sure nothing in the pipeline does either.
        call.Http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(call.Http, open, range.Start, declared, faults);
    }

    /// <summary>Sends a <see cref="FaultKind.Respond"/> answer as given: status, headers, Content-Type and body (none on HEAD).</summary>
    public static async Task SendReplacementAsync(HttpContext context, Fault fault)
    {
        var response = context.Response;
        response.StatusCode = fault.StatusCode;
        foreach (var (name, value) in fault.Headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }
        var body = fault.Body ?? [];
        response.ContentType = fault.ContentType;
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method) && body.Length > 0)
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static async Task WriteAsync(HttpContext context, Func<Stream> open, long start, long count, BodyFaults faults)
    {
        var ct = context.RequestAborted;
        var cutAfter = Min(faults.ResetAfter, faults.TruncateAfter);
        var toSend = cutAfter is { } cut ? Math.Min(cut, count) : count;
        var chunkSize = faults.BytesPerSecond is { } rate ? (int)Math.Clamp(rate / 20, 1, ChunkSize) : ChunkSize;
        var buffer = new byte[chunkSize];
        var clock = Stopwatch.StartNew();
        long sent = 0;
        try
        {
            await using var source = open();
            if (start > 0)
            {
                source.Seek(start, SeekOrigin.Begin);
            }
            await context.Response.StartAsync(ct);
            while (sent < toSend)
            {
                var want = (int)Math.Min(buffer.Length, toSend - sent);
                var read = await source.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: false, ct);
                if (read == 0)
                {
                    break;
                }
                if (faults.CorruptOffset is { } corrupt && corrupt >= start + sent && corrupt < start + sent + read)
                {
                    buffer[corrupt - start - sent] ^= 0xFF;
                }
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
                sent += read;
                if (faults.BytesPerSecond is { } bytesPerSecond)
                {
                    await context.Response.Body.FlushAsync(ct);
                    var due = TimeSpan.FromSeconds((double)sent / bytesPerSecond) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, ct);
                    }
                }
            }
            if (cutAfter is not null && toSend < count)
            {
                await context.Response.Body.FlushAsync(ct);
                RequestRecorder.MarkCut(context);
                if (faults.ResetAfter is not null && faults.ResetAfter <= (faults.TruncateAfter ?? long.MaxValue))
                {
                    context.Abort(); // connection reset in the middle of the body
                }
                // Truncate: return with fewer bytes than Content-Length; Kestrel then closes the connection.
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing left to do.
        }
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
