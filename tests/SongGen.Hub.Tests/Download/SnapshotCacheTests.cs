using System.Text;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>Snapshot and single-file downloads into the Python-compatible cache, checked file by file on disk.</summary>
public sealed class SnapshotCacheTests
{
    private const string DemoFolder = "models--songgen--songgen-demo";

    [Fact]
    public async Task Snapshot_writes_the_exact_python_layout_with_the_served_bytes()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var repo = ClientHarness.Demo;
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId);

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(repo), cancellationToken: ct));

        var root = h.CacheDir;
        var repoFolder = Path.Combine(root, DemoFolder);
        Assert.Equal(Path.Combine(repoFolder, "snapshots", commit), result.Folder);
        Assert.Equal(commit, result.Plan.Commit);
        Assert.Equal(HubCacheLayout.CacheDirTagContent, await File.ReadAllTextAsync(Path.Combine(root, "CACHEDIR.TAG")));
        Assert.True(Directory.Exists(Path.Combine(root, ".locks", DemoFolder)));

        // refs/main: the commit, 40 bytes, no newline.
        Assert.Equal(Encoding.ASCII.GetBytes(commit), await File.ReadAllBytesAsync(Path.Combine(repoFolder, "refs", "main")));

        // Exactly these entries in the repo folder, nothing else (no partials, no temp files).
        var etags = files.ToDictionary(f => f.Path, f => f.IsLfs ? f.Sha256 : f.BlobId);
        var expectedEntries = new List<string> { "blobs", "refs", "refs/main", "snapshots", $"snapshots/{commit}", "trees", $"trees/{commit}.json", $"snapshots/{commit}/tokenizer" };
        expectedEntries.AddRange(etags.Values.Distinct().Select(e => $"blobs/{e}"));
        expectedEntries.AddRange(files.Select(f => $"snapshots/{commit}/{f.Path}"));
        Assert.Equal(expectedEntries.Order(StringComparer.Ordinal), ClientTestData.EntriesUnder(repoFolder));

        foreach (var file in files)
        {
            var pointer = Path.Combine(result.Folder, file.Path);
            var depth = file.Path.Count(c => c == '/');
            var expectedTarget = string.Concat(Enumerable.Repeat("../", depth + 2)) + "blobs/" + etags[file.Path];
            Assert.Equal(expectedTarget, new FileInfo(pointer).LinkTarget);
            var bytes = await File.ReadAllBytesAsync(pointer);
            Assert.Equal(await h.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/main/{file.Path}"), bytes);
            Assert.Equal(etags[file.Path], file.IsLfs ? ClientTestData.Sha256(bytes) : ClientTestData.GitBlobSha1(bytes));
        }
        Assert.Equal(64, etags[DemoRepos.SafetensorsPath].Length); // LFS blob named by sha256
        Assert.Equal(40, etags["config.json"].Length);              // regular blob named by git sha1
        Assert.Equal("../../../blobs/" + etags[DemoRepos.TokenizerPath], new FileInfo(Path.Combine(result.Folder, "tokenizer", "spiece.model")).LinkTarget);

        // trees/<commit>.json lists every file with its git oid and LFS sha256.
        var tree = h.Cache.ReadTreeCache(repo, commit)!;
        Assert.Equal(files.Select(f => f.Path).Order(StringComparer.Ordinal), tree.Keys.Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            Assert.Equal(file.BlobId, tree[file.Path].BlobId);
            Assert.Equal(file.Size, tree[file.Path].Size);
            Assert.Equal(file.IsLfs ? file.Sha256 : null, tree[file.Path].LfsSha256);
        }
        Assert.Empty(DownloadTestRepos.Leftovers(root));
    }

    [Fact]
    public async Task Include_and_exclude_patterns_pick_the_files()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(
            new SnapshotRequest(ClientHarness.Demo) { Include = ["*.json", "tokenizer/*", "*.md"], Exclude = ["README*"] }, cancellationToken: ct));

        Assert.Equal(["config.json", DemoRepos.TokenizerPath], result.Plan.Files.Select(f => f.Path));
        Assert.Equal(["config.json", "tokenizer/spiece.model"], ClientTestData.FilesUnder(result.Folder));
        Assert.DoesNotContain(hub.Emulator.Requests, r => r.PathAndQuery.Contains("README") || r.Host == EmulatorHost.Cdn);
    }

    [Theory]
    [InlineData(DemoRepos.ModelTag, "refs/v1.0")]
    [InlineData(DemoRepos.ModelBranch, "refs/dev")]
    [InlineData("refs/pr/1", "refs/refs/pr/1")]
    public async Task Snapshot_at_a_tag_branch_or_pull_request_records_its_ref(string revision, string refFile)
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, revision)!;

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(
            new SnapshotRequest(ClientHarness.Demo) { Revision = revision, Exclude = ["*.safetensors"] }, cancellationToken: ct));

        Assert.Equal(commit, result.Plan.Commit);
        var repoFolder = Path.Combine(h.CacheDir, DemoFolder);
        Assert.Equal(commit, await File.ReadAllTextAsync(Path.Combine(repoFolder, refFile)));
        Assert.Equal([refFile], ClientTestData.FilesUnder(Path.Combine(repoFolder, "refs")).Select(f => "refs/" + f));
        var expected = hub.Store.ListFiles("model", DemoRepos.ModelId, revision).Where(f => !f.Path.EndsWith(".safetensors")).Select(f => f.Path);
        Assert.Equal(expected.Order(StringComparer.Ordinal), ClientTestData.FilesUnder(result.Folder));
        foreach (var path in expected)
            Assert.Equal(await h.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/{Uri.EscapeDataString(revision)}/{path}"),
                await File.ReadAllBytesAsync(Path.Combine(result.Folder, path)));
    }

    [Fact]
    public async Task Snapshot_at_a_commit_writes_no_ref_and_reuses_blobs_shared_with_main()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var tagCommit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag)!;
        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));
        hub.Emulator.ClearRequests();

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Revision = tagCommit }, cancellationToken: ct));

        Assert.Equal(tagCommit, result.Plan.Commit);
        Assert.Equal(["main"], ClientTestData.FilesUnder(h.Cache.RefsFolder(ClientHarness.Demo)));
        // Only README.md changed after v1.0: it is the one file fetched; the others' blobs are already there.
        var fetched = hub.Emulator.Requests.Where(r => r.PathAndQuery.Contains("/resolve/") || r.Host == EmulatorHost.Cdn).Select(r => r.PathAndQuery).ToList();
        Assert.Equal([$"/{DemoRepos.ModelId}/resolve/{tagCommit}/README.md"], fetched);
        Assert.DoesNotContain(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/revision/")); // a commit needs no repo info
        Assert.Equal(hub.Store.ListFiles("model", DemoRepos.ModelId, tagCommit).Select(f => f.Path).Order(StringComparer.Ordinal),
            ClientTestData.FilesUnder(result.Folder));
        Assert.Equal(await h.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/{tagCommit}/README.md"),
            await File.ReadAllBytesAsync(Path.Combine(result.Folder, "README.md")));
    }

    [Fact]
    public async Task Filtered_snapshot_caches_the_whole_listing_so_a_later_full_snapshot_at_the_commit_gets_every_file()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        var all = hub.Store.ListFiles("model", DemoRepos.ModelId).Select(f => f.Path).Order(StringComparer.Ordinal).ToList();

        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Include = ["config.json"] }, cancellationToken: ct));
        Assert.Equal(all, h.Cache.ReadTreeCache(ClientHarness.Demo, commit)!.Keys.Order(StringComparer.Ordinal));

        var full = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Revision = commit }, cancellationToken: ct));
        Assert.Equal(all, ClientTestData.FilesUnder(full.Folder));
        Assert.Equal(DemoRepos.BuildSafetensors(), await File.ReadAllBytesAsync(Path.Combine(full.Folder, DemoRepos.SafetensorsPath)));
    }

    [Fact]
    public async Task Second_snapshot_makes_no_file_requests_and_reports_every_file_skipped()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var request = new SnapshotRequest(ClientHarness.Demo);
        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct));
        hub.Emulator.ClearRequests();
        var events = new List<DownloadEvent>();

        var plan = await h.Run(ct => h.Downloader.PlanSnapshotAsync(request, ct));
        Assert.All(plan.Files, f => Assert.True(f.AlreadyPresent, f.Path));
        Assert.Equal(0, plan.BytesToDownload);
        var again = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(request, new SyncProgress<DownloadEvent>(events.Add), ct));

        Assert.DoesNotContain(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/resolve/") || r.Host == EmulatorHost.Cdn);
        Assert.All(hub.Emulator.Requests, r => Assert.StartsWith("/api/models/songgen/songgen-demo/", r.PathAndQuery));
        var skipped = events.Where(e => e.Kind == DownloadEventKind.FileSkipped).Select(e => e.Path).Order(StringComparer.Ordinal);
        Assert.Equal(again.Plan.Files.Select(f => f.Path).Order(StringComparer.Ordinal), skipped);
        Assert.DoesNotContain(events, e => e.Kind is DownloadEventKind.FileStarted or DownloadEventKind.FileCompleted);
        var done = events.Last();
        Assert.Equal(DownloadEventKind.Completed, done.Kind);
        Assert.Equal(done.TotalExpected, done.TotalBytes);
    }

    [Fact]
    public async Task Download_file_at_a_cached_commit_makes_no_request_and_at_a_branch_only_a_head()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        var first = await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));
        Assert.Equal(h.Cache.SnapshotFilePath(ClientHarness.Demo, commit, "config.json"), first);
        Assert.Equal(commit, await File.ReadAllTextAsync(h.Cache.RefPath(ClientHarness.Demo, "main")));
        hub.Emulator.ClearRequests();

        Assert.Equal(first, await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", commit, cancellationToken: ct)));
        Assert.Empty(hub.Emulator.Requests);

        Assert.Equal(first, await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", cancellationToken: ct)));
        var head = Assert.Single(hub.Emulator.Requests);
        Assert.Equal("HEAD", head.Method);
    }

    [Fact]
    public async Task Two_concurrent_snapshots_into_one_cache_fetch_each_blob_once()
    {
        await using var hub = await TestHub.StartAsync();
        using var first = ClientHarness.Create(hub);
        using var second = ClientHarness.Create(hub, cacheDir: first.CacheDir);
        var request = new SnapshotRequest(ClientHarness.Demo);

        var results = await Task.WhenAll(
            first.Run(ct => first.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct)),
            second.Run(ct => second.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct)));

        Assert.Equal(results[0].Folder, results[1].Folder);
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId);
        foreach (var file in files)
            Assert.Equal(file.Sha256, ClientTestData.Sha256(await File.ReadAllBytesAsync(Path.Combine(results[0].Folder, file.Path))));
        var weightsParts = (DemoRepos.BuildSafetensors().Length + ClientHarness.PartSize - 1) / ClientHarness.PartSize;
        Assert.Equal(weightsParts, DownloadTestRepos.CdnRequests(hub).Count);
        Assert.Equal(files.Count(f => !f.IsLfs), hub.Emulator.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("/resolve/") && r.StatusCode == 200));
        Assert.Empty(DownloadTestRepos.Leftovers(first.CacheDir));
    }

    [Fact]
    public async Task Cdn_requests_never_carry_the_token_and_hub_requests_always_do()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);

        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));
        var single = await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.SafetensorsPath, DemoRepos.ModelBranch, force: true, cancellationToken: ct));

        Assert.Equal(DemoRepos.BuildSafetensors(), await File.ReadAllBytesAsync(single));
        var requests = hub.Emulator.Requests;
        Assert.Contains(requests, r => r.Host == EmulatorHost.Cdn);
        Assert.All(requests.Where(r => r.Host == EmulatorHost.Cdn), r => Assert.False(r.HasAuthorization, r.PathAndQuery));
        Assert.All(requests.Where(r => r.Host == EmulatorHost.Hub), r => Assert.True(r.HasAuthorization, r.PathAndQuery));
    }

    [Fact]
    public async Task Disabled_symlinks_give_plain_copies()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub, configure: o => o.DisableSymlinks = true);

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));

        foreach (var file in hub.Store.ListFiles("model", DemoRepos.ModelId))
        {
            var pointer = new FileInfo(Path.Combine(result.Folder, file.Path));
            Assert.Null(pointer.LinkTarget);
            Assert.Equal(file.Size, pointer.Length);
            Assert.Equal(file.Sha256, ClientTestData.Sha256(await File.ReadAllBytesAsync(pointer.FullName)));
        }
    }

    [Fact]
    public async Task Dataset_snapshot_uses_the_dataset_urls_and_folder()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var commit = hub.Store.ResolveRevision("dataset", DemoRepos.DatasetId, "main")!;

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.DemoDataset) { Include = ["data/*"] }, cancellationToken: ct));

        Assert.Equal(Path.Combine(h.CacheDir, "datasets--songgen--demo-songs", "snapshots", commit), result.Folder);
        Assert.Equal(["data/test.jsonl", "data/train.jsonl"], ClientTestData.FilesUnder(result.Folder));
        Assert.Equal(await h.ServedBytesAsync("/datasets/songgen/demo-songs/resolve/main/data/train.jsonl"),
            await File.ReadAllBytesAsync(Path.Combine(result.Folder, "data", "train.jsonl")));
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.StartsWith("/api/datasets/songgen/demo-songs/revision/main", StringComparison.Ordinal));
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.StartsWith($"/datasets/songgen/demo-songs/resolve/{commit}/data/", StringComparison.Ordinal));
        var single = await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.DemoDataset, "lyrics/morning-light.txt", cancellationToken: ct));
        Assert.StartsWith(Path.Combine(h.CacheDir, "datasets--songgen--demo-songs", "snapshots", commit), single);
    }
}
