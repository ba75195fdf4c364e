using System.Text;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>Partial downloads left by an earlier run (same or another process) are resumed, and only if they are right.</summary>
public sealed class ResumeTests
{
    private static async Task<(TestHub Hub, ClientHarness H)> StartAsync()
    {
        var hub = await TestHub.StartAsync(seedDemo: false);
        await DownloadTestRepos.SeedFilesAsync(hub);
        return (hub, ClientHarness.Create(hub));
    }

    private static string BlobOf(ClientHarness h, byte[] content) => h.Cache.BlobPath(DownloadTestRepos.Files, ClientTestData.Sha256(content));

    [Fact]
    public async Task Partial_with_correct_bytes_is_resumed_with_a_range()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        var partial = BlobOf(h, DownloadTestRepos.Mid) + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        await File.WriteAllBytesAsync(partial, DownloadTestRepos.Mid[..100_000]);
        var events = new List<DownloadEvent>();

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "mid.bin",
            progress: new SyncProgress<DownloadEvent>(events.Add), cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        var cdn = Assert.Single(DownloadTestRepos.CdnRequests(hub));
        Assert.Equal("bytes=100000-", cdn.Range);
        Assert.Equal(206, cdn.StatusCode);
        Assert.False(File.Exists(partial));
        var started = Assert.Single(events, e => e.Kind == DownloadEventKind.FileStarted);
        Assert.Equal(100_000, started.FileBytes);
    }

    [Fact]
    public async Task Partial_with_wrong_bytes_fails_the_hash_and_is_deleted()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        var partial = BlobOf(h, DownloadTestRepos.Mid) + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        var wrong = DownloadTestRepos.Mid[..100_000];
        wrong[12_345] ^= 0x5A;
        await File.WriteAllBytesAsync(partial, wrong);

        var error = await h.RunFails<DownloadIntegrityException>(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "mid.bin", cancellationToken: ct));

        Assert.Contains("'mid.bin'", error.Message);
        Assert.Equal("bytes=100000-", Assert.Single(DownloadTestRepos.CdnRequests(hub)).Range);
        Assert.False(File.Exists(partial));
        Assert.False(File.Exists(BlobOf(h, DownloadTestRepos.Mid)));

        // The next run starts clean and succeeds.
        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "mid.bin", cancellationToken: ct));
        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        Assert.Null(DownloadTestRepos.CdnRequests(hub)[^1].Range);
    }

    [Fact]
    public async Task Partial_longer_than_the_file_is_discarded()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        var partial = BlobOf(h, DownloadTestRepos.Mid) + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        await File.WriteAllBytesAsync(partial, [.. DownloadTestRepos.Mid, .. "junk"u8.ToArray()]);

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "mid.bin", cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        Assert.Null(Assert.Single(DownloadTestRepos.CdnRequests(hub)).Range);
    }

    /// <summary>Writes a <c>.parallel.incomplete</c> of full size holding the given parts (zeros elsewhere) and its <c>.parts</c> record.</summary>
    private static (string Temp, string State) WriteParallelPartial(ClientHarness h, byte[] content, int[] doneParts, Func<int, byte[]>? partBytes = null)
    {
        var temp = BlobOf(h, content) + ".parallel.incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        var data = new byte[content.Length];
        foreach (var part in doneParts)
        {
            var start = (int)(part * ClientHarness.PartSize);
            var length = (int)Math.Min(ClientHarness.PartSize, content.Length - start);
            (partBytes?.Invoke(part) ?? content.AsSpan(start, length).ToArray()).CopyTo(data, start);
        }
        File.WriteAllBytes(temp, data);
        var state = $"{{\"size\":{content.Length},\"part_size\":{ClientHarness.PartSize},\"done\":[{string.Join(',', doneParts)}]}}";
        File.WriteAllText(temp + ".parts", state); // UTF-8 without BOM, as the downloader writes it
        return (temp, temp + ".parts");
    }

    [Fact]
    public async Task Parallel_partial_fetches_only_the_missing_parts()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        int[] done = [0, 2, 3, 16];
        var (temp, state) = WriteParallelPartial(h, DownloadTestRepos.Big, done);

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "big.bin", cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(path));
        var starts = DownloadTestRepos.CdnRequests(hub).Select(r => DownloadTestRepos.RangeStart(r.Range!)).Order();
        var missing = Enumerable.Range(0, 17).Except(done).Select(p => p * ClientHarness.PartSize);
        Assert.Equal(missing, starts);
        Assert.False(File.Exists(temp));
        Assert.False(File.Exists(state));
    }

    [Fact]
    public async Task Parallel_partial_with_a_wrong_part_fails_the_hash_and_is_deleted_with_its_record()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        var (temp, state) = WriteParallelPartial(h, DownloadTestRepos.Big, [1, 5], part => part == 5 ? new byte[ClientHarness.PartSize] : DownloadTestRepos.Big.AsSpan((int)(part * ClientHarness.PartSize), (int)ClientHarness.PartSize).ToArray());

        var error = await h.RunFails<DownloadIntegrityException>(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "big.bin", cancellationToken: ct));

        Assert.Contains("'big.bin'", error.Message);
        Assert.Equal(15, DownloadTestRepos.CdnRequests(hub).Count);
        Assert.False(File.Exists(temp));
        Assert.False(File.Exists(state));
        Assert.Empty(ClientTestData.FilesUnder(h.Cache.BlobsFolder(DownloadTestRepos.Files)));
    }

    [Fact]
    public async Task Parallel_record_for_another_part_size_is_ignored()
    {
        var (hub, h) = await StartAsync();
        await using var _ = hub;
        using var __ = h;
        var (temp, state) = WriteParallelPartial(h, DownloadTestRepos.Big, [0, 1, 2]);
        File.WriteAllText(state, $"{{\"size\":{DownloadTestRepos.Big.Length},\"part_size\":1048576,\"done\":[0]}}");

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "big.bin", cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(path));
        Assert.Equal(17, DownloadTestRepos.CdnRequests(hub).Count);
        Assert.False(File.Exists(temp));
        Assert.False(File.Exists(state));
    }

    [Fact]
    public async Task Cancelled_parallel_download_keeps_its_finished_parts_and_the_next_run_fetches_the_rest()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await DownloadTestRepos.SeedFilesAsync(hub);
        using var h = ClientHarness.Create(hub, configure: o => o.Download.ConnectionsPerFile = 2);
        hub.Faults.Add(Fault.Throttle(2_000_000), FaultTarget.Cdn, times: 1000); // ~30 ms per part
        using var stop = new CancellationTokenSource();
        var progress = new SyncProgress<DownloadEvent>(e =>
        {
            if (e.Kind == DownloadEventKind.FileProgress && e.FileBytes >= 4 * ClientHarness.PartSize) stop.Cancel();
        });

        await h.RunFails<OperationCanceledException>(async ct =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, stop.Token);
            await h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "big.bin", progress: progress, cancellationToken: linked.Token);
        });

        var temp = BlobOf(h, DownloadTestRepos.Big) + ".parallel.incomplete";
        Assert.True(File.Exists(temp));
        using var record = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(temp + ".parts"));
        var done = record.RootElement.GetProperty("done").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.InRange(done.Count, 3, 16);
        Assert.False(File.Exists(BlobOf(h, DownloadTestRepos.Big)));
        hub.Faults.Clear();
        await DownloadTestRepos.WaitForQuietAsync(hub);
        hub.Emulator.ClearRequests();

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "big.bin", cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Big, await File.ReadAllBytesAsync(path));
        var starts = DownloadTestRepos.CdnRequests(hub).Select(r => DownloadTestRepos.RangeStart(r.Range!)).Order();
        Assert.Equal(Enumerable.Range(0, 17).Except(done).Select(p => p * ClientHarness.PartSize), starts);
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }
}
