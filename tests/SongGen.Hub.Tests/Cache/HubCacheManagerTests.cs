using System.Text;

namespace SongGen.Hub.Tests.Cache;

public sealed class HubCacheManagerTests : IDisposable
{
    private static readonly RepoId Seed = RepoId.Parse("alice/seed");
    private static readonly RepoId Set = RepoId.Parse("org/set", RepoType.Dataset);
    private static readonly RepoId Gpt2 = RepoId.Parse("gpt2");
    private static readonly string Main = CacheBuilder.Commit('a');   // refs/main
    private static readonly string Pr = CacheBuilder.Commit('b');     // refs/refs/pr/1
    private static readonly string Old = CacheBuilder.Commit('c');    // detached
    private static readonly string SetMain = CacheBuilder.Commit('d');
    private static readonly string Gpt2Main = CacheBuilder.Commit('e');

    private const string Readme = "# seed\n";
    private const string Config = "{\"hidden\": 8}";
    private const string WeightsV1 = "weights v1 ......";
    private const string WeightsV2 = "weights v2 ..........";
    private const string Notes = "old notes";

    private readonly TempFolder temp = new();
    private readonly CacheBuilder cache;
    private readonly HubCacheManager manager;

    public HubCacheManagerTests()
    {
        cache = new CacheBuilder(temp.Combine("hub"));
        manager = new HubCacheManager(cache.Layout);
    }

    public void Dispose() => temp.Dispose();

    private HubCacheLayout Layout => cache.Layout;

    private static long Bytes(string text) => Encoding.UTF8.GetByteCount(text);

    /// <summary>Three revisions of alice/seed sharing README.md, a dataset and a namespace-less model.</summary>
    private void BuildStandardCache()
    {
        cache.File_(Seed, Main, "README.md", Readme);
        cache.File_(Seed, Main, "sub/config.json", Config);
        cache.File_(Seed, Main, "model.safetensors", WeightsV1, lfs: true);
        cache.File_(Seed, Pr, "README.md", Readme);
        cache.File_(Seed, Pr, "model.safetensors", WeightsV2, lfs: true);
        cache.File_(Seed, Old, "README.md", Readme);
        cache.File_(Seed, Old, "notes.txt", Notes);
        cache.Ref(Seed, "main", Main).Ref(Seed, "refs/pr/1", Pr);
        Directory.CreateDirectory(Path.GetDirectoryName(Layout.LockPath(Seed, "x"))!);
        File.WriteAllText(Layout.LockPath(Seed, "x"), "");

        cache.File_(Set, SetMain, "data/train.parquet", "PAR1", lfs: true);
        cache.Ref(Set, "main", SetMain);
        cache.File_(Gpt2, Gpt2Main, "config.json", "{}");
        cache.Ref(Gpt2, "main", Gpt2Main);
        Layout.EnsureCacheDirTag();
    }

    private CachedRepo ScanOne(RepoId repo) => Assert.Single(manager.Scan(repo).Repos);

    // ------------------------------------------------------------------ scan

