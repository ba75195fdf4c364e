using System.Text.RegularExpressions;

namespace SongGen.Hub;

/// <summary>The <c>Link: &lt;absolute-url&gt;; rel="next"</c> header of Hub listings (RFC 8288, as the Hub writes it).</summary>
internal static partial class LinkHeader
{
    [GeneratedRegex(@"<(?<url>[^>]+)>\s*;\s*rel\s*=\s*""?(?<rel>[^"";,]+)""?", RegexOptions.CultureInvariant)]
    private static partial Regex LinkValue();

    public static Uri? Next(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var value in values)
        {
            foreach (Match match in LinkValue().Matches(value))
            {
                if (!string.Equals(match.Groups["rel"].Value.Trim(), "next", StringComparison.OrdinalIgnoreCase)) continue;
                var url = match.Groups["url"].Value.Trim();
                if (!Uri.TryCreate(url, UriKind.Absolute, out var next) || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
                    throw new HubProtocolException($"Malformed Link header from {HubErrorMapper.DescribeUrl(response.RequestMessage?.RequestUri)}: next page '{url}' is not an absolute http(s) URL");
                return next;
            }
        }
        return null;
    }
}
