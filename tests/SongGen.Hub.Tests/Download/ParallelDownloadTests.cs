using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>Files above ParallelThreshold (256 KiB here) travel as 64 KiB ranged parts over several connections.</summary>
public sealed class ParallelDownloadTests
{
    private static void AssertPartsCoverOnce(IEnumerable<string?> ranges, long size)
    {
        var parts = ranges.Select(r =>
        {
            Assert.NotNull(r);
            var bounds = r!["bytes=".Length..].Split('-');
            return (Start: long.Parse(bounds[0]), End: long.Parse(bounds[1]));
        }).OrderBy(p => p.Start).ToList();
        Assert.Equal(parts.Count, parts.Select(p => p.Start).Distinct().Count());
        long next = 0;
        foreach (var (start, end) in parts)
        {
            Assert.Equal(next, start);
            Assert.Equal(0, start % ClientHarness.PartSize);
            Assert.Equal(Math.Min(start + ClientHarness.PartSize, size) - 1, end);
            next = end + 1;
        }
        Assert.Equal(size, next);
    }

    [Fact]
    public async Task Large_lfs_file_comes_in_distinct_ranged_cdn_requests()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);
        var weights = DemoRepos.BuildSafetensors();
        Assert.True(weights.Length > 2 * 1024 * 1024, "the demo weights are a few MiB");

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, DemoRepos.SafetensorsPath, cancellationToken: ct));

        Assert.Equal(weights, await File.ReadAllBytesAsync(path));
        var cdn = DownloadTestRepos.CdnRequests(hub);
        Assert.All(cdn, r => Assert.Equal(206, r.StatusCode));
        Assert.Equal((weights.Length + ClientHarness.PartSize - 1) / ClientHarness.PartSize, cdn.Count);
        AssertPartsCoverOnce(cdn.Select(r => r.Range), weights.Length);
        Assert.All(cdn, r => Assert.False(r.HasAuthorization));
        // The metadata HEAD resolved the CDN location: parts go straight there, never through the Hub's resolve URL.
        Assert.Equal(["HEAD"], hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Hub).Select(r => r.Method));
        Assert.Empty(DownloadTestRepos.Leftovers(h.CacheDir));
    }

    [Fact]
    public async Task Large_regular_file_comes_in_ranged_requests_to_the_hub()
    {
        await using var hub = await TestHub.StartAsync();
        await DownloadTestRepos.SeedFilesAsync(hub);
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);

        var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(DownloadTestRepos.Files) { Include = ["plain.dat"] }, cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Plain, await File.ReadAllBytesAsync(Path.Combine(result.Folder, "plain.dat")));
        var gets = hub.Emulator.Requests.Where(r => r.Method == "GET" && r.PathAndQuery.Contains("/resolve/")).ToList();
        Assert.All(gets, r => Assert.True(r.HasAuthorization));
        AssertPartsCoverOnce(gets.Select(r => r.Range), DownloadTestRepos.Plain.Length);
        var blob = h.Cache.BlobPath(DownloadTestRepos.Files, ClientTestData.GitBlobSha1(DownloadTestRepos.Plain));
        Assert.True(File.Exists(blob));
    }

    [Fact]
    public async Task Small_files_use_one_plain_request()
    {
        await using var hub = await TestHub.StartAsync();
        await DownloadTestRepos.SeedFilesAsync(hub);
        using var h = ClientHarness.Create(hub);

        var path = await h.Run(ct => h.Downloader.DownloadFileAsync(DownloadTestRepos.Files, "mid.bin", cancellationToken: ct));

        Assert.Equal(DownloadTestRepos.Mid, await File.ReadAllBytesAsync(path));
        var cdn = Assert.Single(DownloadTestRepos.CdnRequests(hub));
        Assert.Null(cdn.Range);
        Assert.Equal(200, cdn.StatusCode);
    }
}
