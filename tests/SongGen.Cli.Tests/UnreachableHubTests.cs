using SongGen.Hub.Emulator;

namespace SongGen.Cli.Tests;

/// <summary>
/// A Hub that cannot be reached. Each command here waits out the client's retries (about 15 s), so they live in
/// their own class and run beside the others.
/// </summary>
public sealed class UnreachableHubTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync();

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    [Fact]
    public async Task Unreachable_endpoint_is_one_line_without_stack_trace_and_a_cached_file_is_still_served()
    {
        var cached = (await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json")).OutLines.Single();

        _cli.Environment["HF_ENDPOINT"] = $"http://127.0.0.1:{ClosedPort()}";
        // Both wait out the retries; run them at once.
        var infoRun = _cli.RunAsync("hub", "info", DemoRepos.ModelId);
        var offlineRun = _cli.RunAsync("hub", "download", DemoRepos.ModelId, "config.json");
        var (info, offline) = (await infoRun, await offlineRun);

        CliSession.AssertCleanFailure(info, 1);
        Assert.Contains("cannot reach the Hub", info.Err);
        Assert.Contains("Connection refused", info.Err);

        // As Python's hf_hub_download: when the Hub cannot be reached, a file already in the cache is the answer.
        Assert.True(offline.ExitCode == 0, offline.ToString());
        Assert.Equal(cached, offline.OutLines.Single());
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
