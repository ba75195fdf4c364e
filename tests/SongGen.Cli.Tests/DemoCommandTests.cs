namespace SongGen.Cli.Tests;

/// <summary><c>songgen demo</c>: starts its own emulator and walks whoami → search → info → download.</summary>
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_end_to_end_into_the_given_cache_and_exits_0()
    {
        await using var cli = await CliSession.StartAsync(seedDemo: false); // only for its temp folder and token checks
        var cache = Path.Combine(cli.Folder, "demo-cache");

        var result = await cli.RunAsync("demo", "--cache-dir", cache);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Err);
        Assert.Contains("alice", result.Out);
        Assert.Contains("songgen/songgen-demo", result.Out);
        Assert.StartsWith("Done.", result.OutLines[^1]);
        var snapshots = Path.Combine(cache, "models--songgen--songgen-demo", "snapshots");
        var snapshot = Assert.Single(Directory.GetDirectories(snapshots));
        Assert.Contains(Path.GetFileName(snapshot), File.ReadAllText(Path.Combine(cache, "models--songgen--songgen-demo", "refs", "main")));
        Assert.True(File.Exists(Path.Combine(snapshot, "model.safetensors")));
        Assert.Contains("5 of 5 files present, 0 B to download", result.Out); // the second pass moved nothing

        // A second demo on the same cache works too (a new emulator, same deterministic commits).
        var again = await cli.RunAsync("demo", "--cache-dir", cache);
        Assert.True(again.ExitCode == 0, again.ToString());
    }
}
