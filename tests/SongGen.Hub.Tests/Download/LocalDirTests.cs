using System.Globalization;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary><c>--local-dir</c>: real files at their repo paths, Python's <c>.cache/huggingface</c> bookkeeping, skip when current.</summary>
public sealed class LocalDirTests
{
    [Fact]
    public async Task Snapshot_into_a_local_dir_writes_real_files_and_python_metadata()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var dir = h.NewTempFolder();
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { LocalDir = dir }, cancellationToken: ct));

        Assert.Equal(Path.GetFullPath(dir), result.Folder);
        foreach (var file in files)
        {
            var local = new FileInfo(Path.Combine(dir, file.Path));
            Assert.Null(local.LinkTarget);
            Assert.Equal(await h.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/main/{file.Path}"), await File.ReadAllBytesAsync(local.FullName));

            var lines = (await File.ReadAllTextAsync(Path.Combine(dir, ".cache", "huggingface", "download", file.Path + ".metadata"))).Split('\n');
            Assert.Equal(4, lines.Length); // three lines, each ending in \n
            Assert.Equal(commit, lines[0]);
            Assert.Equal(file.IsLfs ? file.Sha256 : file.BlobId, lines[1]);
            var stamp = double.Parse(lines[2], CultureInfo.InvariantCulture);
            Assert.InRange(stamp, before - 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 + 1);
            Assert.Contains('.', lines[2]);
            Assert.Equal("", lines[3]);
        }
        var bookkeeping = Path.Combine(dir, ".cache", "huggingface");
        Assert.Equal("*", await File.ReadAllTextAsync(Path.Combine(bookkeeping, ".gitignore")));
        Assert.Equal(HubCacheLayout.CacheDirTagContent, await File.ReadAllTextAsync(Path.Combine(bookkeeping, "CACHEDIR.TAG")));
        Assert.Empty(DownloadTestRepos.Leftovers(dir));
        // The files and the bookkeeping, nothing else at the top; the hub cache was not touched.
        Assert.Equal([".cache", ".gitattributes", "README.md", "config.json", "model.safetensors", "tokenizer"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }

    [Fact]
    public async Task Second_local_dir_snapshot_skips_every_file_without_downloading()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var dir = h.NewTempFolder();
        var request = new SnapshotRequest(ClientHarness.Demo) { LocalDir = dir };
        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct));
        hub.Emulator.ClearRequests();
        var events = new List<DownloadEvent>();

        var again = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(request, new SyncProgress<DownloadEvent>(events.Add), ct));

        Assert.All(again.Plan.Files, f => Assert.True(f.AlreadyPresent, f.Path));
        Assert.DoesNotContain(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/resolve/") || r.Host == EmulatorHost.Cdn);
        Assert.Equal(again.Plan.Files.Count, events.Count(e => e.Kind == DownloadEventKind.FileSkipped));
    }

    [Fact]
    public async Task Local_file_edited_after_download_is_fetched_again()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var dir = h.NewTempFolder();
        var request = new SnapshotRequest(ClientHarness.Demo) { LocalDir = dir, Include = ["*.json", "*.md"] };
        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct));
        var config = Path.Combine(dir, "config.json");
        await File.WriteAllTextAsync(config, "{\"edited\": true}");
        File.SetLastWriteTimeUtc(config, DateTime.UtcNow.AddMinutes(5)); // newer than its metadata
        hub.Emulator.ClearRequests();

        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct));

        Assert.Equal(await h.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/main/config.json"), await File.ReadAllBytesAsync(config));
        var fetched = hub.Emulator.Requests.Where(r => r.Method == "GET" && r.PathAndQuery.Contains("/resolve/")).Select(r => r.PathAndQuery.Split('/')[^1]);
        Assert.Contains("config.json", fetched);
        Assert.DoesNotContain("README.md", fetched);
    }

    [Fact]
    public async Task Single_file_into_a_local_dir_and_again()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var dir = h.NewTempFolder();

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.TokenizerPath, localDir: dir, cancellationToken: ct));
        Assert.Equal(Path.Combine(Path.GetFullPath(dir), "tokenizer", "spiece.model"), path);
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(await h.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/main/{DemoRepos.TokenizerPath}"), await File.ReadAllBytesAsync(path));
        Assert.True(File.Exists(Path.Combine(dir, ".cache", "huggingface", "download", "tokenizer", "spiece.model.metadata")));
        hub.Emulator.ClearRequests();

        var events = new List<DownloadEvent>();
        Assert.Equal(path, await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.TokenizerPath, localDir: dir,
            progress: new SyncProgress<DownloadEvent>(events.Add), cancellationToken: ct)));
        Assert.Equal(["HEAD"], hub.Emulator.Requests.Select(r => r.Method)); // the etag check only
        Assert.Contains(events, e => e.Kind == DownloadEventKind.FileSkipped);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }
}
