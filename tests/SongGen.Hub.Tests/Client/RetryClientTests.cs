using System.Net;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Client;

/// <summary>
/// The retry policy, observed through <see cref="HubRetryOptions.OnRetry"/>: which delays the client chose. The fake
/// clock makes the waits instant; the emulator's request log shows how many attempts were made.
/// </summary>
public sealed class RetryClientTests
{
    private static int InfoRequests(TestHub hub) => hub.Emulator.Requests.Count(r => r.PathAndQuery.StartsWith("/api/models/songgen/songgen-demo/revision/", StringComparison.Ordinal));

    [Fact]
    public async Task Two_503s_then_ok_retries_twice_with_jittered_backoff_within_bounds()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(503), FaultTarget.Api, times: 2);
        using var h = ClientHarness.Create(hub);

        var info = await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(DemoRepos.ModelId, info.Id);
        Assert.Equal(3, InfoRequests(hub));
        Assert.Equal([0, 1], h.Retries.Select(n => n.Attempt));
        Assert.All(h.Retries, n =>
        {
            Assert.Equal("HTTP 503", n.Reason);
            Assert.InRange(n.Delay, h.Options.Retry.BaseDelay, h.Options.Retry.MaxDelay);
            Assert.Contains("/api/models/songgen/songgen-demo/revision/main", n.Url!.ToString());
        });
    }

    [Fact]
    public void Jittered_backoff_stays_within_base_and_max_and_grows()
    {
        var retry = new HubRetryOptions();
        for (var i = 0; i < 2000; i++)
        {
            for (var attempt = 0; attempt < 8; attempt++)
                Assert.InRange(HubHttpPipeline.Backoff(retry, attempt), retry.BaseDelay, retry.MaxDelay);
            Assert.InRange(HubHttpPipeline.Backoff(retry, 0), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
            Assert.InRange(HubHttpPipeline.Backoff(retry, 2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6));
        }
        var spread = Enumerable.Range(0, 200).Select(_ => HubHttpPipeline.Backoff(retry, 1)).Distinct().Count();
        Assert.True(spread > 50, "jitter spreads the delays");
    }

    [Fact]
    public async Task Without_jitter_the_backoff_doubles_from_the_base_up_to_the_max()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(500), FaultTarget.Api, times: 5);
        using var h = ClientHarness.Create(hub, configure: o => o.Retry.UseJitter = false);

        await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(new[] { 1, 2, 4, 8, 8 }.Select(s => TimeSpan.FromSeconds(s)), h.Retries.Select(n => n.Delay));
        Assert.Equal(6, InfoRequests(hub));
    }

    [Fact]
    public async Task Retry_after_seconds_plus_one_is_the_delay()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(429, retryAfterSeconds: 7), FaultTarget.Api);
        using var h = ClientHarness.Create(hub);

        await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        var notice = Assert.Single(h.Retries);
        Assert.Equal(TimeSpan.FromSeconds(8), notice.Delay);
        Assert.Equal("HTTP 429", notice.Reason);
    }

    [Fact]
    public async Task Rate_limit_reset_plus_one_is_the_delay_even_beyond_the_backoff_max()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(429, rateLimitResetSeconds: 20, retryAfterSeconds: 2), FaultTarget.Api);
        using var h = ClientHarness.Create(hub);

        await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        // RateLimit wins over Retry-After, and a server-given wait is not capped by MaxDelay (8 s).
        Assert.Equal(TimeSpan.FromSeconds(21), Assert.Single(h.Retries).Delay);
    }

    [Fact]
    public async Task Rate_limit_longer_than_the_max_server_delay_fails_at_once_with_the_reset_time()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(429, rateLimitResetSeconds: 3600), FaultTarget.Api, times: 10);
        using var h = ClientHarness.Create(hub, configure: o => o.Retry.MaxServerDelay = TimeSpan.FromMinutes(10));

        var error = await h.RunFails<RateLimitedException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(TimeSpan.FromHours(1), error.ResetAfter);
        Assert.Contains("3600 s", error.Message);
        Assert.Empty(h.Retries);
        Assert.Equal(1, InfoRequests(hub));
    }

    [Fact]
    public async Task Status_outside_the_retry_set_is_not_retried()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(409, errorMessage: "conflict"), FaultTarget.Api, times: 3);
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubHttpException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(HttpStatusCode.Conflict, error.StatusCode);
        Assert.Empty(h.Retries);
        Assert.Equal(1, InfoRequests(hub));
    }

    [Fact]
    public async Task Connection_reset_on_an_api_call_is_retried()
    {
        await using var hub = await TestHub.StartAsync();
        var rule = hub.Faults.Add(Fault.ResetAfterBytes(0), FaultTarget.Api, pathContains: "/revision/");
        using var h = ClientHarness.Create(hub);

        var info = await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(DemoRepos.ModelId, info.Id);
        Assert.Equal(1, rule.FiredCount);
        Assert.Equal(2, InfoRequests(hub));
        Assert.Single(h.Retries);
    }

    [Fact]
    public async Task Connection_cut_mid_body_on_a_listing_page_is_retried()
    {
        await using var hub = await TestHub.StartAsync(options: root => new HubEmulatorOptions { Root = root, Tokens = TestHub.Tokens(), TreePageSize = 2 });
        // The second page of the tree is cut half way through its JSON.
        var rule = hub.Faults.Add(Fault.TruncateAfterBytes(40), FaultTarget.Api, pathContains: "cursor=");
        using var h = ClientHarness.Create(hub);

        var entries = await h.RunList(ct => h.Client.ListTreeAsync(ClientHarness.Demo, recursive: true, cancellationToken: ct));

        Assert.Equal(1, rule.FiredCount);
        Assert.Equal(hub.Store.ListFiles("model", DemoRepos.ModelId).Count, entries.Count(e => e.IsFile));
        Assert.Single(h.Retries);
    }

    [Fact]
    public async Task Slow_answer_times_out_per_attempt_and_is_retried()
    {
        await using var hub = await TestHub.StartAsync();
        // The server holds the first answer for 30 s of real time; the fake clock passes the 10 s attempt timeout long before.
        var slow = hub.Faults.Add(Fault.Delay(TimeSpan.FromSeconds(30)), FaultTarget.Api, pathContains: "/revision/");
        using var h = ClientHarness.Create(hub, configure: o => o.RequestTimeout = TimeSpan.FromSeconds(10));

        var info = await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(DemoRepos.ModelId, info.Id);
        Assert.Equal(1, slow.FiredCount);
        Assert.Equal("TimeoutRejectedException", Assert.Single(h.Retries).Reason);
    }

    [Fact]
    public async Task Answers_that_never_come_fail_with_a_timeout_error_after_the_retries()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Delay(TimeSpan.FromSeconds(30)), FaultTarget.Api, times: 3);
        using var h = ClientHarness.Create(hub, configure: o =>
        {
            o.RequestTimeout = TimeSpan.FromSeconds(10);
            o.Retry.MaxRetries = 2;
        });

        var error = await h.RunFails<HubException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Contains("within the request timeout", error.Message);
        Assert.Contains("/api/models/songgen/songgen-demo/revision/main", error.Message);
        Assert.Equal(2, h.Retries.Count);
    }

    [Fact]
    public async Task Unreachable_hub_is_retried_then_reported_as_a_network_error()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var h = ClientHarness.Create(hub, endpoint: ClosedPortEndpoint(), configure: o => o.Retry.MaxRetries = 2);

        var error = await h.RunFails<HttpRequestException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(2, h.Retries.Count);
        Assert.All(h.Retries, n => Assert.Equal(nameof(HttpRequestException), n.Reason));
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Post_paths_info_is_retried_on_503()
    {
        await using var hub = await TestHub.StartAsync();
        var rule = hub.Faults.Add(Fault.Status(503), FaultTarget.Api, pathContains: "/paths-info/", times: 2);
        using var h = ClientHarness.Create(hub);

        var entries = await h.Run(ct => h.Client.GetPathsInfoAsync(ClientHarness.Demo, ["config.json"], cancellationToken: ct));

        Assert.Equal("config.json", Assert.Single(entries).Path);
        Assert.Equal(2, rule.FiredCount);
        Assert.Equal(2, h.Retries.Count);
    }

    /// <summary>A loopback port with nothing listening (bound, then released).</summary>
    internal static string ClosedPortEndpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
