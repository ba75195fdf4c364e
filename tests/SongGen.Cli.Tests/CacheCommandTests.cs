using SongGen.Hub.Emulator;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen cache ls|verify|rm|prune</c> on a cache filled by <c>songgen hub download</c>.</summary>
public sealed class CacheCommandTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync();

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    private string ModelFolder => Path.Combine(_cli.CacheDir, "models--songgen--songgen-demo");

    private string Commit(string revision) => _cli.Hub.Store.ResolveRevision("model", DemoRepos.ModelId, revision)!;

    private string Blob(string revision, string path)
    {
        var file = _cli.Hub.Store.ListFiles("model", DemoRepos.ModelId, revision).Single(f => f.Path == path);
        return Path.Combine(ModelFolder, "blobs", file.IsLfs ? file.Sha256 : file.BlobId);
    }

    [Fact]
    public async Task Ls_of_an_empty_cache_and_of_a_filled_one()
    {
        var empty = await _cli.RunOkAsync("cache", "ls");
        Assert.Equal([$"No repositories cached in {_cli.CacheDir}."], empty.OutLines);

        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId);
        await _cli.RunOkAsync("hub", "download", DemoRepos.DatasetId, "--repo-type", "dataset");
        var result = await _cli.RunOkAsync("cache", "ls");
        Assert.StartsWith("REPO", result.OutLines[0]);
        var model = Assert.Single(result.OutLines, l => l.StartsWith(DemoRepos.ModelId + " ", StringComparison.Ordinal));
        Assert.Contains(" model ", model);
        Assert.EndsWith("main", model);
        Assert.Contains($" {_cli.Hub.Store.ListFiles("model", DemoRepos.ModelId).Count} ", model);
        Assert.Contains(" dataset ", Assert.Single(result.OutLines, l => l.StartsWith(DemoRepos.DatasetId + " ", StringComparison.Ordinal)));
        Assert.StartsWith("2 repo(s)", result.OutLines[^1]);

        var revisions = await _cli.RunOkAsync("cache", "ls", "--revisions");
        Assert.Contains(revisions.OutLines, l => l.Contains(Commit("main")) && l.EndsWith("main"));
    }

    [Fact]
    public async Task Verify_passes_then_reports_a_corrupted_blob()
    {
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId);
        var files = _cli.Hub.Store.ListFiles("model", DemoRepos.ModelId);

        var ok = await _cli.RunOkAsync("cache", "verify", DemoRepos.ModelId);
        foreach (var file in files)
            Assert.Contains($"ok          {file.Path}", ok.OutLines);
        Assert.EndsWith("0 problem(s)", ok.OutLines[^1]);

        // Flip bytes inside two blobs (a regular file: git sha1; an LFS file: sha256), keeping their size.
        foreach (var path in new[] { "config.json", DemoRepos.SafetensorsPath })
        {
            await using var blob = new FileStream(Blob("main", path), FileMode.Open, FileAccess.Write);
            blob.Position = 10;
            blob.Write("XYZ"u8);
        }
        var bad = await _cli.RunAsync("cache", "verify", DemoRepos.ModelId);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.StartsWith("MISMATCH    config.json: expected ", Assert.Single(bad.OutLines, l => l.Contains(" config.json")));
        Assert.StartsWith($"MISMATCH    {DemoRepos.SafetensorsPath}: expected ", Assert.Single(bad.OutLines, l => l.Contains(DemoRepos.SafetensorsPath)));
        Assert.Contains("ok          README.md", bad.OutLines);
        Assert.EndsWith("2 problem(s)", bad.OutLines[^1]);
    }

    [Fact]
    public async Task Rm_one_revision_dry_run_then_for_real()
    {
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId);
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--revision", DemoRepos.ModelTag);
        var tagSnapshot = Path.Combine(ModelFolder, "snapshots", Commit(DemoRepos.ModelTag));
        var oldReadme = Blob(DemoRepos.ModelTag, "README.md");
        var sharedConfig = Blob("main", "config.json");
        Assert.Equal(sharedConfig, Blob(DemoRepos.ModelTag, "config.json"));
        var before = CliAssert.Everything(_cli.CacheDir);

        var dry = await _cli.RunOkAsync("cache", "rm", $"{DemoRepos.ModelId}@{DemoRepos.ModelTag}", "--dry-run");
        Assert.Equal(before, CliAssert.Everything(_cli.CacheDir));
        Assert.All(dry.OutLines.SkipLast(1), l => Assert.StartsWith("would delete", l));
        Assert.Contains(dry.OutLines, l => l.EndsWith(tagSnapshot, StringComparison.Ordinal));
        Assert.Contains(dry.OutLines, l => l.EndsWith(Path.Combine("refs", DemoRepos.ModelTag), StringComparison.Ordinal));
        Assert.Contains(dry.OutLines, l => l.EndsWith(oldReadme, StringComparison.Ordinal));
        Assert.DoesNotContain(dry.OutLines, l => l.EndsWith(sharedConfig, StringComparison.Ordinal)); // main still uses it
        Assert.Contains("(dry run)", dry.OutLines[^1]);

        var real = await _cli.RunOkAsync("cache", "rm", $"{DemoRepos.ModelId}@{DemoRepos.ModelTag}");
        Assert.Contains("deleted", real.OutLines[^1]);
        Assert.False(Directory.Exists(tagSnapshot));
        Assert.False(File.Exists(Path.Combine(ModelFolder, "refs", DemoRepos.ModelTag)));
        Assert.False(File.Exists(oldReadme));
        Assert.True(File.Exists(sharedConfig));
        await _cli.RunOkAsync("cache", "verify", DemoRepos.ModelId); // main is intact

        await _cli.RunOkAsync("cache", "rm", DemoRepos.ModelId);
        Assert.False(Directory.Exists(ModelFolder));
        Assert.StartsWith("No repositories cached", (await _cli.RunOkAsync("cache", "ls")).Out);
    }

    [Fact]
    public async Task Rm_of_something_not_cached_is_a_not_found_error()
    {
        var repo = await _cli.RunAsync("cache", "rm", "songgen/not-cached");
        CliSession.AssertCleanFailure(repo, 2);
        Assert.Contains("not in the cache", repo.Err);

        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json");
        var revision = await _cli.RunAsync("cache", "rm", $"{DemoRepos.ModelId}@no-such-rev");
        CliSession.AssertCleanFailure(revision, 2);
        Assert.Contains("no-such-rev", revision.Err);
        Assert.True(Directory.Exists(ModelFolder));
    }

    [Fact]
    public async Task Prune_removes_detached_revisions_unreferenced_blobs_and_partial_downloads()
    {
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId);
        // A download by commit hash writes no ref: that snapshot is detached.
        var tagCommit = Commit(DemoRepos.ModelTag);
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--revision", tagCommit);
        var detached = Path.Combine(ModelFolder, "snapshots", tagCommit);
        var oldReadme = Blob(DemoRepos.ModelTag, "README.md");
        var partial = Path.Combine(ModelFolder, "blobs", new string('a', 64) + ".incomplete");
        await File.WriteAllBytesAsync(partial, new byte[1000]);
        var before = CliAssert.Everything(_cli.CacheDir);

        var dry = await _cli.RunOkAsync("cache", "prune", "--dry-run");
        Assert.Equal(before, CliAssert.Everything(_cli.CacheDir));
        Assert.Contains(dry.OutLines, l => l.EndsWith(detached, StringComparison.Ordinal));
        Assert.Contains(dry.OutLines, l => l.EndsWith(oldReadme, StringComparison.Ordinal));
        Assert.Contains(dry.OutLines, l => l.EndsWith(partial, StringComparison.Ordinal));

        await _cli.RunOkAsync("cache", "prune");
        Assert.False(Directory.Exists(detached));
        Assert.False(File.Exists(oldReadme));
        Assert.False(File.Exists(partial));
        Assert.True(Directory.Exists(Path.Combine(ModelFolder, "snapshots", Commit("main"))));
        await _cli.RunOkAsync("cache", "verify", DemoRepos.ModelId);

        Assert.Equal(["Nothing to prune."], (await _cli.RunOkAsync("cache", "prune")).OutLines);
    }

    [Fact]
    public async Task Cache_dir_option_wins_over_HF_HUB_CACHE()
    {
        var other = Path.Combine(_cli.Folder, "other-cache");
        var download = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json", "--cache-dir", other);
        Assert.StartsWith(other, download.OutLines.Single());
        Assert.Empty(CliAssert.Everything(_cli.CacheDir));
        Assert.Contains(DemoRepos.ModelId, (await _cli.RunOkAsync("cache", "ls", "--cache-dir", other)).Out);
    }
}
