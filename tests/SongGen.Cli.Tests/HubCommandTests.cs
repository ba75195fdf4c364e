using System.Text.Json;
using SongGen.Cli.Output;
using SongGen.Hub.Emulator;
using SongGen.Hub.Tests;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen hub whoami|search|info|ls</c> against the emulator, and how failures look.</summary>
public sealed class HubCommandTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync();

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    [Fact]
    public async Task Whoami_prints_the_user_of_HF_TOKEN()
    {
        var result = await _cli.RunOkAsync("hub", "whoami");
        Assert.Equal("alice", result.OutLines[0]);
        Assert.Empty(result.Err);
    }

    [Fact]
    public async Task Whoami_json_is_one_json_document_with_the_name()
    {
        var result = await _cli.RunOkAsync("hub", "whoami", "--json");
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("alice", json.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Token_option_wins_over_HF_TOKEN()
    {
        var result = await _cli.RunOkAsync("hub", "whoami", "--token", TestHub.BobToken);
        Assert.Equal("bob", result.OutLines[0]);
    }

    [Fact]
    public async Task Search_prints_a_table_with_the_demo_model()
    {
        var result = await _cli.RunOkAsync("hub", "search", "songgen");
        var header = result.OutLines[0];
        Assert.StartsWith("ID", header);
        Assert.Contains("DOWNLOADS", header);
        var row = Assert.Single(result.OutLines, l => l.StartsWith(DemoRepos.ModelId + " ", StringComparison.Ordinal));
        Assert.Contains("1,234", row); // downloads
        Assert.Contains("text-to-audio", row);
        Assert.DoesNotContain(result.OutLines, l => l.Contains(DemoRepos.DatasetId)); // models only by default
    }

    [Fact]
    public async Task Search_json_lists_the_repos()
    {
        var result = await _cli.RunOkAsync("hub", "search", "songgen", "--json");
        using var json = JsonDocument.Parse(result.Out);
        var ids = json.RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Contains(DemoRepos.ModelId, ids);
        Assert.DoesNotContain(DemoRepos.DatasetId, ids);
    }

    [Fact]
    public async Task Search_datasets_with_repo_type()
    {
        var result = await _cli.RunOkAsync("hub", "search", "demo", "--repo-type", "dataset", "--json");
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal([DemoRepos.DatasetId], json.RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Search_with_no_match_says_so()
    {
        var result = await _cli.RunOkAsync("hub", "search", "no-such-thing-anywhere");
        Assert.Equal(["No repositories found."], result.OutLines);
    }

    [Fact]
    public async Task Info_shows_the_commit_and_every_file_with_LFS_marked()
    {
        var result = await _cli.RunOkAsync("hub", "info", DemoRepos.ModelId);
        var commit = _cli.Hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        Assert.Equal($"model {DemoRepos.ModelId}", result.OutLines[0]);
        Assert.Contains(result.OutLines, l => l.Contains("commit:") && l.Contains(commit));
        var files = _cli.Hub.Store.ListFiles("model", DemoRepos.ModelId);
        Assert.Contains(result.OutLines, l => l.Contains($"files ({files.Count}, {Units.Bytes(files.Sum(f => f.Size))})"));
        foreach (var file in files)
        {
            var line = Assert.Single(result.OutLines, l => l.EndsWith("  " + file.Path, StringComparison.Ordinal));
            Assert.Contains(Units.Bytes(file.Size), line);
            Assert.Equal(file.IsLfs, line.Contains(" LFS "));
        }
        Assert.True(files.Single(f => f.Path == DemoRepos.SafetensorsPath).IsLfs);
    }

    [Fact]
    public async Task Info_at_a_tag_and_as_json()
    {
        var result = await _cli.RunOkAsync("hub", "info", DemoRepos.ModelId, "--revision", DemoRepos.ModelTag, "--json");
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(_cli.Hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag), json.RootElement.GetProperty("sha").GetString());
    }

    [Fact]
    public async Task Ls_lists_the_top_level_and_ls_R_everything()
    {
        var top = await _cli.RunOkAsync("hub", "ls", DemoRepos.ModelId);
        Assert.Contains(top.OutLines, l => l.EndsWith("dir  tokenizer/", StringComparison.Ordinal));
        Assert.DoesNotContain(top.OutLines, l => l.EndsWith(DemoRepos.TokenizerPath, StringComparison.Ordinal));

        var all = await _cli.RunOkAsync("hub", "ls", "-R", DemoRepos.ModelId);
        var files = _cli.Hub.Store.ListFiles("model", DemoRepos.ModelId);
        foreach (var file in files)
        {
            var line = Assert.Single(all.OutLines, l => l.EndsWith("  " + file.Path, StringComparison.Ordinal));
            Assert.Equal(file.IsLfs, line.Contains(" LFS "));
        }
        Assert.Contains(all.OutLines, l => l.EndsWith("dir  tokenizer/", StringComparison.Ordinal));
        Assert.Equal(files.Count + 1, all.OutLines.Length);
    }

    [Fact]
    public async Task Ls_of_a_folder()
    {
        var result = await _cli.RunOkAsync("hub", "ls", DemoRepos.ModelId, "tokenizer");
        var line = Assert.Single(result.OutLines);
        Assert.EndsWith(DemoRepos.TokenizerPath, line);
    }

    // ---------------------------------------------------------------- failures

    [Fact]
    public async Task Unknown_repo_is_one_clear_line_and_exit_code_2()
    {
        foreach (var args in new[]
                 {
                     new[] { "hub", "info", "songgen/does-not-exist" },
                     ["hub", "ls", "songgen/does-not-exist"],
                     ["hub", "download", "songgen/does-not-exist"],
                     ["hub", "download", "songgen/does-not-exist", "config.json"],
                     ["hub", "download", DemoRepos.ModelId, "--repo-type", "dataset"],
                 })
        {
            var result = await _cli.RunAsync(args);
            CliSession.AssertCleanFailure(result, 2);
            Assert.Contains("not found", result.Err, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(result.Out);
        }
        Assert.False(Directory.Exists(Path.Combine(_cli.CacheDir, "models--songgen--does-not-exist", "snapshots")));
    }

    [Fact]
    public async Task Unknown_file_and_revision_exit_with_2()
    {
        var file = await _cli.RunAsync("hub", "download", DemoRepos.ModelId, "nope.txt");
        CliSession.AssertCleanFailure(file, 2);
        Assert.Contains("nope.txt", file.Err);

        var revision = await _cli.RunAsync("hub", "info", DemoRepos.ModelId, "--revision", "no-such-branch");
        CliSession.AssertCleanFailure(revision, 2);
        Assert.Contains("no-such-branch", revision.Err);
    }

    [Fact]
    public async Task Bad_token_exits_with_3_and_is_never_printed()
    {
        const string bad = "hf_this_token_is_not_valid_0123456789";
        _cli.Environment["HF_TOKEN"] = bad;
        foreach (var args in new[]
                 {
                     new[] { "hub", "whoami" },
                     ["hub", "whoami", "--json"],
                     ["hub", "info", DemoRepos.ModelId],
                     ["hub", "download", DemoRepos.ModelId, "config.json"],
                     ["hub", "download", DemoRepos.ModelId],
                 })
        {
            var result = await _cli.RunAsync(args); // RunAsync also checks that the token is in no output
            CliSession.AssertCleanFailure(result, 3);
            Assert.Contains("token", result.Err, StringComparison.OrdinalIgnoreCase);
        }

        var option = await _cli.RunAsync("hub", "whoami", "--token", "hf_another_bad_token_abcdef");
        CliSession.AssertCleanFailure(option, 3);
    }

    [Fact]
    public async Task Gated_repo_without_approval_exits_with_3_and_says_gated()
    {
        await _cli.Hub.Store.CreateRepoAsync("model", "bob/gated", gated: "manual", owner: "bob");
        await _cli.Hub.Store.CommitAsync("model", "bob/gated", "main", [EmulatorFile.FromText("weights.bin", "secret")], author: "bob");

        var result = await _cli.RunAsync("hub", "download", "bob/gated", "weights.bin");
        CliSession.AssertCleanFailure(result, 3);
        Assert.Contains("gated", result.Err);

        var owner = await _cli.RunAsync("hub", "download", "bob/gated", "weights.bin", "--token", TestHub.BobToken);
        Assert.True(owner.ExitCode == 0, owner.ToString());
    }

    [Fact]
    public async Task Whoami_without_any_token_exits_with_3()
    {
        _cli.Environment.Remove("HF_TOKEN");
        var result = await _cli.RunAsync("hub", "whoami");
        CliSession.AssertCleanFailure(result, 3);
    }

    [Theory]
    [InlineData("hub download songgen/songgen-demo --bogus", "Unrecognized option '--bogus'")]
    [InlineData("hub download", "Required argument missing")]
    [InlineData("hub download songgen/songgen-demo --max-workers many", "many")]
    public async Task Usage_errors_are_one_line_with_a_pointer_to_help(string commandLine, string expected)
    {
        var result = await _cli.RunAsync(commandLine.Split(' '));
        CliSession.AssertCleanFailure(result, 1);
        Assert.Contains(expected, result.Err);
        Assert.Contains("(see 'songgen hub download --help')", result.Err);
        Assert.Empty(result.Out);
        Assert.Empty(CliAssert.Everything(_cli.CacheDir));
    }

    [Fact]
    public async Task Download_help_lists_the_flags_hf_users_know()
    {
        var result = await _cli.RunOkAsync("hub", "download", "--help");
        foreach (var flag in new[]
                 {
                     "--repo-type", "--revision", "--include", "--exclude", "--cache-dir", "--local-dir", "--max-workers", "--dry-run",
                     "--token", "--force-download", "--quiet",
                 })
            Assert.Contains(flag + " ", result.Out);
    }

    [Fact]
    public async Task Bad_repo_type_and_bad_repo_id_are_clean_failures()
    {
        var type = await _cli.RunAsync("hub", "info", DemoRepos.ModelId, "--repo-type", "modle");
        CliSession.AssertCleanFailure(type, 1);
        var id = await _cli.RunAsync("hub", "info", "not a repo id");
        CliSession.AssertCleanFailure(id, 1);
    }
}