    [Fact]
    public void Scan_lists_repos_refs_revisions_and_sizes()
    {
        BuildStandardCache();
        HubCacheScan scan = manager.Scan();

        Assert.Empty(scan.Warnings);
        Assert.Equal([Set, Seed, Gpt2], scan.Repos.Select(r => r.Repo)); // folder name order
        CachedRepo seed = scan.Repos.Single(r => r.Repo == Seed);
        Assert.Equal(Layout.RepoFolder(Seed), seed.Folder);
        Assert.Equal(new Dictionary<string, string> { ["main"] = Main, ["refs/pr/1"] = Pr }, seed.Refs);
        Assert.Equal(5, seed.FileCount); // README shared by three revisions counts once
        Assert.Equal(Bytes(Readme) + Bytes(Config) + Bytes(WeightsV1) + Bytes(WeightsV2) + Bytes(Notes), seed.SizeOnDisk);
        Assert.Equal(0, seed.UnreferencedBlobBytes);
        Assert.Empty(seed.IncompleteDownloads);

        Assert.Equal([Main, Pr, Old], seed.Revisions.Select(r => r.Commit));
        CachedRevision main = seed.Revisions[0];
        Assert.Equal(["main"], main.Refs);
        Assert.False(main.IsDetached);
        Assert.Equal(["README.md", "model.safetensors", "sub/config.json"], main.Files.Select(f => f.RepoPath));
        Assert.Equal(Bytes(Readme) + Bytes(Config) + Bytes(WeightsV1), main.SizeOnDisk);
        CachedFile config = main.Files.Single(f => f.RepoPath == "sub/config.json");
        Assert.True(config.IsSymlink);
        Assert.Equal(Layout.SnapshotFilePath(Seed, Main, "sub/config.json"), config.PointerPath);
        Assert.Equal(Layout.BlobPath(Seed, CacheBuilder.GitBlobSha1(Encoding.UTF8.GetBytes(Config))), config.BlobPath);
        Assert.Equal(Bytes(Config), config.Size);
        Assert.Equal(["refs/pr/1"], seed.Revisions[1].Refs);
        Assert.True(seed.Revisions[2].IsDetached);

        Assert.Equal(4, scan.Repos.Single(r => r.Repo == Set).SizeOnDisk);
        Assert.Equal(scan.Repos.Sum(r => r.SizeOnDisk), scan.SizeOnDisk);
    }

    [Theory]
    [InlineData("models--alice--seed", "alice/seed", RepoType.Model)]
    [InlineData("datasets--org--set", "org/set", RepoType.Dataset)]
    [InlineData("spaces--org--app", "org/app", RepoType.Space)]
    [InlineData("models--gpt2", "gpt2", RepoType.Model)]
    public void Repo_folder_names_parse(string folder, string id, RepoType type)
    {
        Assert.Equal(new RepoId(type, id), HubCacheManager.TryParseRepoFolder(folder));
    }

    [Theory]
    [InlineData("models")]
    [InlineData("kernels--org--x")]
    [InlineData("models--")]
    [InlineData("models--a--b--c")]
    [InlineData("models--a----b")]
    [InlineData("model--org--x")]
    public void Other_folder_names_do_not_parse(string folder)
    {
        Assert.Null(HubCacheManager.TryParseRepoFolder(folder));
    }

    [Fact]
    public void Scan_of_a_missing_cache_is_empty()
    {
        HubCacheScan scan = new HubCacheManager(temp.Combine("nowhere")).Scan();
        Assert.Empty(scan.Repos);
        Assert.Empty(scan.Warnings);
    }

    [Fact]
    public void Scan_reports_damage_as_warnings_and_keeps_going()
    {
        BuildStandardCache();
        // A broken symlink: its blob was deleted behind the cache's back.
        File.Delete(Layout.BlobPath(Seed, CacheBuilder.GitBlobSha1(Encoding.UTF8.GetBytes(Notes))));
        // A file directly under snapshots/.
        File.WriteAllText(Path.Combine(Layout.SnapshotsFolder(Seed), "stray.txt"), "x");
        // A ref to a commit without snapshot.
        cache.Ref(Seed, "dev", CacheBuilder.Commit('f'));
        // Folders that are not repos, and a repo without snapshots.
        Directory.CreateDirectory(Path.Combine(Layout.Root, "not-a-repo"));
        Directory.CreateDirectory(Path.Combine(Layout.Root, "models--a--b--c"));
        RepoId fresh = RepoId.Parse("bob/fresh");
        Directory.CreateDirectory(Layout.BlobsFolder(fresh));
        File.WriteAllText(Path.Combine(Layout.Root, "version.txt"), "1");

        HubCacheScan scan = manager.Scan();

        Assert.Equal(
            [CacheWarningKind.NotARepoFolder, CacheWarningKind.BrokenSymlink, CacheWarningKind.FileInSnapshotsFolder, CacheWarningKind.DanglingRef,
             CacheWarningKind.MissingSnapshotsFolder, CacheWarningKind.NotARepoFolder],
            scan.Warnings.Select(w => w.Kind));
        Assert.Contains(scan.Warnings, w => w.Kind == CacheWarningKind.BrokenSymlink && w.Path == Layout.SnapshotFilePath(Seed, Old, "notes.txt"));
        Assert.Contains(scan.Warnings, w => w.Kind == CacheWarningKind.DanglingRef && w.Message.Contains("'dev'", StringComparison.Ordinal));

        CachedRepo seed = scan.Repos.Single(r => r.Repo == Seed);
        Assert.Equal(["README.md"], seed.Revisions.Single(r => r.Commit == Old).Files.Select(f => f.RepoPath));
        Assert.Equal(CacheBuilder.Commit('f'), seed.Refs["dev"]);
        Assert.Empty(scan.Repos.Single(r => r.Repo == fresh).Revisions);
    }

