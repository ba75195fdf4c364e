using System.CommandLine;
using SongGen.Hub;

namespace SongGen.Cli.Commands;

/// <summary>Options shared by the Hub and cache commands, with the names <c>hf</c> users know.</summary>
internal static class CommonOptions
{
    public static Option<string> RepoType() => new("--repo-type")
    {
        Description = "model, dataset or space",
        DefaultValueFactory = _ => "model",
    };

    public static Option<string?> Revision() => new("--revision")
    {
        Description = "Branch, tag, commit or refs/pr/N (default: main)",
    };

    public static Option<string?> Token() => new("--token")
    {
        Description = "Access token; default HF_TOKEN or the token file. Never printed.",
    };

    public static Option<string?> Endpoint() => new("--endpoint")
    {
        Description = "Hub URL; default HF_ENDPOINT or https://huggingface.co",
    };

    public static Option<string?> CacheDir() => new("--cache-dir")
    {
        Description = "Cache root; default HF_HUB_CACHE, $HF_HOME/hub, or ./hubcache",
    };

    public static Option<bool> Json() => new("--json") { Description = "Machine-readable JSON output" };

    /// <summary>Client options from the environment, then the command line on top.</summary>
    public static HubClientOptions ClientOptions(CliContext context, string? endpoint, string? token, string? cacheDir)
    {
        var options = HubEnvironment.FromVariables(context.Environment);
        if (endpoint is not null) options.Endpoint = new Uri(endpoint.TrimEnd('/'));
        if (token is not null) options.Token = token;
        if (cacheDir is not null) options.CacheDir = Path.GetFullPath(cacheDir);
        return options;
    }

    public static RepoId ParseRepo(string id, string type) => RepoId.Parse(id, RepoTypeExtensions.ParseRepoType(type));
}
