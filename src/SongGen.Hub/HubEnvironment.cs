namespace SongGen.Hub;

/// <summary>
/// The environment conventions of Python's <c>huggingface_hub</c>: HF_ENDPOINT, HF_TOKEN (and the legacy
/// HUGGING_FACE_HUB_TOKEN), HF_TOKEN_PATH / the token file, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE,
/// HF_HUB_DISABLE_SYMLINKS. One difference: with neither HF_HUB_CACHE nor HF_HOME set, the cache is <c>./hubcache</c>.
/// </summary>
public static class HubEnvironment
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>Options from the process environment.</summary>
    public static HubClientOptions FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>Options from any variable source (tests pass a dictionary).</summary>
    public static HubClientOptions FromVariables(Func<string, string?> variable)
    {
        var hfHome = HfHome(variable);
        var options = new HubClientOptions
        {
            Endpoint = new Uri(NonEmpty(variable("HF_ENDPOINT"))?.TrimEnd('/') ?? DefaultEndpoint),
            Token = ResolveToken(variable, hfHome),
            CacheDir = CacheDir(variable),
            Offline = IsTrue(variable("HF_HUB_OFFLINE")) || IsTrue(variable("TRANSFORMERS_OFFLINE")),
            DisableSymlinks = IsTrue(variable("HF_HUB_DISABLE_SYMLINKS")),
        };
        if (TryParseSeconds(variable("HF_HUB_ETAG_TIMEOUT")) is { } etag) options.RequestTimeout = etag;
        if (TryParseSeconds(variable("HF_HUB_DOWNLOAD_TIMEOUT")) is { } download) options.StallTimeout = download;
        return options;
    }

    /// <summary>Python's boolean rule: true iff 1, ON, YES or TRUE, any case.</summary>
    public static bool IsTrue(string? value) =>
        value is not null && value.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    public static string HfHome(Func<string, string?> variable)
    {
        if (NonEmpty(variable("HF_HOME")) is { } home) return ExpandPath(home, variable);
        var xdg = NonEmpty(variable("XDG_CACHE_HOME")) ?? Path.Combine(HomeFolder(variable), ".cache");
        return Path.Combine(ExpandPath(xdg, variable), "huggingface");
    }

    public static string CacheDir(Func<string, string?> variable)
    {
        if ((NonEmpty(variable("HF_HUB_CACHE")) ?? NonEmpty(variable("HUGGINGFACE_HUB_CACHE"))) is { } cache)
            return Path.GetFullPath(ExpandPath(cache, variable));
        if (NonEmpty(variable("HF_HOME")) is not null) return Path.GetFullPath(Path.Combine(HfHome(variable), "hub"));
        return Path.GetFullPath("hubcache");
    }

    /// <summary>HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file (HF_TOKEN_PATH or $HF_HOME/token), stripped; empty means none.</summary>
    public static string? ResolveToken(Func<string, string?> variable, string? hfHome = null)
    {
        if (NonEmpty(variable("HF_TOKEN")?.Trim()) is { } token) return token;
        if (NonEmpty(variable("HUGGING_FACE_HUB_TOKEN")?.Trim()) is { } legacy) return legacy;
        var path = TokenFile(variable, hfHome);
        try
        {
            return File.Exists(path) ? NonEmpty(File.ReadAllText(path).Trim()) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The token file that <see cref="ResolveToken"/> reads and a login writes (as <c>hf auth login</c>):
    /// <c>HF_TOKEN_PATH</c> with <c>~</c> and <c>$VAR</c> expanded, else <c>$HF_HOME/token</c>.
    /// </summary>
    public static string TokenFile(Func<string, string?> variable, string? hfHome = null) =>
        NonEmpty(variable("HF_TOKEN_PATH")) is { } path ? ExpandPath(path, variable) : Path.Combine(hfHome ?? HfHome(variable), "token");

    private static TimeSpan? TryParseSeconds(string? value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : null;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string HomeFolder(Func<string, string?> variable) =>
        NonEmpty(variable("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Expands a leading <c>~</c> and <c>$VAR</c>/<c>${VAR}</c>, as Python's expanduser(expandvars()).</summary>
    private static string ExpandPath(string path, Func<string, string?> variable)
    {
        var expanded = System.Text.RegularExpressions.Regex.Replace(path, @"\$(\{(?<n>[A-Za-z_][A-Za-z0-9_]*)\}|(?<n>[A-Za-z_][A-Za-z0-9_]*))",
            m => variable(m.Groups["n"].Value) ?? m.Value);
        if (expanded == "~" || expanded.StartsWith("~/", StringComparison.Ordinal))
            expanded = HomeFolder(variable) + expanded[1..];
        return expanded;
    }
}
