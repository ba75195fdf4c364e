using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>Small helpers for reading emulator responses in tests.</summary>
internal static partial class HttpTestExtensions
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();

    /// <summary>A header from the response or its content headers (Content-Length, Content-Range… live there).</summary>
    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    /// <summary>The next-page URL, parsed with the same rule as the JS client (absolute URL, space after ";").</summary>
    public static string? NextLink(this HttpResponseMessage response) =>
        response.Header("Link") is { } link && JsLinkRule().Match(link) is { Success: true } match && match.Groups[2].Value == "next"
            ? match.Groups[1].Value
            : null;

    public static IEnumerable<string> Strings(this JsonElement array, string property) =>
        array.EnumerateArray().Select(item => item.GetProperty(property).GetString()!);

    public static HttpRequestMessage WithRange(this HttpRequestMessage request, string range)
    {
        request.Headers.TryAddWithoutValidation("Range", range);
        return request;
    }

    [GeneratedRegex("<(https?:[/][/][^>]+)>;\\s+rel=\"([^\"]+)\"")]
    private static partial Regex JsLinkRule();
}
