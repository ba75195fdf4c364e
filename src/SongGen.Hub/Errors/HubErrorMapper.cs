using System.Net;
using System.Text;
using System.Text.Json;

namespace SongGen.Hub;

/// <summary>Turns a non-success Hub response into the typed exception Python's <c>hf_raise_for_status</c> would raise.</summary>
internal static class HubErrorMapper
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status < 400) return;
        var exception = await CreateAsync(response, what, cancellationToken).ConfigureAwait(false);
        response.Dispose();
        throw exception;
    }

    public static async Task<HubException> CreateAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var detail = await ReadServerMessageAsync(response, cancellationToken).ConfigureAwait(false);
        return Create(response, what, detail);
    }

    internal static HubException Create(HttpResponseMessage response, string what, string? serverMessage)
    {
        var status = response.StatusCode;
        var errorCode = Header(response, "X-Error-Code");
        var errorMessage = Header(response, "X-Error-Message");
        var requestId = Header(response, "X-Request-Id") ?? Header(response, "X-Amzn-Trace-Id");
        var url = DescribeUrl(response.RequestMessage?.RequestUri);
        var suffix = new StringBuilder();
        var detail = errorMessage ?? serverMessage;
        if (!string.IsNullOrWhiteSpace(detail)) suffix.Append(": ").Append(detail.Trim());
        if (requestId is not null) suffix.Append(" (request id ").Append(requestId).Append(')');
        var tail = suffix.ToString();

        switch (errorCode)
        {
            case "RevisionNotFound":
                return new RevisionNotFoundException($"Revision not found for {what} ({url}){tail}", status, requestId);
            case "EntryNotFound":
                return new EntryNotFoundException($"Entry not found: {what} ({url}){tail}", status, requestId) { CommitHash = Header(response, "X-Repo-Commit") };
            case "GatedRepo":
                return new GatedRepoException(
                    $"{what} is gated: request access on the repository page and pass a token of an approved user ({(int)status}){tail}", status, requestId);
        }
        if (errorMessage == "Access to this resource is disabled.")
            return new RepositoryNotFoundException($"{what} is disabled{tail}", status, requestId);
        if (errorCode == "RepoNotFound" || (status == HttpStatusCode.Unauthorized && IsRepoUrl(response.RequestMessage?.RequestUri)
                                            && errorMessage != "Invalid credentials in Authorization header"))
            return new RepositoryNotFoundException(
                $"Repository not found for {what} ({(int)status}): it does not exist, or it is private and your token may not read it{tail}", status, requestId);
        return status switch
        {
            HttpStatusCode.Unauthorized => new HubUnauthorizedException($"Unauthorized for {what}: the token is missing or invalid{tail}", status, requestId),
            HttpStatusCode.Forbidden when IsWrite(response.RequestMessage) => new HubUnauthorizedException(
                $"Forbidden for {what}: your token may not write here; use a write token (role 'write') of a user who may write to this repository{tail}", status, requestId),
            HttpStatusCode.Forbidden => new HubUnauthorizedException($"Forbidden for {what}: make sure your token has the needed permission{tail}", status, requestId),
            HttpStatusCode.Conflict => new HubConflictException($"Conflict for {what} (409): it already exists or another operation is in progress{tail}", status, requestId),
            HttpStatusCode.PreconditionFailed => new CommitConflictException(
                $"Conflict for {what} (412): the branch moved since the commit this change is based on; nothing was overwritten, re-run against the new head{tail}",
                status, requestId),
            HttpStatusCode.NotFound => new EntryNotFoundException($"Not found: {what} ({url}){tail}", status, requestId),
            HttpStatusCode.TooManyRequests => RateLimit(response, what, tail, requestId),
            HttpStatusCode.RequestedRangeNotSatisfiable => new HubHttpException(
                $"Range not satisfiable for {what}: asked {response.RequestMessage?.Headers.Range}, server has {response.Content.Headers.ContentRange}{tail}", status, requestId),
            >= HttpStatusCode.InternalServerError => new HubServerException($"Hub server error {(int)status} for {what}{tail}", status, requestId),
            _ => new HubHttpException($"Hub answered {(int)status} {response.ReasonPhrase} for {what}{tail}", status, requestId),
        };
    }

    private static RateLimitedException RateLimit(HttpResponseMessage response, string what, string tail, string? requestId)
    {
        var reset = RetryHints.RateLimitReset(response) ?? RetryHints.RetryAfter(response);
        var when = reset is { } r ? $"; the limit resets in {Math.Ceiling(r.TotalSeconds)} s" : "";
        return new RateLimitedException($"Rate limited by the Hub for {what}{when}{tail}", reset, requestId);
    }

    /// <summary>Writes are the calls that change the Hub: anything but GET/HEAD, except the reads sent as POST.</summary>
    private static bool IsWrite(HttpRequestMessage? request)
    {
        if (request is null || request.Method == HttpMethod.Get || request.Method == HttpMethod.Head) return false;
        var path = request.RequestUri?.AbsolutePath ?? "";
        return !path.Contains("/paths-info/", StringComparison.Ordinal);
    }

    /// <summary>Repo URLs are those where Python maps 401 to RepositoryNotFound: /api/{type}s/… and …/resolve/….</summary>
    private static bool IsRepoUrl(Uri? uri)
    {
        if (uri is null) return false;
        var path = uri.AbsolutePath;
        return path.StartsWith("/api/models/", StringComparison.Ordinal) || path.StartsWith("/api/datasets/", StringComparison.Ordinal)
            || path.StartsWith("/api/spaces/", StringComparison.Ordinal) || path.Contains("/resolve/", StringComparison.Ordinal);
    }

    /// <summary>URL without query: signed CDN queries and cursors are noise in an error.</summary>
    internal static string DescribeUrl(Uri? uri) => uri is null ? "?" : uri.GetLeftPart(UriPartial.Path);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Reads <c>{"error": …}</c> (string or list), <c>error_description</c>, <c>errors[].message</c>, or a short text body.</summary>
    private static async Task<string?> ReadServerMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBodyBytes];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                read += n;
            }
            if (read == 0) return null;
            var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
            if (mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
                return MessageFromJson(buffer.AsSpan(0, read));
            if (mediaType.Contains("html", StringComparison.OrdinalIgnoreCase)) return null;
            var text = Encoding.UTF8.GetString(buffer, 0, read).Trim();
            return text.Length > 300 ? text[..300] + "…" : text;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or JsonException)
        {
            return null;
        }
    }

    private static string? MessageFromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var parts = new List<string>();
            if (root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String) parts.Add(error.GetString()!);
                else if (error.ValueKind == JsonValueKind.Array)
                    parts.AddRange(error.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
            }
            if (root.TryGetProperty("error_description", out var description) && description.ValueKind == JsonValueKind.String)
                parts.Add(description.GetString()!);
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                parts.AddRange(errors.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    .Select(e => e.GetProperty("message").GetString()!));
            return parts.Count == 0 ? null : string.Join("; ", parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