    [Fact]
    public void Scan_counts_unreferenced_blobs_and_partial_downloads_separately()
    {
        BuildStandardCache();
        string orphan = cache.Blob(Seed, "nobody links me");
        string partialEtag = new('9', 64);
        File.WriteAllText(Path.Combine(Layout.BlobsFolder(Seed), partialEtag + ".incomplete"), "12345");
        File.WriteAllText(Path.Combine(Layout.BlobsFolder(Seed), partialEtag + ".0badcafe.incomplete"), "123");

        CachedRepo seed = ScanOne(Seed);
        Assert.Equal(Bytes("nobody links me"), seed.UnreferencedBlobBytes);
        Assert.Equal(5, seed.FileCount);
        Assert.Equal(Bytes(Readme) + Bytes(Config) + Bytes(WeightsV1) + Bytes(WeightsV2) + Bytes(Notes) + Bytes("nobody links me"), seed.SizeOnDisk);
        Assert.Equal(8, seed.IncompleteBytes);
        Assert.All(seed.IncompleteDownloads, i => Assert.Equal(partialEtag, i.Etag));
        Assert.DoesNotContain(orphan, seed.IncompleteDownloads.Select(i => i.Etag));
    }

    [Fact]
    public void Scan_handles_copies_made_without_symlinks()
    {
        string etag = cache.Blob(Seed, "copied");
        Layout.LinkIntoSnapshot(Layout.BlobPath(Seed, etag), Layout.SnapshotFilePath(Seed, Main, "a.bin"), useSymlinks: false);
        cache.Ref(Seed, "main", Main);

        CachedRepo seed = ScanOne(Seed);
        CachedFile file = Assert.Single(Assert.Single(seed.Revisions).Files);
        Assert.False(file.IsSymlink);
        Assert.Equal(file.PointerPath, file.BlobPath);
        Assert.Equal(Bytes("copied") * 2, seed.SizeOnDisk); // the copy and the kept blob are both on disk
        Assert.Equal(Bytes("copied"), seed.UnreferencedBlobBytes);
    }

    // ------------------------------------------------------------------ verify

    [Fact]
    public async Task Verify_rehashes_every_blob_once()
    {
        BuildStandardCache();
        long reported = 0;
        CacheVerifyResult result = await manager.VerifyAsync(Seed, null, new ContentHasherTests.SyncProgress(n => reported += n));

        Assert.Empty(result.Warnings);
        Assert.Equal([Main, Pr, Old], result.Commits);
        Assert.Equal(7, result.Files.Count);
        Assert.All(result.Files, f => Assert.Equal(FileVerifyStatus.Ok, f.Status));
        Assert.False(result.HasFailures);
        long distinct = Bytes(Readme) + Bytes(Config) + Bytes(WeightsV1) + Bytes(WeightsV2) + Bytes(Notes);
        Assert.Equal(distinct, result.BytesHashed);
        Assert.Equal(distinct, reported);
        FileVerifyResult weights = result.Files.First(f => f.RepoPath == "model.safetensors");
        Assert.Equal(CacheBuilder.Sha256(Encoding.UTF8.GetBytes(WeightsV1)), weights.Expected);
        Assert.Equal(weights.Expected, weights.Actual);
    }

