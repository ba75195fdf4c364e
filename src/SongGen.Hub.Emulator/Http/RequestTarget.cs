using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SongGen.Hub.Emulator.Http;

/// <summary>
/// The request target split into decoded path segments. Kestrel leaves <c>%2F</c> escaped in <c>Request.Path</c>, and
/// clients send revisions and folders both as <c>refs%2Fpr%2F1</c> and as raw <c>refs/pr/1</c>, so routing works on
/// the raw target: split on "/" first, then unescape each segment (a segment may then contain "/").
/// </summary>
internal sealed class RequestTarget
{
    private RequestTarget(string rawPath, string rawQuery, string[] segments)
    {
        RawPath = rawPath;
        RawQuery = rawQuery;
        Segments = segments;
    }

    /// <summary>Path as sent, still escaped.</summary>
    public string RawPath { get; }

    /// <summary>Query as sent, without "?".</summary>
    public string RawQuery { get; }

    public string[] Segments { get; }

    public string PathAndQuery => RawQuery.Length == 0 ? RawPath : RawPath + "?" + RawQuery;

    public static RequestTarget From(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            raw = context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        }
        var question = raw.IndexOf('?');
        var rawPath = question < 0 ? raw : raw[..question];
        var rawQuery = question < 0 ? "" : raw[(question + 1)..];
        var parts = rawPath.Split('/');
        var segments = parts.Skip(1) // the path starts with "/"
            .Take(parts.Length > 1 && parts[^1].Length == 0 ? parts.Length - 2 : parts.Length - 1) // ignore one trailing "/"
            .Select(Uri.UnescapeDataString)
            .ToArray();
        return new RequestTarget(rawPath, rawQuery, segments);
    }
}
