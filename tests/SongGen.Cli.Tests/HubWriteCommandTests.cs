using System.Text.Json;
using SongGen.Hub.Emulator;
using SongGen.Hub.Tests;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen hub create|delete|upload|sync</c> against the emulator; every run also checks no token is printed.</summary>
public sealed class HubWriteCommandTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    private static HubEmulatorOptions Options(string root)
    {
        var tokens = TestHub.Tokens();
        tokens[HubEmulatorOptions.AliceReadToken] = "alice";
        return new HubEmulatorOptions
        {
            Root = root, Tokens = tokens, ReadOnlyTokens = new HashSet<string>(StringComparer.Ordinal) { HubEmulatorOptions.AliceReadToken },
        };
    }

    public async Task InitializeAsync()
    {
        _cli = await CliSession.StartAsync(seedDemo: false, options: Options);
        _cli.AddSecret(HubEmulatorOptions.AliceReadToken);
    }

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    private string Folder(string name, params (string Path, string Text)[] files)
    {
        var folder = Path.Combine(_cli.Folder, name);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        Directory.CreateDirectory(folder);
        return folder;
    }

    private int CommitRequests() => _cli.Hub.Emulator.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.Contains("/commit/", StringComparison.Ordinal));

    private string? Head(string repo = "alice/cli-repo") => _cli.Hub.Store.ResolveRevision("model", repo, "main");

    [Fact]
    public async Task Create_prints_the_url_then_a_second_create_fails_unless_exist_ok_and_delete_removes_it()
    {
        var created = await _cli.RunOkAsync("hub", "create", "alice/cli-repo", "--private");
        Assert.Equal($"{_cli.Hub.Endpoint}/alice/cli-repo", created.OutLines[0].TrimEnd('/'));
        Assert.True(_cli.Hub.Store.RepoExists("model", "alice/cli-repo"));

        var again = await _cli.RunAsync("hub", "create", "alice/cli-repo");
        CliSession.AssertCleanFailure(again, 1);
        Assert.Contains("already exists", again.Err);
        await _cli.RunOkAsync("hub", "create", "alice/cli-repo", "--exist-ok");

        var deleted = await _cli.RunOkAsync("hub", "delete", "alice/cli-repo");
        Assert.Equal("Deleted model alice/cli-repo", deleted.OutLines[0]);
        Assert.False(_cli.Hub.Store.RepoExists("model", "alice/cli-repo"));
        CliSession.AssertCleanFailure(await _cli.RunAsync("hub", "delete", "alice/cli-repo"), 2);
        await _cli.RunOkAsync("hub", "delete", "alice/cli-repo", "--missing-ok");
    }

    [Fact]
    public async Task A_read_token_is_refused_with_exit_code_3_and_a_hint_and_is_never_printed()
    {
        var result = await _cli.RunAsync("hub", "create", "alice/cli-repo", "--token", HubEmulatorOptions.AliceReadToken);
        CliSession.AssertCleanFailure(result, 3);
        Assert.Contains("write token", result.Err);
    }

    [Fact]
    public async Task Upload_a_folder_creates_the_repo_and_a_second_upload_makes_no_commit()
    {
        var folder = Folder("up", ("README.md", "# hi\n"), ("sub/a.txt", "a"), ("notes.log", "skip me"));
        var first = await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", folder, "--exclude", "*.log", "--commit-message", "First");
        Assert.Equal($"{_cli.Hub.Endpoint}/alice/cli-repo/commit/{Head()}", first.OutLines[0]);
        var files = _cli.Hub.Store.ListFiles("model", "alice/cli-repo").Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([".gitattributes", "README.md", "sub/a.txt"], files);
        var commits = CommitRequests();

        var second = await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", folder, "--exclude", "*.log");
        Assert.StartsWith("No changes", second.OutLines[0]);
        Assert.Equal(commits, CommitRequests());
    }

    [Fact]
    public async Task Upload_a_single_file_to_a_path_and_as_a_pull_request()
    {
        var folder = Folder("one", ("weights.txt", "w1"));
        await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", Path.Combine(folder, "weights.txt"), "models/w.txt");
        Assert.Contains(_cli.Hub.Store.ListFiles("model", "alice/cli-repo"), f => f.Path == "models/w.txt");
        File.WriteAllText(Path.Combine(folder, "weights.txt"), "w2");
        var main = Head();

        var pr = await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", Path.Combine(folder, "weights.txt"), "models/w.txt", "--create-pr");

        Assert.EndsWith("/discussions/1", pr.OutLines[0]);
        Assert.Contains("refs/pr/1", pr.Err);
        Assert.Equal(main, Head());
        Assert.NotNull(_cli.Hub.Store.ResolveRevision("model", "alice/cli-repo", "refs/pr/1"));
    }

    [Fact]
    public async Task Upload_to_a_new_branch_with_delete_patterns_under_a_path()
    {
        var first = Folder("v1", ("a.txt", "a"), ("old.log", "o"));
        await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", first, "run", "--revision", "dev");
        Assert.Null(_cli.Hub.Store.ListFiles("model", "alice/cli-repo").FirstOrDefault(f => f.Path.StartsWith("run/", StringComparison.Ordinal)));
        Assert.Contains(_cli.Hub.Store.ListFiles("model", "alice/cli-repo", "dev"), f => f.Path == "run/old.log");

        var second = Folder("v2", ("a.txt", "a"), ("b.txt", "b"));
        await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", second, "run", "--revision", "dev", "--delete", "*.log");
        var dev = _cli.Hub.Store.ListFiles("model", "alice/cli-repo", "dev").Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([".gitattributes", "run/a.txt", "run/b.txt"], dev);
    }

    [Fact]
    public async Task Upload_of_a_missing_path_is_one_clear_line()
    {
        var result = await _cli.RunAsync("hub", "upload", "alice/cli-repo", Path.Combine(_cli.Folder, "nope"));
        CliSession.AssertCleanFailure(result, 1);
        Assert.Contains("nope", result.Err);
    }

    [Fact]
    public async Task Upload_json_progress_is_json_lines_with_every_phase()
    {
        var folder = Folder("j", ("a.txt", "a"));
        var result = await _cli.RunOkAsync("hub", "upload", "alice/cli-repo", folder, "--json");
        var kinds = result.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()).ToList();
        Assert.Contains("Hashing", kinds);
        Assert.Contains("Committing", kinds);
        Assert.Contains("Committed", kinds);
        Assert.Equal("Completed", kinds[^1]);
    }

    [Fact]
    public async Task Sync_diff_push_pull_with_delete_dry_run_plan_and_apply()
    {
        var local = Folder("local", ("keep.txt", "k"), ("changed.txt", "v1"), ("gone.txt", "g"));
        await _cli.RunOkAsync("hub", "create", "alice/cli-repo");
        await _cli.RunOkAsync("hub", "sync", "push", local, "alice/cli-repo", "--path-in-repo", "ckpt");
        File.WriteAllText(Path.Combine(local, "changed.txt"), "version 2");
        File.Delete(Path.Combine(local, "gone.txt"));
        File.WriteAllText(Path.Combine(local, "new.txt"), "n");

        var diff = await _cli.RunOkAsync("hub", "sync", "diff", local, "alice/cli-repo", "--path-in-repo", "ckpt");
        Assert.Contains(diff.OutLines, l => l.Contains("changed") && l.EndsWith("changed.txt", StringComparison.Ordinal));
        Assert.Contains(diff.OutLines, l => l.Contains("remote_only") && l.EndsWith("gone.txt", StringComparison.Ordinal));
        Assert.Contains(diff.OutLines, l => l.Contains("local_only") && l.EndsWith("new.txt", StringComparison.Ordinal));
        Assert.Contains(diff.OutLines, l => l.Contains("same") && l.EndsWith("keep.txt", StringComparison.Ordinal));

        var head = Head();
        var dry = await _cli.RunOkAsync("hub", "sync", "push", local, "alice/cli-repo", "--path-in-repo", "ckpt", "--delete", "--dry-run", "--json");
        var lines = dry.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("plan", lines[0].GetProperty("type").GetString());
        Assert.Equal(head, lines[0].GetProperty("commit").GetString());
        Assert.Equal("delete_remote", lines.Single(l => l.TryGetProperty("path", out var p) && p.GetString() == "gone.txt").GetProperty("action").GetString());
        Assert.Equal(head, Head());

        var planFile = Path.Combine(_cli.Folder, "push.jsonl");
        await _cli.RunOkAsync("hub", "sync", "push", local, "alice/cli-repo", "--path-in-repo", "ckpt", "--delete", "--plan", planFile);
        Assert.Equal(head, Head());
        var applied = await _cli.RunOkAsync("hub", "sync", "push", local, "alice/cli-repo", "--apply", planFile);
        Assert.Contains(applied.OutLines, l => l.StartsWith("Pushed in 1 commit", StringComparison.Ordinal));
        var remote = _cli.Hub.Store.ListFiles("model", "alice/cli-repo").Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([".gitattributes", "ckpt/changed.txt", "ckpt/keep.txt", "ckpt/new.txt"], remote);

        // The same plan again: the branch moved, so it is refused.
        var stale = await _cli.RunAsync("hub", "sync", "push", local, "alice/cli-repo", "--apply", planFile);
        CliSession.AssertCleanFailure(stale, 1);
        Assert.Contains("make a new plan", stale.Err);

        var other = Path.Combine(_cli.Folder, "other");
        Folder("other", ("stray.txt", "s"));
        var pull = await _cli.RunOkAsync("hub", "sync", "pull", other, "alice/cli-repo", "--path-in-repo", "ckpt", "--delete");
        Assert.Contains(pull.OutLines, l => l.StartsWith("Pulled 3 file(s), deleted 1", StringComparison.Ordinal));
        Assert.Equal("version 2", File.ReadAllText(Path.Combine(other, "changed.txt")));
        Assert.False(File.Exists(Path.Combine(other, "stray.txt")));
        var nothing = await _cli.RunOkAsync("hub", "sync", "pull", other, "alice/cli-repo", "--path-in-repo", "ckpt");
        Assert.Contains("Nothing to pull.", nothing.OutLines);
    }

    [Fact]
    public async Task Apply_of_a_plan_for_another_folder_or_direction_is_refused()
    {
        var local = Folder("local", ("a.txt", "a"));
        await _cli.RunOkAsync("hub", "create", "alice/cli-repo");
        var planFile = Path.Combine(_cli.Folder, "p.jsonl");
        await _cli.RunOkAsync("hub", "sync", "push", local, "alice/cli-repo", "--plan", planFile);
        var wrong = await _cli.RunAsync("hub", "sync", "pull", local, "alice/cli-repo", "--apply", planFile);
        CliSession.AssertCleanFailure(wrong, 1);
        Assert.Contains("push plan", wrong.Err);
        File.WriteAllText(planFile, "not json\n");
        var broken = await _cli.RunAsync("hub", "sync", "push", local, "alice/cli-repo", "--apply", planFile);
        CliSession.AssertCleanFailure(broken, 1);
        Assert.Contains("p.jsonl:1", broken.Err);
    }
}