    [Fact]
    public async Task Verify_one_revision_by_ref_commit_or_prefix()
    {
        BuildStandardCache();
        Assert.Equal([Main], (await manager.VerifyAsync(Seed, "main")).Commits);
        Assert.Equal([Pr], (await manager.VerifyAsync(Seed, "refs/pr/1")).Commits);
        Assert.Equal([Old], (await manager.VerifyAsync(Seed, Old)).Commits);
        Assert.Equal([Old], (await manager.VerifyAsync(Seed, "cccccc")).Commits);
        Assert.Equal(3, (await manager.VerifyAsync(Seed, "main")).Files.Count);
    }

    [Fact]
    public async Task Verify_reports_what_is_not_cached()
    {
        BuildStandardCache();
        CacheVerifyResult unknownRevision = await manager.VerifyAsync(Seed, "nope");
        Assert.Empty(unknownRevision.Files);
        Assert.Contains("'nope'", Assert.Single(unknownRevision.Warnings), StringComparison.Ordinal);
        CacheVerifyResult unknownRepo = await manager.VerifyAsync(RepoId.Parse("x/y"), null);
        Assert.Empty(unknownRepo.Files);
        Assert.Single(unknownRepo.Warnings);
    }

    [Fact]
    public async Task Verify_detects_corrupt_truncated_missing_and_broken_files()
    {
        BuildStandardCache();
        string weightsEtag = CacheBuilder.Sha256(Encoding.UTF8.GetBytes(WeightsV1));
        File.WriteAllText(Layout.BlobPath(Seed, weightsEtag), "weights v1 ....X."); // same size, one byte flipped
        string configEtag = CacheBuilder.GitBlobSha1(Encoding.UTF8.GetBytes(Config));
        File.WriteAllText(Layout.BlobPath(Seed, configEtag), "{\"hid"); // truncated git blob
        string readmeEtag = CacheBuilder.GitBlobSha1(Encoding.UTF8.GetBytes(Readme));
        File.Delete(Layout.BlobPath(Seed, readmeEtag));
        File.CreateSymbolicLink(Layout.SnapshotFilePath(Seed, Main, "elsewhere.txt"), "../../../gone/file.txt");
        string odd = Path.Combine(Layout.BlobsFolder(Seed), "not-an-etag");
        File.WriteAllText(odd, "?");
        File.CreateSymbolicLink(Layout.SnapshotFilePath(Seed, Main, "odd.txt"), "../../blobs/not-an-etag");

        CacheVerifyResult result = await manager.VerifyAsync(Seed, "main");
        var byPath = result.Files.ToDictionary(f => f.RepoPath);

        Assert.Equal(FileVerifyStatus.HashMismatch, byPath["model.safetensors"].Status);
        Assert.Equal(weightsEtag, byPath["model.safetensors"].Expected);
        Assert.Equal(CacheBuilder.Sha256(Encoding.UTF8.GetBytes("weights v1 ....X.")), byPath["model.safetensors"].Actual);
        Assert.Equal(FileVerifyStatus.HashMismatch, byPath["sub/config.json"].Status);
        Assert.Equal(CacheBuilder.GitBlobSha1(Encoding.UTF8.GetBytes("{\"hid")), byPath["sub/config.json"].Actual);
        Assert.Equal(FileVerifyStatus.MissingBlob, byPath["README.md"].Status);
        Assert.Equal(readmeEtag, byPath["README.md"].Expected);
        Assert.Equal(FileVerifyStatus.BrokenLink, byPath["elsewhere.txt"].Status);
        Assert.Equal(FileVerifyStatus.Unverifiable, byPath["odd.txt"].Status);
        Assert.True(result.HasFailures);
        Assert.Equal(4, result.Failures.Count());
    }

