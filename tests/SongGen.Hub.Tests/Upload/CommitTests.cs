using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary>Commits and folder uploads against the emulator: skipping, resuming, conflicts, pull requests, splitting.</summary>
public sealed class CommitTests
{
    private static Dictionary<string, byte[]> SampleFiles() => new()
    {
        ["README.md"] = UploadHarness.Text("# hello\n"),
        ["config.json"] = UploadHarness.Text("{\"a\": 1}\n"),
        ["weights/model.bin"] = UploadHarness.Binary(100_000, 1),
        ["weights/big.bin"] = UploadHarness.Binary(300_000, 2), // above the emulator's multipart threshold (256 KiB)
        ["empty.txt"] = [],
    };

    [Fact]
    public async Task Upload_folder_commits_every_file_with_the_right_content_and_storage()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var files = SampleFiles();
        var folder = UploadHarness.Folder(h, files);
        var committer = new HubCommitter(h.Client);

        var result = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder) { Message = "first upload" }, cancellationToken: ct));

        Assert.Single(result.Commits);
        Assert.Equal(result.CommitOid, await UploadHarness.HeadAsync(h, repo));
        Assert.Equal(5, result.FilesAdded);
        Assert.Equal(2, result.LfsObjectsSent);
        var tree = await UploadHarness.TreeAsync(h, repo);
        foreach (var (path, bytes) in files)
        {
            var (id, lfs, size) = tree[path];
            Assert.Equal(bytes.Length, size);
            Assert.Equal(path.EndsWith(".bin", StringComparison.Ordinal), lfs);
            Assert.Equal(lfs ? ClientTestData.Sha256(bytes) : ClientTestData.GitBlobSha1(bytes), id);
            Assert.Equal(bytes, await h.ServedBytesAsync($"/alice/upload-test/resolve/main/{path}"));
        }
        // The big file went in parts (several PUTs on the CDN), the small one in one.
        Assert.True(UploadHarness.LfsPuts(hub).Count >= 1 + 300_000 / (64 * 1024));
        var commit = (await h.RunList(ct => h.Client.ListTreeAsync(repo, "main", expand: true, cancellationToken: ct))).First(e => e.Path == "README.md");
        Assert.Equal("first upload", commit.LastCommit?.Title);
    }

    [Fact]
    public async Task Re_uploading_the_same_folder_makes_no_commit_and_sends_nothing()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var folder = UploadHarness.Folder(h, SampleFiles());
        var committer = new HubCommitter(h.Client);
        var first = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));
        hub.Emulator.ClearRequests();
        var events = new List<UploadEvent>();

        var again = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), new SyncProgress<UploadEvent>(events.Add), ct));

        Assert.True(again.NothingToCommit);
        Assert.Equal(first.CommitOid, again.CommitOid);
        Assert.Equal(5, again.FilesUnchanged);
        Assert.Empty(UploadHarness.Commits(hub));
        Assert.Empty(UploadHarness.LfsPuts(hub));
        Assert.Contains(events, e => e.Kind == UploadEventKind.NothingToCommit);
        Assert.Equal(first.CommitOid, await UploadHarness.HeadAsync(h, repo));
    }

    [Fact]
    public async Task Only_changed_files_are_committed()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var folder = UploadHarness.Folder(h, SampleFiles());
        var committer = new HubCommitter(h.Client);
        await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));
        UploadHarness.Write(folder, "config.json", UploadHarness.Text("{\"a\": 2}\n"));
        var model = UploadHarness.Binary(100_000, 9);
        UploadHarness.Write(folder, "weights/model.bin", model);
        hub.Emulator.ClearRequests();

        var result = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));

        Assert.Equal(2, result.FilesAdded);
        Assert.Equal(3, result.FilesUnchanged);
        Assert.Equal(1, result.LfsObjectsSent);
        Assert.Single(UploadHarness.LfsPuts(hub));
        Assert.Equal(model, await h.ServedBytesAsync("/alice/upload-test/resolve/main/weights/model.bin"));
    }

    [Fact]
    public async Task An_interrupted_upload_resumes_sending_only_the_objects_the_hub_lacks()
    {
        await using var hub = await UploadHarness.StartAsync();
        // No retries: the interruption must reach the caller, as a killed process would leave it.
        using var h = UploadHarness.Alice(hub, o => { o.Retry.MaxRetries = 0; o.Upload.MaxConcurrentFiles = 1; });
        var repo = await UploadHarness.NewRepoAsync(h);
        var files = Enumerable.Range(0, 4).ToDictionary(i => $"shard-{i}.bin", i => UploadHarness.Binary(120_000, 10 + i));
        var folder = UploadHarness.Folder(h, files);
        var committer = new HubCommitter(h.Client);
        var third = ClientTestData.Sha256(files["shard-2.bin"]);
        // The connection drops in the middle of the third object's PUT.
        hub.Faults.Add(Fault.ResetAfterBytes(50_000), FaultTarget.Upload, pathContains: third, method: "PUT");

        await h.RunFails<Exception>(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));
        var head = await UploadHarness.HeadAsync(h, repo);
        var sentBefore = UploadHarness.LfsPuts(hub).Where(r => r.StatusCode is >= 200 and < 300 && !r.Aborted).Select(r => r.PathAndQuery.Split('?')[0]).ToList();
        Assert.True(2 == sentBefore.Count, string.Join("\n", hub.Emulator.Requests));
        hub.Emulator.ClearRequests();

        var result = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));

        var puts = UploadHarness.LfsPuts(hub);
        Assert.Equal(2, puts.Count); // the third (interrupted) and the fourth (never started)
        Assert.All(puts, put => Assert.DoesNotContain(put.PathAndQuery.Split('?')[0], sentBefore));
        Assert.Contains(puts, put => put.PathAndQuery.Contains(third, StringComparison.Ordinal));
        Assert.Equal(2, result.LfsObjectsSent);
        Assert.Equal(240_000, result.LfsBytesSent);
        Assert.NotEqual(head, result.CommitOid);
        foreach (var (path, bytes) in files)
            Assert.Equal(bytes, await h.ServedBytesAsync($"/alice/upload-test/resolve/main/{path}"));
    }

    [Fact]
    public async Task A_failed_part_is_retried_and_the_multipart_upload_completes()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var big = UploadHarness.Binary(400_000, 3);
        hub.Faults.Add(Fault.Status(503), FaultTarget.Upload, method: "PUT", times: 2);
        var committer = new HubCommitter(h.Client);
        await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("big.bin", big)]), cancellationToken: ct));
        Assert.Equal(2, h.Retries.Count);
        Assert.Equal(big, await h.ServedBytesAsync("/alice/upload-test/resolve/main/big.bin"));
    }

    [Fact]
    public async Task A_stale_parent_is_a_conflict_error_and_nothing_is_overwritten()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        var start = await UploadHarness.HeadAsync(h, repo);
        var theirs = await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("a.txt", UploadHarness.Text("theirs"))]), cancellationToken: ct));

        var error = await h.RunFails<CommitConflictException>(ct => committer.CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromBytes("a.txt", UploadHarness.Text("mine"))]) { ParentCommit = start }, cancellationToken: ct));

        Assert.Contains("moved", error.Message);
        Assert.Equal(start, error.ExpectedParent);
        Assert.Equal(theirs.CommitOid, error.CurrentHead);
        Assert.Equal(UploadHarness.Text("theirs"), await h.ServedBytesAsync("/alice/upload-test/resolve/main/a.txt"));
    }

    [Fact]
    public async Task Create_pr_returns_the_pr_revision_and_leaves_main_alone()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        var main = await UploadHarness.HeadAsync(h, repo);

        var result = await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo,
            [CommitAdd.FromBytes("proposal.txt", UploadHarness.Text("please merge")), CommitAdd.FromBytes("w.bin", UploadHarness.Binary(5000, 4))])
        {
            CreatePullRequest = true, Message = "A proposal", Description = "Longer text",
        }, cancellationToken: ct));

        Assert.Equal("refs/pr/1", result.PullRequestRevision);
        Assert.EndsWith("/discussions/1", result.PullRequestUrl!.ToString());
        Assert.Equal(main, await UploadHarness.HeadAsync(h, repo));
        Assert.Equal(result.CommitOid, await UploadHarness.HeadAsync(h, repo, "refs/pr/1"));
        Assert.Equal(UploadHarness.Text("please merge"), await h.ServedBytesAsync("/alice/upload-test/resolve/refs%2Fpr%2F1/proposal.txt"));
    }

    [Fact]
    public async Task Large_changes_are_split_into_numbered_commits_each_based_on_the_previous()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub, o => o.Upload.MaxFilesPerCommit = 2);
        var repo = await UploadHarness.NewRepoAsync(h);
        var files = Enumerable.Range(0, 5).ToDictionary(i => $"f{i}.txt", i => UploadHarness.Text($"file {i}"));
        var folder = UploadHarness.Folder(h, files);
        var committer = new HubCommitter(h.Client);

        var result = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder) { Message = "Bulk" }, cancellationToken: ct));

        Assert.Equal(3, result.Commits.Count);
        var log = hub.Store.ListFiles("model", "alice/upload-test");
        Assert.Equal(6, log.Count); // five files and .gitattributes
        var tree = await h.RunList(ct => h.Client.ListTreeAsync(repo, "main", expand: true, cancellationToken: ct));
        var titles = tree.Where(e => e.Path.StartsWith('f')).Select(e => e.LastCommit!.Title).Distinct().Order().ToList();
        Assert.Equal(["Bulk (part 1)", "Bulk (part 2)", "Bulk (part 3)"], titles);
    }

    [Fact]
    public async Task Deletes_of_files_and_folders_and_patterns()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var folder = UploadHarness.Folder(h, new Dictionary<string, byte[]>
        {
            ["keep.txt"] = UploadHarness.Text("k"), ["old.log"] = UploadHarness.Text("o"), ["logs/a.txt"] = UploadHarness.Text("a"), ["logs/b.txt"] = UploadHarness.Text("b"),
        });
        var committer = new HubCommitter(h.Client);
        await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));

        await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [new CommitDelete("logs", isFolder: true)]), cancellationToken: ct));
        Assert.Equal([".gitattributes", "keep.txt", "old.log"], (await UploadHarness.TreeAsync(h, repo)).Keys.Order(StringComparer.Ordinal));

        File.Delete(Path.Combine(folder, "old.log"));
        await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder) { Include = ["*.txt"], DeletePatterns = ["*.log"] }, cancellationToken: ct));
        Assert.Equal([".gitattributes", "keep.txt", "logs/a.txt", "logs/b.txt"], (await UploadHarness.TreeAsync(h, repo)).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_tree_listing_outside_the_folder_fails_before_any_delete_is_committed()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var folder = UploadHarness.Folder(h, new Dictionary<string, byte[]> { ["a.txt"] = UploadHarness.Text("a") });
        var committer = new HubCommitter(h.Client);
        await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("other/precious.bin", UploadHarness.Text("p"))]), cancellationToken: ct));
        var head = await UploadHarness.HeadAsync(h, repo);
        // A hostile or broken Hub answers the tree of "ckpt/" with a file of another folder.
        hub.Faults.Add(Fault.Respond(200, "application/json", "[{\"type\":\"file\",\"oid\":\"0123456789012345678901234567890123456789\",\"size\":1,\"path\":\"other/precious.bin\"}]"),
            FaultTarget.Api, pathContains: "/tree/");

        var error = await h.RunFails<HubProtocolException>(ct => committer.UploadFolderAsync(
            new FolderUploadRequest(repo, folder) { PathInRepo = "ckpt", DeletePatterns = ["*"] }, cancellationToken: ct));

        Assert.Contains("other/precious.bin", error.Message);
        Assert.Equal(head, await UploadHarness.HeadAsync(h, repo));
    }

    [Fact]
    public async Task A_commit_answered_with_a_server_error_is_checked_against_the_head_and_sent_once_more()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        var start = await UploadHarness.HeadAsync(h, repo);
        hub.Faults.Add(Fault.Status(502), FaultTarget.Api, pathContains: "/commit/", method: "POST");
        hub.Emulator.ClearRequests();

        var result = await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("x.txt", UploadHarness.Text("x"))]), cancellationToken: ct));

        Assert.Equal(2, UploadHarness.Commits(hub).Count);
        var infoCalls = hub.Emulator.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("/revision/main", StringComparison.Ordinal));
        Assert.True(infoCalls >= 2, "the head is read before the commit is sent again");
        Assert.NotEqual(start, result.CommitOid);
        Assert.Single(result.Commits);
    }

    [Fact]
    public async Task A_file_changed_after_hashing_fails_with_a_local_error_and_no_commit_is_sent_or_retried()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var folder = UploadHarness.Folder(h, new Dictionary<string, byte[]> { ["config.json"] = UploadHarness.Text("{\"a\": 1}\n") });
        var committer = new HubCommitter(h.Client);
        var start = await UploadHarness.HeadAsync(h, repo);
        hub.Emulator.ClearRequests();
        // Same size, other bytes, written once hashing is over and just before the commit body is built.
        var progress = new SyncProgress<UploadEvent>(e =>
        {
            if (e.Kind == UploadEventKind.Committing) UploadHarness.Write(folder, "config.json", UploadHarness.Text("{\"a\": 2}\n"));
        });

        var error = await Assert.ThrowsAsync<IOException>(() => h.Run(ct => committer.CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromFile("config.json", Path.Combine(folder, "config.json"))]), progress, ct)));

        Assert.Contains("changed while it was being uploaded", error.Message, StringComparison.Ordinal);
        Assert.Empty(UploadHarness.Commits(hub));
        Assert.Equal(start, await UploadHarness.HeadAsync(h, repo));
    }

    [Fact]
    public async Task A_commit_applied_but_whose_answer_was_lost_is_recognised_from_the_head_and_not_sent_again()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        // The Hub applies the commit, then the connection drops before its answer arrives.
        var drop = hub.Faults.Add(Fault.ResetAfterBytes(0), FaultTarget.Api, pathContains: "/commit/", method: "POST");
        hub.Emulator.ClearRequests();

        var result = await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo,
            [CommitAdd.FromBytes("x.txt", UploadHarness.Text("x")), CommitAdd.FromBytes("w.bin", UploadHarness.Binary(3000, 7))]), cancellationToken: ct));

        Assert.Equal(1, drop.FiredCount);
        Assert.True(Assert.Single(UploadHarness.Commits(hub)).Aborted);
        Assert.Equal(await UploadHarness.HeadAsync(h, repo), result.CommitOid);
        Assert.Equal(UploadHarness.Text("x"), await h.ServedBytesAsync("/alice/upload-test/resolve/main/x.txt"));
    }

    [Fact]
    public async Task A_commit_that_times_out_is_settled_from_the_head_and_applied_once()
    {
        await using var hub = await UploadHarness.StartAsync();
        // Ten fake seconds for the commit: the harness's clock passes them long before the emulator's real 3 s delay.
        using var h = UploadHarness.Alice(hub, o => o.Upload.CommitTimeout = TimeSpan.FromSeconds(10));
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        var start = await UploadHarness.HeadAsync(h, repo);
        var stall = hub.Faults.Add(Fault.Delay(TimeSpan.FromSeconds(3)), FaultTarget.Api, pathContains: "/commit/", method: "POST");

        var result = await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("t.txt", UploadHarness.Text("t"))]), cancellationToken: ct));
        await Task.Delay(TimeSpan.FromSeconds(4)); // let the stalled request finish on the emulator, whatever it does

        Assert.Equal(1, stall.FiredCount);
        Assert.Equal(result.CommitOid, await UploadHarness.HeadAsync(h, repo));
        Assert.Equal(UploadHarness.Text("t"), await h.ServedBytesAsync("/alice/upload-test/resolve/main/t.txt"));
        // Exactly one commit on top of the start: the parent pin refused any second application.
        using var http = hub.CreateHttpClient(TestHub.AliceToken);
        using var commits = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/models/alice/upload-test/commits/main"));
        Assert.Equal([result.CommitOid, start], commits.RootElement.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_lost_answer_with_someone_elses_commit_on_top_is_a_conflict_not_a_resend()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        var start = await UploadHarness.HeadAsync(h, repo);
        // Someone else's commit lands, and ours (based on the old head) fails with a 503 the Hub did not apply.
        await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("theirs.txt", UploadHarness.Text("t"))]), cancellationToken: ct));
        hub.Faults.Add(Fault.Status(503), FaultTarget.Api, pathContains: "/commit/", method: "POST");
        hub.Emulator.ClearRequests();

        await h.RunFails<CommitConflictException>(ct => committer.CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromBytes("mine.txt", UploadHarness.Text("m"))]) { ParentCommit = start }, cancellationToken: ct));

        Assert.Single(UploadHarness.Commits(hub));
        Assert.DoesNotContain("mine.txt", (await UploadHarness.TreeAsync(h, repo)).Keys);
    }

    [Fact]
    public async Task A_dataset_upload_uses_the_dataset_urls_for_preupload_lfs_and_commit()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h, "data-up", RepoType.Dataset);
        var rows = UploadHarness.Binary(50_000, 8);
        await h.Run(ct => new HubCommitter(h.Client).CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromBytes("data/train.bin", rows), CommitAdd.FromBytes("README.md", UploadHarness.Text("# data"))]), cancellationToken: ct));
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery == "/datasets/alice/data-up.git/info/lfs/objects/batch");
        Assert.Equal(rows, await h.ServedBytesAsync("/datasets/alice/data-up/resolve/main/data/train.bin"));
        Assert.True((await UploadHarness.TreeAsync(h, repo))["data/train.bin"].Lfs);
    }

    [Fact]
    public async Task Files_the_repos_gitignore_matches_are_left_out()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var committer = new HubCommitter(h.Client);
        await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes(".gitignore", UploadHarness.Text("*.tmp\n"))]), cancellationToken: ct));
        var folder = UploadHarness.Folder(h, new Dictionary<string, byte[]> { ["a.txt"] = UploadHarness.Text("a"), ["scratch.tmp"] = UploadHarness.Text("s") });

        var result = await h.Run(ct => committer.UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));

        Assert.Equal(1, result.FilesIgnored);
        Assert.Equal(1, result.FilesAdded);
        Assert.DoesNotContain("scratch.tmp", (await UploadHarness.TreeAsync(h, repo)).Keys);
    }

    [Fact]
    public async Task Rate_limited_uploads_wait_as_told_and_go_on()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        hub.Faults.Add(Fault.Status(429, retryAfterSeconds: 7), FaultTarget.Upload, method: "PUT");
        var bytes = UploadHarness.Binary(20_000, 11);
        await h.Run(ct => new HubCommitter(h.Client).CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("w.bin", bytes)]), cancellationToken: ct));
        Assert.Equal(TimeSpan.FromSeconds(8), Assert.Single(h.Retries).Delay);
        Assert.Equal(bytes, await h.ServedBytesAsync("/alice/upload-test/resolve/main/w.bin"));
    }

    [Fact]
    public async Task A_readme_with_invalid_metadata_is_refused_before_anything_is_sent()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var head = await UploadHarness.HeadAsync(h, repo);
        hub.Emulator.ClearRequests();
        var card = UploadHarness.Text("---\nlicense: [unclosed\n---\n# Card\n");

        var error = await h.RunFails<HubHttpException>(ct => new HubCommitter(h.Client).CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromBytes("README.md", card), CommitAdd.FromBytes("w.bin", UploadHarness.Binary(5000, 12))]), cancellationToken: ct));

        Assert.Contains("README.md", error.Message);
        Assert.Contains("nothing was uploaded", error.Message);
        Assert.Empty(UploadHarness.LfsPuts(hub));
        Assert.Empty(UploadHarness.Commits(hub));
        Assert.Equal(head, await UploadHarness.HeadAsync(h, repo));
        // A valid card goes through.
        await h.Run(ct => new HubCommitter(h.Client).CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromBytes("README.md", UploadHarness.Text("---\nlicense: mit\n---\n# Card\n"))]), cancellationToken: ct));
    }

    [Fact]
    public async Task A_permanent_error_fails_fast_without_retries()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        hub.Faults.Add(Fault.Status(403, errorMessage: "Storage limit exceeded"), FaultTarget.Upload, method: "POST", times: 10);
        var committer = new HubCommitter(h.Client);
        var error = await h.RunFails<HubUnauthorizedException>(ct => committer.CreateCommitAsync(
            new CommitRequest(repo, [CommitAdd.FromBytes("w.bin", UploadHarness.Binary(2000, 5))]), cancellationToken: ct));
        Assert.Contains("Storage limit exceeded", error.Message);
        Assert.Empty(h.Retries);
        Assert.Empty(UploadHarness.Commits(hub));
    }

    [Fact]
    public async Task Progress_reports_hashing_uploading_and_committing()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h);
        var events = new List<UploadEvent>();
        var committer = new HubCommitter(h.Client);
        await h.Run(ct => committer.CreateCommitAsync(new CommitRequest(repo, [CommitAdd.FromBytes("w.bin", UploadHarness.Binary(200_000, 6))]),
            new SyncProgress<UploadEvent>(events.Add), ct));
        var kinds = events.Select(e => e.Kind).Distinct().ToList();
        Assert.Equal([UploadEventKind.Planned, UploadEventKind.Hashing, UploadEventKind.Uploading, UploadEventKind.FileUploaded,
            UploadEventKind.Committing, UploadEventKind.Committed, UploadEventKind.Completed], kinds);
        var uploaded = events.Last(e => e.Kind == UploadEventKind.FileUploaded);
        Assert.Equal(200_000, uploaded.Bytes);
        Assert.Equal(200_000, uploaded.Total);
    }
}
