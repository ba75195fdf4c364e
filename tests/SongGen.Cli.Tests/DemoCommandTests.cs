using System.Text.RegularExpressions;
using SongGen.Hub.Emulator;

namespace SongGen.Cli.Tests;

/// <summary>
/// <c>songgen demo</c>: starts its own emulator and walks whoami → search → info → download, then card → create and
/// upload → a no-op upload → sync diff.
/// </summary>
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

        // 7: the card and the curve, labelled as a demo.
        Assert.Contains("demo_loss_curve.png: DEMO curve from a synthetic loss log", result.Out);
        Assert.Contains("0 validation problem(s)", result.Out);

        // 8: one commit on the new repo, the curve sent to LFS.
        var commit = Regex.Match(result.Out, @"^   commit ([0-9a-f]{40}): 5 file\(s\) committed, 0 unchanged, (\d+) LFS object\(s\) sent", RegexOptions.Multiline);
        Assert.True(commit.Success, result.Out);
        Assert.True(int.Parse(commit.Groups[2].Value) >= 1, result.Out);
        Assert.Contains("created http://127.0.0.1:", result.Out);
        Assert.Contains("uploaded   demo_loss_curve.png", result.Out);

        // 9: the same folder again makes no commit; the head is the commit of step 8.
        Assert.Contains($"   no changes, no commit: 5 file(s) unchanged, head still {commit.Groups[1].Value}", result.OutLines);

        // 10: all equal as uploaded, then exactly the nudged weights file changed.
        Assert.Contains("   as uploaded: 5 same, 0 changed, 0 only local, 0 only in the repo", result.OutLines);
        Assert.Contains("   4 same, 1 changed, 0 only local, 0 only in the repo", result.OutLines);
        Assert.Matches(@"^   skip +changed +3\.0 MiB  model\.safetensors$", Assert.Single(result.OutLines, l => l.Contains(" changed ", StringComparison.Ordinal)));

        // The working copy was edited, never the cache: its weights are still the Hub's bytes, and the temp folder is gone.
        Assert.Equal(DemoRepos.BuildSafetensors(), File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        var workFolder = Regex.Match(result.Out, "^7\\. .* copy in (.+)$", RegexOptions.Multiline).Groups[1].Value;
        Assert.NotEmpty(workFolder);
        Assert.False(Directory.Exists(workFolder), workFolder);

        // A second demo on the same cache works too (a new emulator, same deterministic commits).
        var again = await cli.RunAsync("demo", "--cache-dir", cache);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("   4 same, 1 changed, 0 only local, 0 only in the repo", again.OutLines);
    }
}
