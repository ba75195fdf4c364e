using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary>Sync plans and their application against the emulator: states, actions, renames, pins, deletions.</summary>
public sealed class HubSyncTests
{
    /// <summary>A repo with a folder "ckpt/" uploaded from a local folder; returns the folder and the repo.</summary>
    private static async Task<(RepoId Repo, string Folder)> SeedAsync(ClientHarness h)
    {
        var repo = await UploadHarness.NewRepoAsync(h, "sync-test");
        var folder = UploadHarness.Folder(h, new Dictionary<string, byte[]>
        {
            ["same.txt"] = UploadHarness.Text("same"),
            ["changed.txt"] = UploadHarness.Text("v1"),
            ["changed-same-size.bin"] = UploadHarness.Binary(4000, 1),
            ["remote-only.txt"] = UploadHarness.Text("only there"),
            ["renamed-old.bin"] = UploadHarness.Binary(3000, 2),
            ["sub/deep.txt"] = UploadHarness.Text("deep"),
        });
        await h.Run(ct => new HubCommitter(h.Client).UploadFolderAsync(new FolderUploadRequest(repo, folder) { PathInRepo = "ckpt" }, cancellationToken: ct));
        // Local edits after the upload.
        UploadHarness.Write(folder, "changed.txt", UploadHarness.Text("version 2"));
        UploadHarness.Write(folder, "changed-same-size.bin", UploadHarness.Binary(4000, 3));
        File.Delete(Path.Combine(folder, "remote-only.txt"));
        File.Move(Path.Combine(folder, "renamed-old.bin"), Path.Combine(folder, "renamed-new.bin"));
        UploadHarness.Write(folder, "local-only.txt", UploadHarness.Text("only here"));
        return (repo, folder);
    }

    private static Dictionary<string, SyncEntry> ByPath(SyncPlan plan) => plan.Entries.ToDictionary(e => e.Path);