    [Fact]
    public async Task Verify_checks_copies_against_the_cached_tree_listing()
    {
        byte[] good = Encoding.UTF8.GetBytes("copied content");
        string etag = cache.Blob(Seed, "copied content", lfs: true);
        Layout.LinkIntoSnapshot(Layout.BlobPath(Seed, etag), Layout.SnapshotFilePath(Seed, Main, "good.bin"), useSymlinks: false);
        Layout.LinkIntoSnapshot(Layout.BlobPath(Seed, etag), Layout.SnapshotFilePath(Seed, Main, "bad.bin"), useSymlinks: false);
        Layout.LinkIntoSnapshot(Layout.BlobPath(Seed, etag), Layout.SnapshotFilePath(Seed, Main, "unlisted.bin"), useSymlinks: false);
        File.WriteAllText(Layout.SnapshotFilePath(Seed, Main, "bad.bin"), "tampered");
        string regular = CacheBuilder.GitBlobSha1(good);
        Layout.WriteTreeCache(Seed, Main,
        [
            new TreeCacheEntry("good.bin", good.Length, regular, etag, good.Length),
            new TreeCacheEntry("bad.bin", good.Length, regular, etag, good.Length),
        ]);

        var byPath = (await manager.VerifyAsync(Seed, Main)).Files.ToDictionary(f => f.RepoPath);
        Assert.Equal(FileVerifyStatus.Ok, byPath["good.bin"].Status);
        Assert.Equal(FileVerifyStatus.HashMismatch, byPath["bad.bin"].Status);
        Assert.Equal(FileVerifyStatus.Unverifiable, byPath["unlisted.bin"].Status);
    }

