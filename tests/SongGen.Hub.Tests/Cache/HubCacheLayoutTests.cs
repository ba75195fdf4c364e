using System.Text;

namespace SongGen.Hub.Tests.Cache;

public sealed class HubCacheLayoutTests : IDisposable
{
    private static readonly RepoId Seed = RepoId.Parse("alice/seed");
    private static readonly string CommitA = CacheBuilder.Commit('a');
    private static readonly string CommitB = CacheBuilder.Commit('b');
    private const string Etag = "b45ef6fec89518d314f546fd6c3025367b721684";

    private readonly TempFolder temp = new();
    private readonly HubCacheLayout layout;

    public HubCacheLayoutTests() => layout = new HubCacheLayout(temp.Path);

    public void Dispose() => temp.Dispose();

    private string Under(params string[] parts) => temp.Combine(parts);

    [Fact]
    public void Paths_follow_the_python_layout()
    {
        Assert.Equal(temp.Path, layout.Root);
        Assert.Equal(Under("models--alice--seed"), layout.RepoFolder(Seed));
        Assert.Equal(Under("models--alice--seed", "blobs"), layout.BlobsFolder(Seed));
        Assert.Equal(Under("models--alice--seed", "blobs", Etag), layout.BlobPath(Seed, Etag));
        Assert.Equal(Under("models--alice--seed", "blobs", Etag + ".incomplete"), layout.IncompleteBlobPath(Seed, Etag));
        Assert.Equal(Under("models--alice--seed", "snapshots", CommitA), layout.SnapshotFolder(Seed, CommitA));
        Assert.Equal(Under("models--alice--seed", "snapshots", CommitA, "sub", "config.json"), layout.SnapshotFilePath(Seed, CommitA, "sub/config.json"));
        Assert.Equal(Under("models--alice--seed", "refs", "main"), layout.RefPath(Seed, "main"));
        Assert.Equal(Under("models--alice--seed", "refs", "refs", "pr", "1"), layout.RefPath(Seed, "refs/pr/1"));
        Assert.Equal(Under("models--alice--seed", ".no_exist", CommitA, "missing.txt"), layout.NoExistPath(Seed, CommitA, "missing.txt"));
        Assert.Equal(Under(".locks", "models--alice--seed", Etag + ".lock"), layout.LockPath(Seed, Etag));
        Assert.Equal(Under("models--alice--seed", "trees", CommitA + ".json"), layout.TreeCachePath(Seed, CommitA));
        Assert.Equal(Under("datasets--org--set", "blobs"), layout.BlobsFolder(RepoId.Parse("org/set", RepoType.Dataset)));
        Assert.Equal(Under("spaces--org--app"), layout.RepoFolder(RepoId.Parse("org/app", RepoType.Space)));
        Assert.Equal(Under("models--gpt2"), layout.RepoFolder(RepoId.Parse("gpt2")));
    }

    [Theory]
    [InlineData("../main")]
    [InlineData("/etc/passwd")]
    [InlineData("refs/../../x")]
    [InlineData("a\\b")]
    [InlineData("")]
    public void Unsafe_revisions_are_refused(string revision)
    {
        Assert.Throws<UnsafeRepoPathException>(() => layout.RefPath(Seed, revision));
        Assert.Throws<UnsafeRepoPathException>(() => layout.WriteRef(Seed, revision, CommitA));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("C:x")]
    public void Unsafe_etags_and_commits_are_refused(string value)
    {
        Assert.Throws<UnsafeRepoPathException>(() => layout.BlobPath(Seed, value));
        Assert.Throws<UnsafeRepoPathException>(() => layout.LockPath(Seed, value));
        Assert.Throws<UnsafeRepoPathException>(() => layout.SnapshotFolder(Seed, value));
        Assert.Throws<UnsafeRepoPathException>(() => layout.TreeCachePath(Seed, value));
    }

    [Theory]
    [InlineData("a\\..\\..\\x")]
    [InlineData("C:x")]
    [InlineData("a\nb")]
    public void Hand_made_repo_ids_cannot_escape_the_root(string id)
    {
        var repo = new RepoId(RepoType.Model, id); // the positional constructor skips RepoId.Parse
        Assert.Throws<UnsafeRepoPathException>(() => layout.RepoFolder(repo));
        Assert.Throws<UnsafeRepoPathException>(() => layout.LockPath(repo, Etag));
    }

    [Fact]
    public void Snapshot_paths_are_validated()
    {
        Assert.Throws<UnsafeRepoPathException>(() => layout.SnapshotFilePath(Seed, CommitA, "../../../../etc/passwd"));
        Assert.Throws<UnsafeRepoPathException>(() => layout.NoExistPath(Seed, CommitA, "/abs"));
    }