    [Fact]
    public async Task Diff_states_every_path_from_sizes_and_content_ids()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);

        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Diff, folder, repo) { PathInRepo = "ckpt" }, ct));

        var e = ByPath(plan);
        Assert.Equal(SyncState.Same, e["same.txt"].State);
        Assert.Equal(SyncState.Same, e["sub/deep.txt"].State);
        Assert.Equal(SyncState.Changed, e["changed.txt"].State);
        Assert.Equal(SyncState.Changed, e["changed-same-size.bin"].State); // same size: decided by sha256
        Assert.True(e["changed-same-size.bin"].RemoteIsLfs);
        Assert.Equal(ClientTestData.Sha256(UploadHarness.Binary(4000, 1)), e["changed-same-size.bin"].RemoteId); // content id, not the pointer's
        Assert.Equal(SyncState.RemoteOnly, e["remote-only.txt"].State);
        Assert.Equal(SyncState.LocalOnly, e["local-only.txt"].State);
        Assert.Equal("renamed-old.bin", e["renamed-new.bin"].RenamedFrom);
        Assert.Equal("renamed-new.bin", e["renamed-old.bin"].RenamedFrom);
        Assert.All(plan.Entries, x => Assert.Equal(SyncAction.Skip, x.Action));
        Assert.Equal(await UploadHarness.HeadAsync(h, repo), plan.Commit);
    }

    [Fact]
    public async Task Push_uploads_only_what_differs_and_delete_mirrors_removals()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);

        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Push, folder, repo) { PathInRepo = "ckpt", Delete = true }, ct));
        var actions = plan.Actions.ToDictionary(e => e.Path, e => e.Action);
        Assert.Equal(new Dictionary<string, SyncAction>
        {
            ["changed.txt"] = SyncAction.Upload, ["changed-same-size.bin"] = SyncAction.Upload, ["local-only.txt"] = SyncAction.Upload,
            ["renamed-new.bin"] = SyncAction.Upload, ["remote-only.txt"] = SyncAction.DeleteRemote, ["renamed-old.bin"] = SyncAction.DeleteRemote,
        }, actions);
        hub.Emulator.ClearRequests();

        var outcome = await h.Run(ct => sync.ApplyAsync(plan, "push it", cancellationToken: ct));

        Assert.Single(outcome.Commit!.Commits);
        // The renamed LFS file's object is already stored: only the changed binary goes to the CDN.
        Assert.Single(UploadHarness.LfsPuts(hub));
        var again = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Diff, folder, repo) { PathInRepo = "ckpt" }, ct));
        Assert.All(again.Entries, x => Assert.Equal(SyncState.Same, x.State));
        Assert.Equal(6, again.Entries.Count);
    }

    [Fact]
    public async Task Push_without_delete_keeps_remote_only_files()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Push, folder, repo) { PathInRepo = "ckpt" }, ct));
        Assert.Equal(SyncAction.Skip, ByPath(plan)["remote-only.txt"].Action);
        await h.Run(ct => sync.ApplyAsync(plan, cancellationToken: ct));
        Assert.Contains("ckpt/remote-only.txt", (await UploadHarness.TreeAsync(h, repo)).Keys);
    }

    [Fact]
    public async Task Pull_downloads_only_what_differs_through_the_cache_and_delete_removes_local_extras()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);

        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Pull, folder, repo) { PathInRepo = "ckpt", Delete = true }, ct));
        Assert.Equal(["changed-same-size.bin", "changed.txt", "remote-only.txt", "renamed-old.bin"],
            plan.Actions.Where(a => a.Action == SyncAction.Download).Select(a => a.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["local-only.txt", "renamed-new.bin"],
            plan.Actions.Where(a => a.Action == SyncAction.DeleteLocal).Select(a => a.Path).Order(StringComparer.Ordinal));
        hub.Emulator.ClearRequests();

        var outcome = await h.Run(ct => sync.ApplyAsync(plan, cancellationToken: ct));

        Assert.Equal(4, outcome.Downloaded);
        Assert.Equal(2, outcome.DeletedLocal);
        Assert.DoesNotContain(hub.Emulator.Requests, r => r.Method == "GET" && r.PathAndQuery.Contains("same.txt", StringComparison.Ordinal) && !r.PathAndQuery.Contains("changed", StringComparison.Ordinal));
        Assert.Equal(UploadHarness.Text("v1"), File.ReadAllBytes(Path.Combine(folder, "changed.txt")));
        Assert.Equal(UploadHarness.Binary(4000, 1), File.ReadAllBytes(Path.Combine(folder, "changed-same-size.bin")));
        Assert.False(File.Exists(Path.Combine(folder, "local-only.txt")));
        // Through the cache: the blob is there under its sha256.
        Assert.True(File.Exists(h.Cache.BlobPath(repo, ClientTestData.Sha256(UploadHarness.Binary(3000, 2)))));
        var after = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Diff, folder, repo) { PathInRepo = "ckpt" }, ct));
        Assert.All(after.Entries, x => Assert.Equal(SyncState.Same, x.State));
    }

    [Fact]
    public async Task A_pulled_file_that_cannot_be_put_in_place_leaves_no_temp_file_for_the_next_push()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, _) = await SeedAsync(h);
        // Locally "same.txt" is a folder: the pulled file cannot replace it.
        var target = UploadHarness.Folder(h, new Dictionary<string, byte[]> { ["same.txt/inner.txt"] = UploadHarness.Text("inner") });
        var sync = new HubSync(h.Client);
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Pull, target, repo) { PathInRepo = "ckpt" }, ct));
        Assert.Contains(plan.Actions, a => a.Path == "same.txt" && a.Action == SyncAction.Download);

        await Assert.ThrowsAnyAsync<IOException>(() => h.Run(ct => sync.ApplyAsync(plan, cancellationToken: ct)));

        Assert.DoesNotContain(ClientTestData.FilesUnder(target), p => p.Contains(".tmp", StringComparison.Ordinal));
        Assert.Equal(UploadHarness.Text("inner"), File.ReadAllBytes(Path.Combine(target, "same.txt", "inner.txt")));
    }

    [Fact]
    public async Task Pull_into_a_new_folder_fetches_everything_and_ignores_gitattributes()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, _) = await SeedAsync(h);
        var target = Path.Combine(h.NewTempFolder(), "new");
        var sync = new HubSync(h.Client);
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Pull, target, repo), ct));
        Assert.DoesNotContain(plan.Entries, e => e.Path == ".gitattributes");
        await h.Run(ct => sync.ApplyAsync(plan, cancellationToken: ct));
        Assert.Equal(["ckpt/changed-same-size.bin", "ckpt/changed.txt", "ckpt/remote-only.txt", "ckpt/renamed-old.bin", "ckpt/same.txt", "ckpt/sub/deep.txt"],
            ClientTestData.FilesUnder(target));
    }

    [Fact]
    public async Task A_local_gitattributes_at_the_root_is_left_out_like_the_repos_own()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, _) = await SeedAsync(h);
        var sync = new HubSync(h.Client);
        // A folder pulled from the repo, plus a .gitattributes of its own (as a git clone of the repo would have).
        var target = Path.Combine(h.NewTempFolder(), "clone");
        await h.Run(async ct => await sync.ApplyAsync(await sync.PlanAsync(new SyncRequest(SyncDirection.Pull, target, repo), ct), cancellationToken: ct));
        UploadHarness.Write(target, ".gitattributes", UploadHarness.Text("*.bin filter=lfs diff=lfs merge=lfs -text\n"));

        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Push, target, repo) { Delete = true }, ct));

        Assert.DoesNotContain(plan.Entries, e => e.Path == ".gitattributes");
        Assert.All(plan.Entries, e => Assert.Equal(SyncState.Same, e.State));
    }

    [Fact]
    public async Task A_saved_plan_round_trips_and_applies_but_is_refused_once_the_branch_moved()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Push, folder, repo) { PathInRepo = "ckpt", Delete = true }, ct));
        using var text = new StringWriter();
        plan.WriteJsonLines(text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("\"type\":\"plan\"", lines[0]);
        Assert.Contains("\"direction\":\"push\"", lines[0]);
        Assert.Equal(plan.Entries.Count + 1, lines.Length);
        var read = SyncPlan.ReadJsonLines(new StringReader(text.ToString()), "plan.jsonl");
        Assert.Equal(plan.Entries, read.Entries);
        Assert.Equal(plan.Commit, read.Commit);

        // Someone commits meanwhile: the saved plan no longer fits.
        await h.Run(ct => new HubCommitter(h.Client).CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("other.txt", UploadHarness.Text("x"))]), cancellationToken: ct));
        var stale = await h.RunFails<SyncPlanStaleException>(ct => sync.ApplyAsync(read, cancellationToken: ct));
        Assert.Contains(plan.Commit!, stale.Message);
        Assert.DoesNotContain("ckpt/local-only.txt", (await UploadHarness.TreeAsync(h, repo)).Keys);
    }

    [Fact]
    public async Task A_plan_is_refused_when_the_local_folder_changed_since()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Push, folder, repo) { PathInRepo = "ckpt" }, ct));
        UploadHarness.Write(folder, "local-only.txt", UploadHarness.Text("edited after planning"));
        var error = await h.RunFails<SyncPlanStaleException>(ct => sync.ApplyAsync(plan, cancellationToken: ct));
        Assert.Contains("local-only.txt", error.Message);
    }

    [Fact]
    public async Task A_saved_plan_is_refused_after_a_same_size_edit_of_a_file_it_found_unchanged()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var (repo, folder) = await SeedAsync(h);
        var sync = new HubSync(h.Client);
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Push, folder, repo) { PathInRepo = "ckpt" }, ct));
        var saved = new StringWriter();
        plan.WriteJsonLines(saved);
        var same = Path.Combine(folder, "same.txt");
        var planned = File.GetLastWriteTimeUtc(same);
        UploadHarness.Write(folder, "same.txt", UploadHarness.Text("SAME")); // same size, other content
        File.SetLastWriteTimeUtc(same, planned.AddSeconds(2));

        var error = await h.RunFails<SyncPlanStaleException>(ct => sync.ApplyAsync(SyncPlan.ReadJsonLines(new StringReader(saved.ToString()), "plan.jsonl"), cancellationToken: ct));
        Assert.Contains("same.txt", error.Message);
    }

    [Fact]
    public async Task Malformed_plan_files_are_refused_with_the_line_number()
    {
        var error = Assert.Throws<FormatException>(() => SyncPlan.ReadJsonLines(new StringReader("{\"type\":\"file\",\"path\":\"a\"}\n"), "p.jsonl"));
        Assert.Contains("p.jsonl:1", error.Message);
        error = Assert.Throws<FormatException>(() => SyncPlan.ReadJsonLines(new StringReader(
            "{\"type\":\"plan\",\"direction\":\"push\",\"repo_id\":\"a/b\",\"repo_type\":\"model\",\"revision\":\"main\",\"local_dir\":\"/x\"}\n"
            + "{\"type\":\"file\",\"path\":\"../evil\",\"state\":\"local_only\",\"action\":\"upload\"}\n"), "p.jsonl"));
        Assert.Contains("p.jsonl:2", error.Message);
        await Task.CompletedTask;
    }
}
