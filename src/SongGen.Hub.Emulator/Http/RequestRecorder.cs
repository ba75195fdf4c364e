using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SongGen.Hub.Emulator.Http;

/// <summary>
/// Keeps the log behind <see cref="HubEmulator.Requests"/>. An entry is added when a request arrives and its status is
/// filled in just before the headers go out, so a client that has received a response always finds it logged.
/// </summary>
internal sealed class RequestRecorder
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];

    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (_gate)
        {
            return _entries.Select(entry => entry.ToRecord()).ToArray();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    public RequestDelegate Middleware(EmulatorHost host, RequestDelegate next) => async context =>
    {
        var request = context.Request;
        var entry = new Entry(
            request.Method,
            host,
            context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString,
            request.Headers.Authorization.Count > 0,
            request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null);
        lock (_gate)
        {
            _entries.Add(entry);
        }
        context.Items[typeof(Entry)] = entry;
        context.Response.OnStarting(() =>
        {
            entry.StatusCode = context.Response.StatusCode;
            return Task.CompletedTask;
        });
        try
        {
            await next(context);
        }
        finally
        {
            entry.Aborted |= context.RequestAborted.IsCancellationRequested;
        }
    };

    /// <summary>
    /// Marks the request as cut before a fault cuts it, so the log says so by the time the client sees the failure
    /// (the middleware's own check runs only after the handler returns).
    /// </summary>
    public static void MarkCut(HttpContext context)
    {
        if (context.Items[typeof(Entry)] is Entry entry)
        {
            entry.Aborted = true;
        }
    }

    private sealed class Entry(string method, EmulatorHost host, string pathAndQuery, bool hasAuthorization, string? range)
    {
        private volatile int _statusCode;
        private volatile bool _aborted;

        public int StatusCode { get => _statusCode; set => _statusCode = value; }
        public bool Aborted { get => _aborted; set => _aborted = value; }

        public RecordedRequest ToRecord() => new(method, host, pathAndQuery, hasAuthorization, range, StatusCode, Aborted);
    }
}
