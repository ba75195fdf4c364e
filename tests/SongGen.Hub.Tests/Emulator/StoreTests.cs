using System.Net;
using System.Security.Cryptography;
using System.Text;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class StoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "songgen-store-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Blob_ids_are_git_blob_ids()
    {
        var store = EmulatorRepoStore.Open(_root);
        await store.CreateRepoAsync("model", "alice/hello");
        await store.CommitAsync("model", "alice/hello", "main", [EmulatorFile.FromText("hello.txt", "Hello, World!")]);
        var file = store.ListFiles("model", "alice/hello").Single(f => f.Path == "hello.txt");
        Assert.Equal("b45ef6fec89518d314f546fd6c3025367b721684", file.BlobId); // `git hash-object` of the same bytes
        Assert.False(file.IsLfs);
    }

    [Fact]
    public async Task Big_files_and_gitattributes_matches_become_lfs_with_pointer_ids()
    {
        var store = EmulatorRepoStore.Open(_root, lfsThreshold: 1000);
        await store.CreateRepoAsync("model", "alice/lfs");
        var big = RandomNumberGenerator.GetBytes(1000);
        await store.CommitAsync("model", "alice/lfs", "main",
        [
            EmulatorFile.FromBytes("big.dat", big),
            EmulatorFile.FromBytes("small.dat", [1, 2, 3]),
            EmulatorFile.FromBytes("weights.bin", [4, 5, 6]), // *.bin is LFS in the Hub's default .gitattributes
        ]);
        var files = store.ListFiles("model", "alice/lfs").ToDictionary(f => f.Path);
        Assert.True(files["big.dat"].IsLfs);
        Assert.False(files["small.dat"].IsLfs);
        Assert.True(files["weights.bin"].IsLfs);

        var sha = Convert.ToHexStringLower(SHA256.HashData(big));
        Assert.Equal(sha, files["big.dat"].Sha256);
        var pointer = Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize 1000\n");
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {pointer.Length}\0"), .. pointer])), files["big.dat"].BlobId);
    }

    [Fact]
    public async Task A_gitattributes_in_the_same_commit_decides_for_the_other_files()
    {
        var store = EmulatorRepoStore.Open(_root);
        await store.CreateRepoAsync("dataset", "alice/custom");
        await store.CommitAsync("dataset", "alice/custom", "main",
        [
            EmulatorFile.FromText(".gitattributes", "data/**/*.csv filter=lfs diff=lfs merge=lfs -text\n"),
            EmulatorFile.FromText("data/x/y.csv", "a,b\n"),
            EmulatorFile.FromText("y.csv", "a,b\n"),
            EmulatorFile.FromBytes("w.bin", [1]),
        ]);
        var files = store.ListFiles("dataset", "alice/custom").ToDictionary(f => f.Path);
        Assert.True(files["data/x/y.csv"].IsLfs);
        Assert.False(files["y.csv"].IsLfs);
        Assert.False(files["w.bin"].IsLfs); // the default patterns were replaced
    }

    [Fact]
    public async Task Local_files_and_unseekable_streams_are_hashed_while_copied()
    {
        var source = Path.Combine(_root, "source.bin");
        Directory.CreateDirectory(_root);
        var content = new byte[12 * 1024 * 1024 + 3]; // above the default 10 MiB threshold
        new Random(1).NextBytes(content);
        await File.WriteAllBytesAsync(source, content);

        var store = EmulatorRepoStore.Open(Path.Combine(_root, "store"));
        await store.CreateRepoAsync("model", "alice/big");
        await store.CommitAsync("model", "alice/big", "main",
        [
            EmulatorFile.FromLocalFile("big.raw", source),
            EmulatorFile.FromStream("streamed.txt", () => new UnseekableStream(Encoding.UTF8.GetBytes("Hello, World!"))),
        ]);
        var files = store.ListFiles("model", "alice/big").ToDictionary(f => f.Path);
        Assert.True(files["big.raw"].IsLfs);
        Assert.Equal(content.Length, files["big.raw"].Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), files["big.raw"].Sha256);
        Assert.Equal("b45ef6fec89518d314f546fd6c3025367b721684", files["streamed.txt"].BlobId);
    }

    [Fact]
    public async Task Commits_delete_files_and_folders_and_create_missing_branches_from_main()
    {
        var store = EmulatorRepoStore.Open(_root);
        await store.CreateRepoAsync("model", "alice/edits");
        await store.CommitAsync("model", "alice/edits", "main",
            [EmulatorFile.FromText("keep.txt", "k"), EmulatorFile.FromText("logs/a.txt", "a"), EmulatorFile.FromText("logs/b/c.txt", "c")]);
        var featureHead = await store.CommitAsync("model", "alice/edits", "feature", [EmulatorFile.FromText("new.txt", "n")], deletes: ["logs/"]);

        Assert.Equal(featureHead, store.ResolveRevision("model", "alice/edits", "feature"));
        Assert.Equal([".gitattributes", "keep.txt", "new.txt"], store.ListFiles("model", "alice/edits", "feature").Select(f => f.Path));
        Assert.Equal([".gitattributes", "keep.txt", "logs/a.txt", "logs/b/c.txt"], store.ListFiles("model", "alice/edits", "main").Select(f => f.Path));
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => store.CommitAsync("model", "alice/edits", "main", [], deletes: ["nope.txt"]));
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => store.CreateRepoAsync("model", "alice/edits"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync("model", "alice/edits", "main", [EmulatorFile.FromText("../escape", "x")]));
    }

    [Fact]
    public async Task Pull_requests_get_numbers_and_take_further_commits()
    {
        var store = EmulatorRepoStore.Open(_root);
        await store.CreateRepoAsync("space", "alice/app");
        var first = await store.CreatePullRequestAsync("space", "alice/app", [EmulatorFile.FromText("a.txt", "a")]);
        var second = await store.CreatePullRequestAsync("space", "alice/app", [EmulatorFile.FromText("b.txt", "b")]);
        Assert.Equal((1, 2), (first, second));
        var head = await store.CommitAsync("space", "alice/app", "refs/pr/1", [EmulatorFile.FromText("c.txt", "c")]);
        Assert.Equal(head, store.ResolveRevision("space", "alice/app", "refs/pr/1"));
        Assert.Equal([".gitattributes", "a.txt", "c.txt"], store.ListFiles("space", "alice/app", "refs/pr/1").Select(f => f.Path));
        Assert.Equal([".gitattributes"], store.ListFiles("space", "alice/app").Select(f => f.Path));
    }

    [Fact]
    public async Task Everything_survives_a_restart_on_the_same_root()
    {
        await using var hub = await TestHub.StartAsync();
        await hub.Store.CreateRepoAsync("dataset", "alice/kept", isPrivate: true);
        var commit = await hub.Store.CommitAsync("dataset", "alice/kept", "main", [EmulatorFile.FromText("data.txt", "still here")]);
        await hub.Store.CreateTagAsync("dataset", "alice/kept", "v2");
        await hub.Store.UpdateMetadataAsync("dataset", "alice/kept", new EmulatorRepoMetadata { Likes = 9 });
        var demoMain = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main");

        await hub.RestartAsync();

        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        var info = await (await client.GetAsync("/api/datasets/alice/kept/revision/v2")).JsonAsync();
        Assert.Equal(commit, info.GetProperty("sha").GetString());
        Assert.True(info.GetProperty("private").GetBoolean());
        Assert.Equal(9, info.GetProperty("likes").GetInt64());
        Assert.Equal("still here", await client.GetStringAsync("/datasets/alice/kept/resolve/v2/data.txt"));
        Assert.Equal(demoMain, hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"));
        using var anonymous = hub.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/datasets/alice/kept")).StatusCode);

        await DemoRepos.SeedAsync(hub.Store); // seeding again is a no-op
        Assert.Equal(demoMain, hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"));
    }

    [Fact]
    public async Task Demo_repos_are_small_deterministic_and_hold_a_valid_safetensors_file()
    {
        var first = EmulatorRepoStore.Open(Path.Combine(_root, "a"));
        var second = EmulatorRepoStore.Open(Path.Combine(_root, "b"));
        await DemoRepos.SeedAsync(first);
        await DemoRepos.SeedAsync(second);
        foreach (var revision in new[] { "main", DemoRepos.ModelTag, DemoRepos.ModelBranch, "refs/pr/1" })
        {
            Assert.Equal(first.ResolveRevision("model", DemoRepos.ModelId, revision), second.ResolveRevision("model", DemoRepos.ModelId, revision));
        }
        var total = Directory.EnumerateFiles(Path.Combine(_root, "a"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(total < 8 * 1024 * 1024, $"demo store is {total} bytes");

        var weights = DemoRepos.BuildSafetensors();
        var headerLength = (int)BitConverter.ToUInt64(weights, 0);
        Assert.Equal(0, headerLength % 8);
        using var header = System.Text.Json.JsonDocument.Parse(weights.AsMemory(8, headerLength));
        var end = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
            .Max(p => p.Value.GetProperty("data_offsets")[1].GetInt64());
        Assert.Equal(weights.Length - 8 - headerLength, end);
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.True(first.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath).IsLfs);
        Assert.False(first.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.TokenizerPath).IsLfs);
    }

    private sealed class UnseekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
