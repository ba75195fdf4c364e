using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Client;

public sealed class WhoAmIClientTests
{
    [Fact]
    public async Task Valid_token_returns_the_user_and_sends_it_as_bearer()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var h = ClientHarness.Create(hub, TestHub.AliceToken);

        var me = await h.Run(ct => h.Client.WhoAmIAsync(ct));

        Assert.Equal("alice", me.Name);
        Assert.Equal("user", me.Type);
        Assert.Equal("write", me.Auth?.AccessToken?.Role);
        var request = Assert.Single(hub.Emulator.Requests);
        Assert.Equal("/api/whoami-v2", request.PathAndQuery);
        Assert.True(request.HasAuthorization);
    }

    [Fact]
    public async Task No_token_fails_before_any_request()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubUnauthorizedException>(ct => h.Client.WhoAmIAsync(ct));

        Assert.Contains("token", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(hub.Emulator.Requests);
    }

    [Fact]
    public async Task Bad_token_is_unauthorized_and_never_echoed()
    {
        const string secret = "hf_this_token_is_secret_and_wrong_0123456789";
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var h = ClientHarness.Create(hub, secret);

        var error = await h.RunFails<HubUnauthorizedException>(ct => h.Client.WhoAmIAsync(ct));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.DoesNotContain(secret, error.ToString());
        Assert.DoesNotContain(secret, h.Options.ToString());
        Assert.Empty(h.Retries); // a 401 is final
    }

    [Fact]
    public async Task Token_never_appears_in_errors_or_progress_of_failing_downloads()
    {
        const string secret = "hf_emulator_alice_token";
        await using var hub = await TestHub.StartAsync();
        using var alice = ClientHarness.Create(hub, secret, o => o.Retry.MaxRetries = 1);
        var events = new List<DownloadEvent>();
        var progress = new SyncProgress<DownloadEvent>(events.Add);

        var texts = new List<string>();
        // Every failure mode a token-bearing client can hit: missing file, missing repo, bad revision, server errors.
        hub.Faults.Add(Fault.Status(500), FaultTarget.Resolve, pathContains: "config.json", times: 1000);
        foreach (var attempt in new Func<CancellationToken, Task>[]
                 {
                     ct => alice.Downloader.DownloadFileAsync(ClientHarness.Demo, "missing.bin", progress: progress, cancellationToken: ct),
                     ct => alice.Downloader.DownloadFileAsync(RepoId.Parse("alice/nope"), "x", progress: progress, cancellationToken: ct),
                     ct => alice.Downloader.DownloadFileAsync(ClientHarness.Demo, "x", revision: "no-such-branch", progress: progress, cancellationToken: ct),
                     ct => alice.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", progress: progress, cancellationToken: ct),
                     ct => alice.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Include = ["config.json"] }, progress, ct),
                     ct => alice.Client.GetRepoInfoAsync(RepoId.Parse("alice/nope"), cancellationToken: ct),
                 })
        {
            var error = await alice.RunFails<HubException>(attempt);
            texts.Add(error.ToString());
        }
        Assert.Equal(6, texts.Count);
        Assert.All(texts, text => Assert.DoesNotContain(secret, text));
        Assert.All(events, e => Assert.DoesNotContain(secret, e.Message ?? ""));
        Assert.All(alice.Retries, n => Assert.DoesNotContain(secret, n.Reason + n.Url));
        Assert.NotEmpty(events);
    }
}
