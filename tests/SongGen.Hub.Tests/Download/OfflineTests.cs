using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>Offline mode (HF_HUB_OFFLINE) and an unreachable Hub: answers come from the cache, or a clear cache miss.</summary>
public sealed class OfflineTests
{
    /// <summary>An online snapshot of the demo model (weights left out to keep it quick) into a cache the offline client shares.</summary>
    private static async Task<ClientHarness> OnlineSnapshotAsync(TestHub hub)
    {
        var online = ClientHarness.Create(hub);
        await online.Run(ct => online.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Exclude = ["*.safetensors"] }, cancellationToken: ct));
        hub.Emulator.ClearRequests();
        return online;
    }

    [Fact]
    public async Task Offline_client_serves_files_and_snapshots_from_the_cache_with_no_request()
    {
        await using var hub = await TestHub.StartAsync();
        using var online = await OnlineSnapshotAsync(hub);
        using var offline = ClientHarness.Create(hub, cacheDir: online.CacheDir, configure: o => o.Offline = true);
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        var events = new List<DownloadEvent>();

        var file = await offline.Run(ct => offline.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));
        var nested = await offline.Run(ct => offline.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.TokenizerPath, commit, cancellationToken: ct));
        var snapshot = await offline.Run(ct => offline.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Exclude = ["*.safetensors"] },
            new SyncProgress<DownloadEvent>(events.Add), ct));

        Assert.Equal(offline.Cache.SnapshotFilePath(ClientHarness.Demo, commit, "config.json"), file);
        Assert.Equal(await offline.ServedBytesAsync($"/{DemoRepos.ModelId}/resolve/main/config.json"), await File.ReadAllBytesAsync(file));
        Assert.True(File.Exists(nested));
        Assert.Equal(offline.Cache.SnapshotFolder(ClientHarness.Demo, commit), snapshot.Folder);
        Assert.Equal(commit, snapshot.Plan.Commit);
        Assert.All(events.Where(e => e.Path is not null), e => Assert.Equal(DownloadEventKind.FileSkipped, e.Kind));
        Assert.Equal(events.Last().FilesTotal, events.Last().FilesDone);
        // ServedBytesAsync above is this test's own request; the offline client made none.
        Assert.All(hub.Emulator.Requests, r => Assert.True(r.HasAuthorization, "only the test's own reference read"));
        Assert.Single(hub.Emulator.Requests);
    }

    [Fact]
    public async Task Offline_misses_are_clear()
    {
        await using var hub = await TestHub.StartAsync();
        using var online = await OnlineSnapshotAsync(hub);
        using var offline = ClientHarness.Create(hub, cacheDir: online.CacheDir, configure: o => o.Offline = true);

        var unknownRepo = await offline.RunFails<CacheMissException>(ct =>
            offline.Downloader.DownloadFileAsync(RepoId.Parse("alice/never-downloaded"), "config.json", cancellationToken: ct));
        Assert.Contains("alice/never-downloaded", unknownRepo.Message);
        Assert.Contains("offline", unknownRepo.Message, StringComparison.OrdinalIgnoreCase);

        var missingFile = await offline.RunFails<CacheMissException>(ct =>
            offline.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.SafetensorsPath, cancellationToken: ct));
        Assert.Contains(DemoRepos.SafetensorsPath, missingFile.Message);

        var unknownBranch = await offline.RunFails<CacheMissException>(ct =>
            offline.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", DemoRepos.ModelBranch, cancellationToken: ct));
        Assert.Contains("@dev", unknownBranch.Message);

        var snapshot = await offline.RunFails<CacheMissException>(ct =>
            offline.Downloader.SnapshotDownloadAsync(new SnapshotRequest(RepoId.Parse("alice/never-downloaded")), cancellationToken: ct));
        Assert.Contains("not in the cache", snapshot.Message);

        // The cached listing knows the weights were left out: a full snapshot offline is incomplete, not silently partial.
        var incomplete = await offline.RunFails<CacheMissException>(ct =>
            offline.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));
        Assert.Contains("incomplete", incomplete.Message);

        var api = await offline.RunFails<OfflineModeException>(ct => offline.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));
        Assert.Contains("Offline", api.Message);
        Assert.Empty(hub.Emulator.Requests);
    }

    [Fact]
    public async Task Offline_remembers_files_known_to_be_missing()
    {
        await using var hub = await TestHub.StartAsync();
        using var online = await OnlineSnapshotAsync(hub);
        await online.RunFails<EntryNotFoundException>(ct => online.Downloader.DownloadFileAsync(ClientHarness.Demo, "not-there.txt", cancellationToken: ct));
        using var offline = ClientHarness.Create(hub, cacheDir: online.CacheDir, configure: o => o.Offline = true);
        hub.Emulator.ClearRequests();

        var error = await offline.RunFails<EntryNotFoundException>(ct => offline.Downloader.DownloadFileAsync(ClientHarness.Demo, "not-there.txt", cancellationToken: ct));

        Assert.IsNotType<CacheMissException>(error);
        Assert.Contains("does not exist", error.Message);
        Assert.Empty(hub.Emulator.Requests);
    }

    [Fact]
    public async Task Online_client_falls_back_to_the_cache_when_the_hub_is_down()
    {
        await using var hub = await TestHub.StartAsync();
        using var online = await OnlineSnapshotAsync(hub);
        using var client = ClientHarness.Create(hub, cacheDir: online.CacheDir, configure: o => o.Retry.MaxRetries = 2);
        var expected = online.Cache.TryGetCachedFile(ClientHarness.Demo, "main", "config.json");
        Assert.NotNull(expected);
        await hub.Emulator.DisposeAsync(); // the Hub goes away

        var path = await client.Run(ct => client.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));

        Assert.Equal(expected, path);
        Assert.Equal(2, client.Retries.Count); // it did try, with backoff, before giving up
        var miss = await client.RunFails<CacheMissException>(ct => client.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.SafetensorsPath, cancellationToken: ct));
        Assert.Contains("could not be reached", miss.Message);
        Assert.IsType<HttpRequestException>(miss.InnerException);
    }

    [Fact]
    public async Task Online_client_falls_back_to_the_cache_on_a_closed_port_and_on_persistent_5xx()
    {
        await using var hub = await TestHub.StartAsync();
        using var online = await OnlineSnapshotAsync(hub);
        var expected = online.Cache.TryGetCachedFile(ClientHarness.Demo, "main", "README.md");

        using var closed = ClientHarness.Create(hub, cacheDir: online.CacheDir, endpoint: Client.RetryClientTests.ClosedPortEndpoint(),
            configure: o => o.Retry.MaxRetries = 1);
        Assert.Equal(expected, await closed.Run(ct => closed.Downloader.DownloadFileAsync(ClientHarness.Demo, "README.md", cancellationToken: ct)));

        hub.Faults.Add(Fault.Status(503), FaultTarget.Resolve, times: 1000);
        using var failing = ClientHarness.Create(hub, cacheDir: online.CacheDir, configure: o => o.Retry.MaxRetries = 1);
        Assert.Equal(expected, await failing.Run(ct => failing.Downloader.DownloadFileAsync(ClientHarness.Demo, "README.md", cancellationToken: ct)));

        // Refusals are not outages: a revision the Hub says does not exist is an error, not a cache hit.
        hub.Faults.Clear();
        await failing.RunFails<RevisionNotFoundException>(ct => failing.Downloader.DownloadFileAsync(ClientHarness.Demo, "README.md", "no-such-rev", cancellationToken: ct));
    }

    [Fact]
    public async Task Snapshot_falls_back_to_the_cached_snapshot_when_the_hub_is_down()
    {
        await using var hub = await TestHub.StartAsync();
        using var online = await OnlineSnapshotAsync(hub);
        var request = new SnapshotRequest(ClientHarness.Demo) { Exclude = ["*.safetensors"] };
        var before = await online.Run(ct => online.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct));
        using var client = ClientHarness.Create(hub, cacheDir: online.CacheDir, endpoint: Client.RetryClientTests.ClosedPortEndpoint(),
            configure: o => o.Retry.MaxRetries = 1);

        var result = await client.Run(ct => client.Downloader.SnapshotDownloadAsync(request, cancellationToken: ct));

        Assert.True(result.Plan.FromCacheOnly);
        Assert.Equal(before.Folder, result.Folder);
        Assert.Equal(before.Plan.Files.Select(f => f.Path), result.Plan.Files.Select(f => f.Path));
        // The weights were never fetched: asking for the whole snapshot is a clear miss, not a partial success.
        var miss = await client.RunFails<CacheMissException>(ct => client.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));
        Assert.Contains("incomplete", miss.Message);
        Assert.Contains("could not be reached", miss.Message);
    }
}