    [Fact]
    public void WriteRef_writes_the_commit_without_newline_and_leaves_no_temp_file()
    {
        layout.WriteRef(Seed, "main", CommitA);
        layout.WriteRef(Seed, "refs/pr/1", CommitB);
        Assert.Equal(Encoding.ASCII.GetBytes(CommitA), File.ReadAllBytes(Under("models--alice--seed", "refs", "main")));
        Assert.Equal(Encoding.ASCII.GetBytes(CommitB), File.ReadAllBytes(Under("models--alice--seed", "refs", "refs", "pr", "1")));
        Assert.Equal(["1"], Directory.GetFiles(Under("models--alice--seed", "refs", "refs", "pr")).Select(Path.GetFileName));
        Assert.Equal(["main"], Directory.GetFiles(Under("models--alice--seed", "refs")).Select(Path.GetFileName));
        Assert.Equal(CommitA, layout.ReadRef(Seed, "main"));
        Assert.Equal(CommitB, layout.ReadRef(Seed, "refs/pr/1"));
        Assert.Null(layout.ReadRef(Seed, "dev"));
    }

    [Fact]
    public void WriteRef_only_writes_when_the_commit_changed()
    {
        layout.WriteRef(Seed, "main", CommitA);
        string path = layout.RefPath(Seed, "main");
        var past = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, past);

        layout.WriteRef(Seed, "main", CommitA);
        Assert.Equal(past, File.GetLastWriteTimeUtc(path));

