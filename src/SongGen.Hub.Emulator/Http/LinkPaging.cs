using System.Text;
using Microsoft.AspNetCore.Http;

namespace SongGen.Hub.Emulator.Http;

/// <summary>
/// Cursor paging the way the Hub does it: a <c>Link: &lt;absolute next url&gt;; rel="next"</c> header built from the
/// request's own scheme and Host (the JS client only accepts absolute http(s) URLs, with a space after ";"), holding
/// every original query parameter plus an opaque cursor. The last page has no Link header.
/// </summary>
internal static class LinkPaging
{
    private const string CursorKey = "cursor";

    /// <summary>The offset a request asks for; false if its cursor is not one of ours.</summary>
    public static bool TryReadOffset(HubCall call, out int offset)
    {
        offset = 0;
        var cursor = call.Query.Get(CursorKey);
        if (cursor is null)
        {
            return true;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor.Replace('-', '+').Replace('_', '/').PadRight((cursor.Length + 3) / 4 * 4, '=')));
            return text.StartsWith("offset:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(7), out offset) && offset >= 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Slices one page out of <paramref name="items"/> and adds the Link header when more remain.</summary>
    public static List<T> Page<T>(HubCall call, IReadOnlyList<T> items, int offset, int pageSize)
    {
        var page = items.Skip(offset).Take(pageSize).ToList();
        var next = offset + page.Count;
        if (next < items.Count)
        {
            call.Http.Response.Headers.Link = $"<{NextUrl(call, next)}>; rel=\"next\"";
        }
        return page;
    }

    private static string NextUrl(HubCall call, int nextOffset)
    {
        var request = call.Http.Request;
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes($"offset:{nextOffset}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var kept = call.Target.RawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(piece => !piece.StartsWith(CursorKey + "=", StringComparison.Ordinal) && piece != CursorKey);
        var query = string.Join('&', kept.Append($"{CursorKey}={cursor}"));
        return $"{request.Scheme}://{request.Host}{call.Target.RawPath}?{query}";
    }
}
