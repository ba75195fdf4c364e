using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary><see cref="HubClient.ReadRangeAsync"/>: one ranged GET per hop, only the requested bytes, no token on the CDN.</summary>
public sealed class RangeReadClientTests
{
    private const string Repo = "alice/ranged";

    private static byte[] Content(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7)).ToArray();

    private static async Task<TestHub> StartAsync(byte[] lfs, byte[] small)
    {
        var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", Repo);
        // *.safetensors is LFS under the Hub's default .gitattributes (redirected to the CDN); a .txt is served by the Hub.
        await hub.Store.CommitAsync("model", Repo, "main",
            [EmulatorFile.FromBytes("model.safetensors", lfs), EmulatorFile.FromBytes("notes.txt", small)]);
        hub.Emulator.ClearRequests();
        return hub;
    }

    [Fact]
    public async Task An_lfs_file_moves_only_the_requested_bytes_and_the_cdn_sees_no_token()
    {
        var content = Content(300_000);
        await using var hub = await StartAsync(content, Content(100));
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);

        var read = await h.Run(ct => h.Client.ReadRangeAsync(RepoId.Parse(Repo), "model.safetensors", null, 1000, 100, ct));

        Assert.Equal(content.AsSpan(1000, 100).ToArray(), read.Data);
        Assert.Equal(content.Length, read.FileSize);
        var requests = hub.Emulator.Requests;
        Assert.All(requests, r => Assert.Equal("GET", r.Method));
        Assert.All(requests, r => Assert.Equal("bytes=1000-1099", r.Range));
        var onHub = Assert.Single(requests, r => r.Host == EmulatorHost.Hub);
        Assert.True(onHub.HasAuthorization);
        Assert.Contains("/resolve/main/model.safetensors", onHub.PathAndQuery);
        var onCdn = Assert.Single(requests, r => r.Host == EmulatorHost.Cdn);
        Assert.False(onCdn.HasAuthorization);
        Assert.Equal(206, onCdn.StatusCode);
        Assert.False(onCdn.Aborted);
    }

    [Fact]
    public async Task A_range_past_the_end_returns_what_is_there_and_a_regular_file_is_read_from_the_hub()
    {
        var small = Content(100);
        await using var hub = await StartAsync(Content(1000), small);
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);

        var read = await h.Run(ct => h.Client.ReadRangeAsync(RepoId.Parse(Repo), "notes.txt", null, 90, 50, ct));

        Assert.Equal(small.AsSpan(90).ToArray(), read.Data);
        Assert.Equal(100, read.FileSize);
        var request = Assert.Single(hub.Emulator.Requests);
        Assert.Equal((EmulatorHost.Hub, "bytes=90-139", 206), (request.Host, request.Range, request.StatusCode));
    }

    [Fact]
    public async Task A_server_that_ignores_range_is_refused_without_reading_the_whole_body()
    {
        await using var hub = await StartAsync(Content(2_000_000), Content(100));
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);
        hub.Faults.Add(Fault.IgnoreRange(), FaultTarget.Cdn);

        var error = await Assert.ThrowsAsync<HubProtocolException>(() =>
            h.Run(ct => h.Client.ReadRangeAsync(RepoId.Parse(Repo), "model.safetensors", null, 0, 8, ct)));

        Assert.Contains("without a byte range", error.Message);
    }

    [Fact]
    public async Task A_missing_file_is_an_entry_not_found()
    {
        await using var hub = await StartAsync(Content(1000), Content(100));
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);

        await Assert.ThrowsAsync<EntryNotFoundException>(() =>
            h.Run(ct => h.Client.ReadRangeAsync(RepoId.Parse(Repo), "absent.safetensors", null, 0, 8, ct)));
    }
}