        layout.WriteRef(Seed, "main", CommitB);
        Assert.NotEqual(past, File.GetLastWriteTimeUtc(path));
        Assert.Equal(CommitB, File.ReadAllText(path));
    }

    [Fact]
    public void WriteRef_rewrites_a_ref_that_has_a_trailing_newline()
    {
        string path = layout.RefPath(Seed, "main");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, CommitA + "\n");
        Assert.Equal(CommitA, layout.ReadRef(Seed, "main")); // reading is lenient
        layout.WriteRef(Seed, "main", CommitA);
        Assert.Equal(CommitA, File.ReadAllText(path)); // writing is exact, for Python's unstripped read
    }

    [Fact]
    public void WriteRef_does_nothing_for_a_commit_revision()
    {
        layout.WriteRef(Seed, CommitA, CommitA);
        Assert.False(Directory.Exists(layout.RefsFolder(Seed)));
    }

    [Fact]
    public void ResolveCommitOffline_takes_commits_as_is_and_reads_refs()
    {
        Assert.Equal(CommitA, layout.ResolveCommitOffline(Seed, CommitA));
        Assert.Null(layout.ResolveCommitOffline(Seed, "main"));
        layout.WriteRef(Seed, "main", CommitB);
        Assert.Equal(CommitB, layout.ResolveCommitOffline(Seed, "main"));
        Assert.Null(layout.ResolveCommitOffline(Seed, CommitA.ToUpperInvariant())); // Python's regex is lowercase only
        Assert.True(HubCacheLayout.IsCommitHash(CommitA));
        Assert.False(HubCacheLayout.IsCommitHash(CommitA[..39]));
    }

    [Fact]
    public void CacheDirTag_has_pythons_exact_content_and_is_not_overwritten()
    {
        layout.EnsureCacheDirTag();
        const string expected = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by huggingface_hub.\n"
            + "# For information about cache directory tags, see:\n"
            + "#\thttps://bford.info/cachedir/\n";
        string path = Under("CACHEDIR.TAG");
        Assert.Equal(Encoding.ASCII.GetBytes(expected), File.ReadAllBytes(path));

        File.WriteAllText(path, "Signature: 8a477f597d28d172789f06886806bc55\n# someone else's\n");
        layout.EnsureCacheDirTag();
        Assert.Contains("someone else", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void LinkIntoSnapshot_creates_relative_symlinks_like_python()
    {
        var cache = new CacheBuilder(temp.Path);
        string readme = cache.Blob(Seed, "# seed\n");
        string config = cache.Blob(Seed, "{}");
        string top = layout.SnapshotFilePath(Seed, CommitA, "README.md");
        string nested = layout.SnapshotFilePath(Seed, CommitA, "sub/config.json");
        string deep = layout.SnapshotFilePath(Seed, CommitA, "a/b/c.json");

        layout.LinkIntoSnapshot(layout.BlobPath(Seed, readme), top, useSymlinks: true);
        layout.LinkIntoSnapshot(layout.BlobPath(Seed, config), nested, useSymlinks: true);
        layout.LinkIntoSnapshot(layout.BlobPath(Seed, config), deep, useSymlinks: true);

        Assert.Equal($"../../blobs/{readme}", new FileInfo(top).LinkTarget?.Replace('\\', '/'));
        Assert.Equal($"../../../blobs/{config}", new FileInfo(nested).LinkTarget?.Replace('\\', '/'));
        Assert.Equal($"../../../../blobs/{config}", new FileInfo(deep).LinkTarget?.Replace('\\', '/'));
        Assert.Equal("{}", File.ReadAllText(nested));
        Assert.Equal(["c.json"], Directory.GetFileSystemEntries(Path.GetDirectoryName(deep)!).Select(Path.GetFileName));
    }

    [Fact]
    public void LinkIntoSnapshot_replaces_an_existing_pointer()
    {
        var cache = new CacheBuilder(temp.Path);
        string oldEtag = cache.Blob(Seed, "old");
        string newEtag = cache.Blob(Seed, "new");
        string pointer = layout.SnapshotFilePath(Seed, CommitA, "file.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
        File.WriteAllText(pointer, "a stale copy");

        layout.LinkIntoSnapshot(layout.BlobPath(Seed, oldEtag), pointer, useSymlinks: true);
        Assert.Equal("old", File.ReadAllText(pointer));
        layout.LinkIntoSnapshot(layout.BlobPath(Seed, newEtag), pointer, useSymlinks: true);
        Assert.Equal("new", File.ReadAllText(pointer));
        Assert.Equal("old", File.ReadAllText(layout.BlobPath(Seed, oldEtag))); // the link was replaced, not written through
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(pointer)!));
    }

    [Fact]
    public void LinkIntoSnapshot_copies_and_keeps_the_blob_when_symlinks_are_off()
    {
        var cache = new CacheBuilder(temp.Path);
        string etag = cache.Blob(Seed, "weights");
        string pointer = layout.SnapshotFilePath(Seed, CommitA, "sub/model.bin");
        layout.LinkIntoSnapshot(layout.BlobPath(Seed, etag), pointer, useSymlinks: false);
        var info = new FileInfo(pointer);
        Assert.Null(info.LinkTarget);
        Assert.Equal("weights", File.ReadAllText(pointer));
        Assert.True(File.Exists(layout.BlobPath(Seed, etag)));
    }

    [Fact]
    public void LinkIntoSnapshot_needs_the_blob()
    {
        Assert.Throws<FileNotFoundException>(() =>
            layout.LinkIntoSnapshot(layout.BlobPath(Seed, Etag), layout.SnapshotFilePath(Seed, CommitA, "x"), useSymlinks: true));
    }

    [Fact]
    public void TryGetCachedFile_resolves_offline()
    {
        var cache = new CacheBuilder(temp.Path);
        cache.File_(Seed, CommitA, "sub/config.json", "{}");
        Assert.Null(layout.TryGetCachedFile(Seed, "main", "sub/config.json"));
        cache.Ref(Seed, "main", CommitA);
        Assert.Equal(layout.SnapshotFilePath(Seed, CommitA, "sub/config.json"), layout.TryGetCachedFile(Seed, "main", "sub/config.json"));
        Assert.NotNull(layout.TryGetCachedFile(Seed, CommitA, "sub/config.json"));
        Assert.Null(layout.TryGetCachedFile(Seed, CommitA, "other.json"));
    }

    [Fact]
    public void NoExist_markers_are_empty_files()
    {
        Assert.False(layout.IsMarkedNoExist(Seed, CommitA, "sub/missing.txt"));
        layout.MarkNoExist(Seed, CommitA, "sub/missing.txt");
        layout.MarkNoExist(Seed, CommitA, "sub/missing.txt");
        Assert.True(layout.IsMarkedNoExist(Seed, CommitA, "sub/missing.txt"));
        Assert.Equal(0, new FileInfo(Under("models--alice--seed", ".no_exist", CommitA, "sub", "missing.txt")).Length);
        Assert.False(layout.IsMarkedNoExist(Seed, CommitB, "sub/missing.txt"));
    }

    /// <summary>Derived by hand from json.dump(indent=1) rules and checked against CPython 3.11 while writing.</summary>
    private const string ExpectedTreeJson =
        "{\n"
        + " \"format_version\": 1,\n"
        + " \"files\": {\n"
        + "  \"README.md\": {\n"
        + "   \"size\": 0,\n"
        + "   \"blob_id\": \"e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\"\n"
        + "  },\n"
        + "  \"d\\u00efr/\\u00fc \\ud83d\\ude00.txt\": {\n"
        + "   \"size\": 1,\n"
        + "   \"blob_id\": \"2222222222222222222222222222222222222222\",\n"
        + "   \"lfs_sha256\": \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\",\n"
        + "   \"lfs_size\": null\n"
        + "  },\n"
        + "  \"model.safetensors\": {\n"
        + "   \"size\": 4,\n"
        + "   \"blob_id\": \"1111111111111111111111111111111111111111\",\n"
        + "   \"lfs_sha256\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
        + "   \"lfs_size\": 4,\n"
        + "   \"xet_hash\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n"
        + "  },\n"
        + "  \"q\\\"\\\\\\n\\u007f.txt\": {\n"
        + "   \"size\": 2,\n"
        + "   \"blob_id\": \"4444444444444444444444444444444444444444\"\n"
        + "  },\n"
        + "  \"sub/config.json\": {\n"
        + "   \"size\": 13,\n"
        + "   \"blob_id\": \"b45ef6fec89518d314f546fd6c3025367b721684\"\n"
        + "  },\n"
        + "  \"\\uff01x\": {\n"
        + "   \"size\": 1,\n"
        + "   \"blob_id\": \"3333333333333333333333333333333333333333\"\n"
        + "  },\n"
        + "  \"\\ud83d\\ude00y\": {\n"
        + "   \"size\": 1,\n"
        + "   \"blob_id\": \"5555555555555555555555555555555555555555\"\n"
        + "  }\n"
        + " }\n"
        + "}";

    private static TreeCacheEntry[] SampleTree() =>
    [
        new("sub/config.json", 13, "b45ef6fec89518d314f546fd6c3025367b721684"),
        new("😀y", 1, new string('5', 40)), // code point order puts it after U+FF01 (UTF-16 order would not)
        new("model.safetensors", 4, new string('1', 40), new string('a', 64), 4, new string('b', 64)),
        new("README.md", 0, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"),
        new("dïr/ü 😀.txt", 1, new string('2', 40), new string('c', 64)),
        new("\uff01x", 1, new string('3', 40)),
        new("q\"\\\n\u007f.txt", 2, new string('4', 40)),
    ];

    [Fact]
    public void Tree_cache_is_written_byte_for_byte_as_python()
    {
        layout.WriteTreeCache(Seed, CommitA, SampleTree());
        byte[] written = File.ReadAllBytes(layout.TreeCachePath(Seed, CommitA));
        Assert.Equal(ExpectedTreeJson, Encoding.UTF8.GetString(written));
        Assert.All(written, b => Assert.True(b < 0x80)); // ensure_ascii
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(layout.TreeCachePath(Seed, CommitA))!));
    }

    [Fact]
    public void Empty_tree_cache()
    {
        layout.WriteTreeCache(Seed, CommitA, []);
        Assert.Equal("{\n \"format_version\": 1,\n \"files\": {}\n}", File.ReadAllText(layout.TreeCachePath(Seed, CommitA)));
        Assert.Empty(layout.ReadTreeCache(Seed, CommitA)!);
    }

    [Fact]
    public void Tree_cache_round_trips()
    {
        layout.WriteTreeCache(Seed, CommitA, SampleTree());
        IReadOnlyDictionary<string, TreeCacheEntry> read = layout.ReadTreeCache(Seed, CommitA)!;
        Assert.Equal(SampleTree().OrderBy(e => e.Path, StringComparer.Ordinal), read.Values.OrderBy(e => e.Path, StringComparer.Ordinal));
        Assert.Equal(new string('a', 64), read["model.safetensors"].Etag);
        Assert.Equal("b45ef6fec89518d314f546fd6c3025367b721684", layout.ReadTreeCacheEntry(Seed, CommitA, "sub/config.json")!.Etag);
        Assert.Null(layout.ReadTreeCacheEntry(Seed, CommitA, "absent"));
        Assert.Null(layout.ReadTreeCache(Seed, CommitB));
    }

    [Fact]
    public void Tree_cache_with_a_redacted_xet_hash_is_not_written()
    {
        layout.WriteTreeCache(Seed, CommitA, [new TreeCacheEntry("x", 1, new string('1', 40), new string('a', 64), 1, "***")]);
        Assert.False(File.Exists(layout.TreeCachePath(Seed, CommitA)));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"format_version\": 2, \"files\": {}}")]
    [InlineData("{\"files\": {}}")]
    [InlineData("{\"format_version\": 1, \"files\": {\"a\": {\"size\": 1}}}")]
    [InlineData("{\"format_version\": 1, \"files\": {\"a\": {\"size\": \"1\", \"blob_id\": \"x\"}}}")]
    [InlineData("{\"format_version\": 1, \"files\": {\"a\": {\"size\": 1, \"blob_id\": \"x\", \"xet_hash\": \"short\"}}}")]
    [InlineData("[]")]
    public void Malformed_or_foreign_tree_caches_read_as_absent(string text)
    {
        string path = layout.TreeCachePath(Seed, CommitA);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        Assert.Null(layout.ReadTreeCache(Seed, CommitA));
    }
}
