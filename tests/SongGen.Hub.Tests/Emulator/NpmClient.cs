using System.Diagnostics;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>
/// Where the official JS client lives (<c>tests/npm-client</c>) and whether it can run here: it needs <c>node</c> on
/// PATH and <c>npm ci</c> done in that folder.
/// </summary>
internal static class NpmClient
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Folder => Path.Combine(RepoRoot, "tests", "npm-client");

    public static string Script => Path.Combine(Folder, "run.mjs");

    /// <summary>Null when the client can run, else why not.</summary>
    public static string? MissingPrerequisite()
    {
        if (!File.Exists(Path.Combine(Folder, "node_modules", "@huggingface", "hub", "package.json")))
        {
            return $"The official JS client is not installed: run `npm ci` in {Folder}.";
        }
        return NodeVersion() is null ? "`node` was not found on PATH." : null;
    }

    private static string? NodeVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null) return null;
            var version = process.StandardOutput.ReadToEnd().Trim();
            return process.WaitForExit(10_000) && process.ExitCode == 0 ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string FindRepoRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SongGen.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"SongGen.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// A [Fact] that is reported as skipped, with the reason, when node or the npm client is missing. xunit 2.9 has no
/// dynamic skip (Assert.Skip is xunit v3), so the decision is made when tests are discovered.
/// </summary>
public sealed class RequiresNpmClientFactAttribute : FactAttribute
{
    public RequiresNpmClientFactAttribute()
    {
        if (NpmClient.MissingPrerequisite() is { } reason)
        {
            Skip = reason;
        }
    }
}
