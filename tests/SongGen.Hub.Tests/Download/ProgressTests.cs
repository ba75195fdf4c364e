using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>Byte-weighted aggregate progress: ends exactly at the total, never above it, even when transfers are cut and redone.</summary>
public sealed class ProgressTests
{
    private static void AssertWellFormed(List<DownloadEvent> events, long total, int files)
    {
        Assert.NotEmpty(events);
        Assert.Equal(DownloadEventKind.Planned, events[0].Kind);
        Assert.Equal(total, events[0].TotalExpected);
        Assert.Equal(files, events[0].FilesTotal);
        var last = events[^1];
        Assert.Equal(DownloadEventKind.Completed, last.Kind);
        Assert.Equal(total, last.TotalBytes);
        Assert.Equal(total, last.TotalExpected);
        Assert.Equal(files, last.FilesDone);
        Assert.Equal(files, last.FilesTotal);
        var filesDone = 0;
        foreach (var e in events)
        {
            Assert.InRange(e.TotalBytes, 0, total);
            Assert.InRange(e.FileBytes, 0, Math.Max(e.FileTotal, 0));
            Assert.True(e.FilesDone >= filesDone, "files_done never goes back");
            filesDone = e.FilesDone;
            Assert.True(e.BytesPerSecond >= 0);
        }
        Assert.Equal(files, events.Count(e => e.Kind is DownloadEventKind.FileCompleted or DownloadEventKind.FileSkipped));
    }

    [Fact]
    public async Task Snapshot_progress_ends_at_exactly_the_total()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId);
        var events = new List<DownloadEvent>();

        await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), new SyncProgress<DownloadEvent>(events.Add), ct));

        AssertWellFormed(events, files.Sum(f => f.Size), files.Count);
        Assert.Equal(files.Count, events.Count(e => e.Kind == DownloadEventKind.FileCompleted));
        Assert.Contains(events, e => e.Kind == DownloadEventKind.FileProgress && e.Path == DemoRepos.SafetensorsPath);
    }

    [Fact]
    public async Task Progress_never_exceeds_the_total_when_transfers_are_cut_retried_and_restarted()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await DownloadTestRepos.SeedFilesAsync(hub);
        using var h = ClientHarness.Create(hub);
        // Parallel parts cut mid-way, a server ignoring Range after a cut (restart from zero), 5xx on the Hub and the CDN.
        hub.Faults.Add(Fault.TruncateAfterBytes(30_000), FaultTarget.Cdn, pathContains: $"size={DownloadTestRepos.Big.Length}&", times: 3);
        hub.Faults.Add(Fault.TruncateAfterBytes(30_000), FaultTarget.Cdn, pathContains: $"size={DownloadTestRepos.Mid.Length}&");
        hub.Faults.Add(Fault.IgnoreRange(), FaultTarget.Cdn, pathContains: $"size={DownloadTestRepos.Mid.Length}&");
        hub.Faults.Add(Fault.Status(503), FaultTarget.Resolve, times: 2);
        hub.Faults.Add(Fault.Status(502), FaultTarget.Cdn, times: 2);
        hub.Faults.Add(Fault.ShortBody(100), FaultTarget.Resolve, pathContains: "plain.dat");
        var events = new List<DownloadEvent>();
        var total = DownloadTestRepos.Big.Length + DownloadTestRepos.Mid.Length + DownloadTestRepos.Plain.Length + DownloadTestRepos.Small.Length
                    + hub.Store.ListFiles("model", DownloadTestRepos.FilesId).Single(f => f.Path == ".gitattributes").Size;

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(DownloadTestRepos.Files), new SyncProgress<DownloadEvent>(events.Add), ct));

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(Path.Combine(result.Folder, "big.bin")));
        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(Path.Combine(result.Folder, "mid.bin")));
        Assert.Equal(DownloadTestRepos.Plain, await File.ReadAllBytesAsync(Path.Combine(result.Folder, "plain.dat")));
        Assert.Contains(events, e => e.Kind == DownloadEventKind.Retrying);
        Assert.NotEmpty(h.Retries);
        AssertWellFormed(events, total, 5);
        Assert.All(hub.Faults.Rules.Where(r => r.Fault.Kind != FaultKind.Status || r.Target == FaultTarget.Cdn), r => Assert.True(r.FiredCount > 0, r.ToString()));
    }

    [Fact]
    public async Task Single_file_progress_ends_at_its_size()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await DownloadTestRepos.SeedFilesAsync(hub);
        using var h = ClientHarness.Create(hub);
        hub.Faults.Add(Fault.TruncateAfterBytes(20_000), FaultTarget.Cdn, times: 3);
        var events = new List<DownloadEvent>();

        await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "big.bin", progress: new SyncProgress<DownloadEvent>(events.Add), cancellationToken: ct));

        AssertWellFormed(events, DownloadTestRepos.Big.Length, 1);
        Assert.Equal(3, events.Count(e => e.Kind == DownloadEventKind.Retrying));
    }

    [Fact]
    public async Task Failed_file_is_reported_and_not_counted_done()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await DownloadTestRepos.SeedFilesAsync(hub);
        using var h = ClientHarness.Create(hub);
        hub.Faults.Add(Fault.CorruptByte(0), FaultTarget.Resolve, pathContains: "small.txt", times: 10);
        var events = new List<DownloadEvent>();

        await h.RunFails<DownloadIntegrityException>(ct => h.Downloader.SnapshotDownloadAsync(
            new SnapshotRequest(DownloadTestRepos.Files) { Include = ["notes/*", "mid.bin"] }, new SyncProgress<DownloadEvent>(events.Add), ct));

        var failed = Assert.Single(events, e => e.Kind == DownloadEventKind.FileFailed);
        Assert.Equal("notes/small.txt", failed.Path);
        Assert.Contains("git blob sha1", failed.Message);
        Assert.DoesNotContain(events, e => e.Kind == DownloadEventKind.Completed);
        Assert.True(events.Max(e => e.FilesDone) <= 1);
        Assert.All(events, e => Assert.InRange(e.TotalBytes, 0, DownloadTestRepos.Mid.Length + DownloadTestRepos.Small.Length));
    }
}
