using System.CommandLine;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen cache ls|verify|rm|prune</c>.</summary>
internal static class CacheCommands
{
    public static Command Create(CliContext context)
    {
        var cache = new Command("cache", "Inspect and clean the local Hub cache");
        return cache;
    }
}