    [Fact]
    public async Task Verify_honours_cancellation()
    {
        BuildStandardCache();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => manager.VerifyAsync(Seed, null, null, new CancellationToken(canceled: true)));
    }

    // ------------------------------------------------------------------ rm

    [Fact]
    public void Remove_repo_deletes_its_folder_and_locks_only()
    {
        BuildStandardCache();
        long size = ScanOne(Seed).SizeOnDisk;
        CacheDeletePlan plan = manager.PlanRemove(Seed, (string?)null);

        Assert.Equal([CacheDeletionKind.Repo, CacheDeletionKind.Locks], plan.Deletions.Select(d => d.Kind));
        Assert.Equal(Layout.RepoFolder(Seed), plan.Deletions[0].Path);
        Assert.Equal(Layout.LocksFolder(Seed), plan.Deletions[1].Path);
        Assert.Equal(size + Bytes(Main) + Bytes(Pr), plan.BytesFreed); // blobs plus the two ref files
        Assert.True(Directory.Exists(Layout.RepoFolder(Seed))); // planning touches nothing

        CacheDeleteResult result = manager.Execute(plan);
        Assert.Equal(2, result.Deleted);
        Assert.Equal(plan.BytesFreed, result.BytesFreed);
        Assert.Empty(result.Failures);
        Assert.False(Directory.Exists(Layout.RepoFolder(Seed)));
        Assert.False(Directory.Exists(Layout.LocksFolder(Seed)));
        Assert.Equal([Set, Gpt2], manager.Scan().Repos.Select(r => r.Repo));
        Assert.True(File.Exists(Path.Combine(Layout.Root, "CACHEDIR.TAG")));
    }

    [Fact]
    public async Task Remove_revision_deletes_snapshot_refs_and_exclusive_blobs()
    {
        BuildStandardCache();
        Layout.MarkNoExist(Seed, Pr, "missing.txt");
        Layout.WriteTreeCache(Seed, Pr, [new TreeCacheEntry("README.md", 7, "x")]);
        string v2 = Layout.BlobPath(Seed, CacheBuilder.Sha256(Encoding.UTF8.GetBytes(WeightsV2)));

        CacheDeletePlan plan = manager.PlanRemove(Seed, "refs/pr/1");
        Assert.Empty(plan.Warnings);
        Assert.Equal(
            [
                (CacheDeletionKind.Snapshot, Layout.SnapshotFolder(Seed, Pr)),
                (CacheDeletionKind.RevisionMetadata, Path.Combine(Layout.RepoFolder(Seed), ".no_exist", Pr)),
                (CacheDeletionKind.RevisionMetadata, Layout.TreeCachePath(Seed, Pr)),
                (CacheDeletionKind.Ref, Layout.RefPath(Seed, "refs/pr/1")),
                (CacheDeletionKind.Blob, v2),
            ],
            plan.Deletions.Select(d => (d.Kind, d.Path)));
        Assert.Equal(Bytes(WeightsV2), plan.Deletions.Single(d => d.Kind == CacheDeletionKind.Blob).Bytes);

        CacheDeleteResult result = manager.Execute(plan);
        Assert.Empty(result.Failures);
        Assert.Equal(5, result.Deleted);
        Assert.False(Directory.Exists(Layout.SnapshotFolder(Seed, Pr)));
        Assert.False(File.Exists(v2));
        Assert.False(Directory.Exists(Path.Combine(Layout.RefsFolder(Seed), "refs"))); // emptied nested ref folders go too
        Assert.Equal(Main, Layout.ReadRef(Seed, "main"));

        HubCacheScan after = manager.Scan(Seed);
        Assert.Empty(after.Warnings);
        Assert.Equal([Main, Old], after.Repos[0].Revisions.Select(r => r.Commit));
        Assert.False((await manager.VerifyAsync(Seed, null)).HasFailures); // shared README blob survived
    }

    [Fact]
    public void Remove_by_commit_prefix_and_several_revisions()
    {
        BuildStandardCache();
        CacheDeletePlan plan = manager.PlanRemove(Seed, ["bbbbbbb", Old]);
        Assert.Equal(2, plan.Deletions.Count(d => d.Kind == CacheDeletionKind.Snapshot));
        // README is still used by main; notes and weights v2 are not.
        Assert.Equal(2, plan.Deletions.Count(d => d.Kind == CacheDeletionKind.Blob));
    }

    [Fact]
    public void Removing_every_revision_removes_the_repo()
    {
        BuildStandardCache();
        CacheDeletePlan plan = manager.PlanRemove(Seed, ["main", "refs/pr/1", Old]);
        Assert.Equal([CacheDeletionKind.Repo, CacheDeletionKind.Locks], plan.Deletions.Select(d => d.Kind));
    }

    [Fact]
    public void Removing_what_is_not_cached_is_a_warning()
    {
        BuildStandardCache();
        CacheDeletePlan plan = manager.PlanRemove(Seed, "v9");
        Assert.True(plan.IsEmpty);
        Assert.Contains("'v9'", Assert.Single(plan.Warnings), StringComparison.Ordinal);
        Assert.True(manager.PlanRemove(RepoId.Parse("x/y"), (string?)null).IsEmpty);
        Assert.Equal(0, manager.Execute(manager.PlanRemove(RepoId.Parse("x/y"), (string?)null)).Deleted);
    }

    [Fact]
    public void Removing_a_dangling_ref_deletes_just_the_ref()
    {
        BuildStandardCache();
        cache.Ref(Seed, "dev", CacheBuilder.Commit('f'));
        CacheDeletePlan plan = manager.PlanRemove(Seed, "dev");
        CacheDeletion only = Assert.Single(plan.Deletions);
        Assert.Equal(CacheDeletionKind.Ref, only.Kind);
        manager.Execute(plan);
        Assert.Null(Layout.ReadRef(Seed, "dev"));
    }

    [Fact]
    public void Deleting_never_follows_symlinks_out_of_the_cache()
    {
        BuildStandardCache();
        string outside = temp.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "precious.txt"), "keep me");
        // A snapshot entry linking to a file outside, and a linked folder: both must survive removal.
        File.CreateSymbolicLink(Layout.SnapshotFilePath(Seed, Old, "precious.txt"), Path.Combine(outside, "precious.txt"));
        Directory.CreateSymbolicLink(Path.Combine(Layout.SnapshotFolder(Seed, Old), "linked-dir"), outside);
        // And another repo's blob linked from this revision.
        string setBlob = Layout.BlobPath(Set, CacheBuilder.Sha256(Encoding.UTF8.GetBytes("PAR1")));
        File.CreateSymbolicLink(Layout.SnapshotFilePath(Seed, Old, "borrowed.parquet"), setBlob);

        CacheDeletePlan plan = manager.PlanRemove(Seed, Old);
        Assert.DoesNotContain(plan.Deletions, d => d.Path.StartsWith(outside, StringComparison.Ordinal) || d.Path == setBlob);
        CacheDeleteResult result = manager.Execute(plan);

        Assert.Empty(result.Failures);
        Assert.False(Directory.Exists(Layout.SnapshotFolder(Seed, Old)));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, "precious.txt")));
        Assert.True(File.Exists(setBlob));

        // Removing the whole repo after linking out of it from its root: still only the link goes.
        Directory.CreateSymbolicLink(Path.Combine(Layout.RepoFolder(Seed), "escape"), outside);
        Assert.Empty(manager.Execute(manager.PlanRemove(Seed, (string?)null)).Failures);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, "precious.txt")));
    }

    [Fact]
    public void Execute_refuses_paths_outside_the_cache()
    {
        BuildStandardCache();
        string victim = temp.Combine("victim.txt");
        File.WriteAllText(victim, "x");
        var forged = new CacheDeletePlan(
            [
                new CacheDeletion(CacheDeletionKind.Blob, Seed, victim, 1),
                new CacheDeletion(CacheDeletionKind.Repo, Seed, Path.Combine(Layout.Root, "..", "victim.txt"), 1),
                new CacheDeletion(CacheDeletionKind.Repo, Seed, Layout.Root, 1),
            ],
            []);
        CacheDeleteResult result = manager.Execute(forged);
        Assert.Equal(3, result.Failures.Count);
        Assert.Equal(0, result.Deleted);
        Assert.True(File.Exists(victim));
        Assert.True(Directory.Exists(Layout.Root));
    }

    [Fact]
    public void Execute_refuses_to_delete_through_a_symlinked_folder()
    {
        BuildStandardCache();
        string outside = temp.Combine("outside-snapshots");
        Directory.CreateDirectory(Path.Combine(outside, Old));
        File.WriteAllText(Path.Combine(outside, Old, "data.txt"), "keep me");
        CacheDeletePlan plan = manager.PlanRemove(Seed, Old);
        // Between planning and executing, snapshots/ becomes a link out of the cache.
        string snapshots = Layout.SnapshotsFolder(Seed);
        Directory.Move(snapshots, temp.Combine("moved-away"));
        Directory.CreateSymbolicLink(snapshots, outside);

        CacheDeleteResult result = manager.Execute(plan);
        Assert.Contains(result.Failures, f => f.Path == Layout.SnapshotFolder(Seed, Old) && f.Message.Contains("symlink", StringComparison.Ordinal));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outside, Old, "data.txt")));
    }

    // ------------------------------------------------------------------ prune

    [Fact]
    public async Task Prune_removes_detached_revisions_orphan_blobs_and_stale_partials()
    {
        BuildStandardCache();
        string orphan = Layout.BlobPath(Seed, cache.Blob(Seed, "nobody links me"));
        string blobs = Layout.BlobsFolder(Seed);
        string etag = new('9', 64);
        string[] partials =
        [
            Path.Combine(blobs, etag + ".incomplete"),
            Path.Combine(blobs, etag + ".0badcafe.incomplete"),
            Path.Combine(blobs, etag + ".incomplete.meta"),
        ];
        foreach (string partial in partials)
            File.WriteAllText(partial, "part");
        string notes = Layout.BlobPath(Seed, CacheBuilder.GitBlobSha1(Encoding.UTF8.GetBytes(Notes)));

        CacheDeletePlan plan = manager.PlanPrune();
        Assert.Empty(plan.Warnings);
        Assert.Equal(Layout.SnapshotFolder(Seed, Old), Assert.Single(plan.Deletions, d => d.Kind == CacheDeletionKind.Snapshot).Path);
        Assert.Equal(
            new[] { notes, orphan }.Order(StringComparer.Ordinal),
            plan.Deletions.Where(d => d.Kind == CacheDeletionKind.Blob).Select(d => d.Path));
        Assert.Equal(partials.Order(StringComparer.Ordinal), plan.Deletions.Where(d => d.Kind == CacheDeletionKind.IncompleteDownload).Select(d => d.Path));
        Assert.All(plan.Deletions, d => Assert.Equal(Seed, d.Repo)); // the other repos are clean
        Assert.Equal(Bytes(Notes) + Bytes("nobody links me") + 12, plan.BytesFreed);

        CacheDeleteResult result = manager.Execute(plan);
        Assert.Empty(result.Failures);
        Assert.Equal(plan.BytesFreed, result.BytesFreed);

        CachedRepo seed = ScanOne(Seed);
        Assert.Equal([Main, Pr], seed.Revisions.Select(r => r.Commit));
        Assert.Equal(0, seed.UnreferencedBlobBytes);
        Assert.Empty(seed.IncompleteDownloads);
        Assert.False((await manager.VerifyAsync(Seed, null)).HasFailures);
        Assert.True(manager.PlanPrune().IsEmpty);
    }

    [Fact]
    public void Prune_leaves_files_whose_download_lock_is_held()
    {
        BuildStandardCache();
        string etag = new('9', 64);
        string partial = Path.Combine(Layout.BlobsFolder(Seed), etag + ".incomplete");
        File.WriteAllText(partial, "part");
        string fresh = cache.Blob(Seed, "downloaded, not linked yet");

        using (HubFileLock.TryAcquire(Layout.LockPath(Seed, etag)))
        using (HubFileLock.TryAcquire(Layout.LockPath(Seed, fresh)))
        {
            CacheDeletePlan plan = manager.PlanPrune();
            Assert.DoesNotContain(plan.Deletions, d => d.Path == partial || d.Etag == fresh);
            Assert.Contains(plan.Warnings, w => w.Contains(etag, StringComparison.Ordinal));
        }

        // Planned while free, locked before execution: still skipped.
        CacheDeletePlan later = manager.PlanPrune();
        Assert.Contains(later.Deletions, d => d.Path == partial);
        using (HubFileLock.TryAcquire(Layout.LockPath(Seed, etag)))
        {
            CacheDeleteResult result = manager.Execute(later);
            Assert.Contains(result.Skipped, d => d.Path == partial);
            Assert.True(File.Exists(partial));
        }
        Assert.False(File.Exists(Layout.BlobPath(Seed, fresh)));
    }

    [Fact]
    public void Prune_does_not_create_lock_files()
    {
        BuildStandardCache();
        cache.Blob(Seed, "orphan");
        manager.Execute(manager.PlanPrune());
        Assert.Equal(["x.lock"], Directory.GetFiles(Layout.LocksFolder(Seed)).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Layout.LocksFolder(Set)));
    }
}
