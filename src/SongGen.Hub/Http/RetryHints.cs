using System.Globalization;
using System.Text.RegularExpressions;

namespace SongGen.Hub;

/// <summary>Reads the server's own retry timing: <c>RateLimit: "api";r=0;t=55</c> (IETF draft) and <c>Retry-After: 7</c>.</summary>
internal static partial class RetryHints
{
    [GeneratedRegex(@"(?:^|[;,\s])r\s*=\s*(?<r>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Remaining();

    [GeneratedRegex(@"(?:^|[;,\s])t\s*=\s*(?<t>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Reset();

    /// <summary>Seconds until the rate-limit window resets, when the header says nothing is left (<c>r=0</c>).</summary>
    public static TimeSpan? RateLimitReset(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("RateLimit", out var values)) return null;
        var value = string.Join(",", values);
        var remaining = Remaining().Match(value);
        var reset = Reset().Match(value);
        if (!remaining.Success || !reset.Success) return null;
        if (remaining.Groups["r"].Value != "0") return null;
        return long.TryParse(reset.Groups["t"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Min(seconds, 24 * 3600))
            : null;
    }

    /// <summary><c>Retry-After</c> in whole seconds; the HTTP-date form is ignored, as Python does.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta is { } delta && delta >= TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Min(delta.TotalSeconds, 24 * 3600)) : null;
}
