using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>Every injected fault ends in the right bytes or in a clear error that leaves nothing half-written visible.</summary>
public sealed class FaultRecoveryTests
{
    private static async Task<(TestHub Hub, ClientHarness H)> StartAsync(Action<HubClientOptions>? configure = null)
    {
        var hub = await TestHub.StartAsync(seedDemo: false);
        await DownloadTestRepos.SeedFilesAsync(hub);
        return (hub, ClientHarness.Create(hub, configure: configure));
    }

    private static Task<string> Download(ClientHarness h, string path, List<DownloadEvent>? events = null) =>
        h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, path,
            progress: events is null ? null : new SyncProgress<DownloadEvent>(events.Add), cancellationToken: ct));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sequential_cut_resumes_with_a_range_past_zero(bool truncate)
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(truncate ? Fault.TruncateAfterBytes(50_000) : Fault.ResetAfterBytes(50_000), FaultTarget.Cdn);
        if (!truncate) SlowEnoughToReadBeforeTheReset(hub, 1);

        var path = await Download(h, "mid.bin");

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        var cdn = DownloadTestRepos.CdnRequests(hub);
        Assert.Equal(2, cdn.Count);
        Assert.True(cdn[0].Aborted);
        Assert.Null(cdn[0].Range);
        Assert.InRange(DownloadTestRepos.RangeStart(cdn[1].Range!), 1, 50_000);
        Assert.Equal(206, cdn[1].StatusCode);
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Parallel_cuts_resume_inside_their_parts(bool truncate)
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        var rule = hub.Faults.Add(truncate ? Fault.TruncateAfterBytes(10_000) : Fault.ResetAfterBytes(10_000), FaultTarget.Cdn, times: 3);
        if (!truncate) SlowEnoughToReadBeforeTheReset(hub, 3);

        var path = await Download(h, "big.bin");

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(path));
        Assert.Equal(3, rule.FiredCount);
        var cdn = DownloadTestRepos.CdnRequests(hub);
        Assert.Equal(3, cdn.Count(r => r.Aborted));
        Assert.Equal(17 + 3, cdn.Count);
        // A resumed part asks from where its bytes stopped, not from the part's start.
        Assert.Contains(cdn, r => DownloadTestRepos.RangeStart(r.Range!) % ClientHarness.PartSize != 0);
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }

    /// <summary>
    /// A reset (RST) makes Linux drop the bytes the client has not read yet, so on fast loopback a reset after N bytes
    /// often delivers none of them. Sending in 50 ms steps lets the client read the early bytes before the cut.
    /// </summary>
    private static void SlowEnoughToReadBeforeTheReset(TestHub hub, int times) =>
        hub.Faults.Add(Fault.Throttle(100_000), FaultTarget.Cdn, times: times); // 5000-byte chunks every 50 ms

    [Fact]
    public async Task Short_body_is_completed_with_a_range()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.ShortBody(1000), FaultTarget.Cdn);

        var path = await Download(h, "mid.bin");

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        Assert.Equal([null, "bytes=1000-"], DownloadTestRepos.CdnRequests(hub).Select(r => r.Range));
    }

    [Fact]
    public async Task Ignored_range_after_a_reset_restarts_from_zero()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.ResetAfterBytes(50_000), FaultTarget.Cdn);
        SlowEnoughToReadBeforeTheReset(hub, 1);
        hub.Faults.Add(Fault.IgnoreRange(), FaultTarget.Cdn);
        var events = new List<DownloadEvent>();

        var path = await Download(h, "mid.bin", events);

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        var cdn = DownloadTestRepos.CdnRequests(hub);
        Assert.Equal(2, cdn.Count);
        Assert.NotNull(cdn[1].Range);
        Assert.Equal(200, cdn[1].StatusCode); // the server sent everything again
        // The restart replaced the bytes counted so far instead of adding to them.
        Assert.All(events, e => Assert.InRange(e.TotalBytes, 0, DownloadTestRepos.Mid.Length));
        Assert.Equal(DownloadTestRepos.Mid.Length, events.Last().TotalBytes);
    }

    [Fact]
    public async Task Ignored_range_in_parallel_falls_back_to_one_stream()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.IgnoreRange(), FaultTarget.Cdn);
        var events = new List<DownloadEvent>();

        var path = await Download(h, "big.bin", events);
        await DownloadTestRepos.WaitForQuietAsync(hub); // the refused 200 is logged when the server sees the client leave

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(path));
        var cdn = DownloadTestRepos.CdnRequests(hub);
        Assert.Single(cdn, r => r.Range is not null && r.StatusCode == 200);
        var whole = Assert.Single(cdn, r => r.Range is null);
        Assert.Equal(200, whole.StatusCode);
        Assert.Contains(events, e => e.Kind == DownloadEventKind.Retrying && e.Message!.Contains("Range"));
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }

    [Fact]
    public async Task Ignored_range_and_a_reset_in_parallel_still_end_correct()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.IgnoreRange(), FaultTarget.Cdn, times: 2);
        hub.Faults.Add(Fault.ResetAfterBytes(100_000), FaultTarget.Cdn, times: 2);

        var path = await Download(h, "big.bin");

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(path));
        Assert.Contains(DownloadTestRepos.CdnRequests(hub), r => r.Range is null);
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }

    [Theory]
    [InlineData("mid.bin", 1000)]         // one stream
    [InlineData("big.bin", 700_000)]      // parallel: the part holding that byte is corrupt
    [InlineData("notes/small.txt", 3)]    // regular file: git sha1 check
    public async Task Corrupt_byte_is_an_integrity_error_and_leaves_nothing(string file, long offset)
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.CorruptByte(offset), FaultTarget.Any, times: 1000);

        var error = await h.RunFails<DownloadIntegrityException>(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, file, cancellationToken: ct));

        Assert.Contains($"'{file}'", error.Message);
        Assert.Contains(DownloadTestRepos.Etag(hub, DownloadTestRepos.FilesId, file), error.Message);
        var repo = DownloadTestRepos.Files;
        Assert.Empty(ClientTestData.FilesUnder(h.Cache.BlobsFolder(repo)));
        Assert.Empty(ClientTestData.EntriesUnder(h.Cache.SnapshotsFolder(repo)));
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }

    [Fact]
    public async Task Corrupt_file_in_a_snapshot_fails_it_and_links_nothing()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.CorruptByte(5), FaultTarget.Cdn, times: 1000);

        var error = await h.RunFails<DownloadIntegrityException>(ct =>
            h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(DownloadTestRepos.Files) { Include = ["big.bin"] }, cancellationToken: ct));

        Assert.Contains("'big.bin'", error.Message);
        Assert.Empty(ClientTestData.FilesUnder(h.Cache.SnapshotsFolder(DownloadTestRepos.Files)));
        Assert.Empty(ClientTestData.FilesUnder(h.Cache.BlobsFolder(DownloadTestRepos.Files)));
        Assert.False(File.Exists(h.Cache.TreeCachePath(DownloadTestRepos.Files, hub.Store.ResolveRevision("model", DownloadTestRepos.FilesId, "main")!)));
    }

    [Fact]
    public async Task Body_longer_than_announced_is_refused_and_not_kept()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.Respond(200, "text/plain", "small file\nand a lot more than the Hub announced\n"), FaultTarget.Resolve, method: "GET");

        var error = await h.RunFails<DownloadIntegrityException>(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "notes/small.txt", cancellationToken: ct));

        Assert.Contains("notes/small.txt", error.Message);
        Assert.Empty(ClientTestData.FilesUnder(h.Cache.BlobsFolder(DownloadTestRepos.Files)));
    }

    [Fact]
    public async Task Server_errors_and_rate_limits_on_resolve_are_retried()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        hub.Faults.Add(Fault.Status(503), FaultTarget.Resolve, method: "HEAD", times: 2);
        hub.Faults.Add(Fault.Status(429, retryAfterSeconds: 3), FaultTarget.Resolve, method: "GET");
        hub.Faults.Add(Fault.Status(500), FaultTarget.Cdn, times: 2);

        var small = await Download(h, "notes/small.txt");
        var mid = await Download(h, "mid.bin");

        Assert.Equal(DownloadTestRepos.Small, await File.ReadAllBytesAsync(small));
        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(mid));
        Assert.Equal(["HTTP 503", "HTTP 503", "HTTP 429", "HTTP 500", "HTTP 500"], h.Retries.Select(n => n.Reason));
        Assert.Equal(TimeSpan.FromSeconds(4), h.Retries[2].Delay);
        Assert.All(h.Retries.Where(n => n.Reason == "HTTP 500"), n => Assert.Equal(hub.Emulator.CdnUrl.Host, n.Url!.Host));
    }

    [Fact]
    public async Task Stalled_body_is_dropped_after_the_stall_timeout_and_resumed()
    {
        var (hub, h) = await StartAsync(o => o.StallTimeout = TimeSpan.FromSeconds(5));
        await using var _ = hub;
        using var __ = h;
        // 2 KiB/s: 100-byte chunks 50 ms apart in real time, while the fake clock moves about 15 s: a stall every time.
        var throttle = hub.Faults.Add(Fault.Throttle(2048), FaultTarget.Cdn);
        var events = new List<DownloadEvent>();

        var path = await Download(h, "mid.bin", events);
        await DownloadTestRepos.WaitForQuietAsync(hub); // the dropped request is logged when the server sees the client leave

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        Assert.Equal(1, throttle.FiredCount);
        var cdn = DownloadTestRepos.CdnRequests(hub);
        Assert.Equal(2, cdn.Count);
        Assert.True(cdn[0].Aborted);
        Assert.Contains(events, e => e.Kind == DownloadEventKind.Retrying && e.Message!.Contains("no data for 5 s"));
    }
}
