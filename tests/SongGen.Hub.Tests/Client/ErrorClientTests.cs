using System.Net;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Client;

/// <summary>Every typed error, provoked against the emulator through the public client calls.</summary>
public sealed class ErrorClientTests
{
    private static readonly RepoId Missing = RepoId.Parse("alice/does-not-exist");

    private static async Task<TestHub> HubWithPrivateAndGatedAsync()
    {
        var hub = await TestHub.StartAsync();
        await hub.Store.CreateRepoAsync("model", "alice/secret", isPrivate: true);
        await hub.Store.CommitAsync("model", "alice/secret", "main", [EmulatorFile.FromText("a.txt", "private")]);
        await hub.Store.CreateRepoAsync("model", "alice/gated", gated: "manual");
        await hub.Store.CommitAsync("model", "alice/gated", "main", [EmulatorFile.FromText("weights.bin", "gated content")]);
        return hub;
    }

    [Fact]
    public async Task Missing_repo_is_repository_not_found_for_anonymous_and_users()
    {
        await using var hub = await HubWithPrivateAndGatedAsync();
        using var anonymous = ClientHarness.Create(hub);
        using var alice = ClientHarness.Create(hub, TestHub.AliceToken);

        var anon = await anonymous.RunFails<RepositoryNotFoundException>(ct => anonymous.Client.GetRepoInfoAsync(Missing, cancellationToken: ct));
        Assert.Equal(HttpStatusCode.Unauthorized, anon.StatusCode);
        Assert.IsNotType<GatedRepoException>(anon);
        Assert.Contains("alice/does-not-exist", anon.Message);

        var user = await alice.RunFails<RepositoryNotFoundException>(ct => alice.Client.GetFileMetadataAsync(Missing, "x.txt", cancellationToken: ct));
        Assert.Equal(HttpStatusCode.NotFound, user.StatusCode);
        Assert.Empty(alice.Retries);
    }

    [Fact]
    public async Task Private_repo_looks_missing_to_others_and_is_readable_by_its_owner()
    {
        await using var hub = await HubWithPrivateAndGatedAsync();
        var secret = RepoId.Parse("alice/secret");
        using var anonymous = ClientHarness.Create(hub);
        using var bob = ClientHarness.Create(hub, TestHub.BobToken);
        using var alice = ClientHarness.Create(hub, TestHub.AliceToken);

        await anonymous.RunFails<RepositoryNotFoundException>(ct => anonymous.Client.GetRepoInfoAsync(secret, cancellationToken: ct));
        await anonymous.RunFails<RepositoryNotFoundException>(ct => anonymous.Downloader.DownloadFileAsync(secret, "a.txt", cancellationToken: ct));
        await bob.RunFails<RepositoryNotFoundException>(ct => bob.Client.GetFileMetadataAsync(secret, "a.txt", cancellationToken: ct));
        Assert.True((await alice.Run(ct => alice.Client.GetRepoInfoAsync(secret, cancellationToken: ct))).Private);
        var path = await alice.Run(ct => alice.Downloader.DownloadFileAsync(secret, "a.txt", cancellationToken: ct));
        Assert.Equal("private", await File.ReadAllTextAsync(path));
        // Nothing was written for the refused callers: the anonymous download left no repo folder in its cache.
        Assert.False(Directory.Exists(anonymous.Cache.RepoFolder(secret)));
    }

    [Fact]
    public async Task Gated_file_is_401_anonymous_403_unapproved_and_ok_once_approved()
    {
        await using var hub = await HubWithPrivateAndGatedAsync();
        var gated = RepoId.Parse("alice/gated");
        using var anonymous = ClientHarness.Create(hub);
        using var bob = ClientHarness.Create(hub, TestHub.BobToken);

        // Info and tree are visible; only files are gated.
        Assert.True((await anonymous.Run(ct => anonymous.Client.GetRepoInfoAsync(gated, cancellationToken: ct))).IsGated);

        var anon = await anonymous.RunFails<GatedRepoException>(ct => anonymous.Client.GetFileMetadataAsync(gated, "weights.bin", cancellationToken: ct));
        Assert.Equal(HttpStatusCode.Unauthorized, anon.StatusCode);
        var anonDownload = await anonymous.RunFails<GatedRepoException>(ct => anonymous.Downloader.DownloadFileAsync(gated, "weights.bin", cancellationToken: ct));
        Assert.Contains("gated", anonDownload.Message);

        var refused = await bob.RunFails<GatedRepoException>(ct => bob.Downloader.SnapshotDownloadAsync(new SnapshotRequest(gated), cancellationToken: ct));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(bob.Retries);
        Assert.Empty(ClientTestData.FilesUnder(bob.Cache.BlobsFolder(gated)));

        await hub.Store.ApproveAccessAsync("model", "alice/gated", "bob");
        var path = await bob.Run(ct => bob.Downloader.DownloadFileAsync(gated, "weights.bin", cancellationToken: ct));
        Assert.Equal("gated content", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Unknown_revision_is_revision_not_found_everywhere()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var repo = ClientHarness.Demo;

        await h.RunFails<RevisionNotFoundException>(ct => h.Client.GetRepoInfoAsync(repo, "no-such-branch", cancellationToken: ct));
        await h.RunFails<RevisionNotFoundException>(ct => h.Client.GetFileMetadataAsync(repo, "config.json", "no-such-branch", ct));
        await h.RunFails<RevisionNotFoundException>(ct => h.RunList(c => h.Client.ListTreeAsync(repo, "no-such-branch", cancellationToken: c)));
        var download = await h.RunFails<RevisionNotFoundException>(ct => h.Downloader.DownloadFileAsync(repo, "config.json", "no-such-branch", cancellationToken: ct));
        Assert.Contains("no-such-branch", download.Message);
        Assert.Empty(h.Retries);
        Assert.False(File.Exists(h.Cache.RefPath(repo, "no-such-branch")));
    }

    [Fact]
    public async Task Missing_file_is_entry_not_found_and_is_remembered_in_no_exist()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var repo = ClientHarness.Demo;
        var main = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;

        var head = await h.RunFails<EntryNotFoundException>(ct => h.Client.GetFileMetadataAsync(repo, "sub/missing.txt", cancellationToken: ct));
        Assert.Equal(main, head.CommitHash);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir)); // metadata calls never write to the cache

        var download = await h.RunFails<EntryNotFoundException>(ct => h.Downloader.DownloadFileAsync(repo, "sub/missing.txt", cancellationToken: ct));
        Assert.Contains("sub/missing.txt", download.Message);
        var marker = Path.Combine(h.Cache.RepoFolder(repo), ".no_exist", main, "sub", "missing.txt");
        Assert.True(File.Exists(marker));
        Assert.Equal(0, new FileInfo(marker).Length);
        Assert.Equal(main, await File.ReadAllTextAsync(h.Cache.RefPath(repo, "main")));
        Assert.False(Directory.Exists(h.Cache.SnapshotsFolder(repo)));
        Assert.Empty(h.Retries);
    }

    [Fact]
    public async Task Invalid_token_is_unauthorized_not_repository_not_found()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub, "hf_not_a_known_token_123");

        var info = await h.RunFails<HubUnauthorizedException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));
        Assert.Equal(HttpStatusCode.Unauthorized, info.StatusCode);
        var file = await h.RunFails<HubUnauthorizedException>(ct => h.Client.GetFileMetadataAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));
        Assert.Contains("Invalid credentials", file.Message);
    }

    [Fact]
    public async Task Rate_limit_after_retries_is_rate_limited_with_reset_time()
    {
        await using var hub = await TestHub.StartAsync();
        var rule = hub.Faults.Add(Fault.Status(429, rateLimitResetSeconds: 5), FaultTarget.Api, times: 10);
        using var h = ClientHarness.Create(hub, configure: o => o.Retry.MaxRetries = 2);

        var error = await h.RunFails<RateLimitedException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(TimeSpan.FromSeconds(5), error.ResetAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Contains("5 s", error.Message);
        Assert.Equal(3, rule.FiredCount);
        Assert.Equal([TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6)], h.Retries.Select(n => n.Delay));
    }

    [Fact]
    public async Task Server_errors_after_retries_are_hub_server_exceptions()
    {
        await using var hub = await TestHub.StartAsync();
        var rule = hub.Faults.Add(Fault.Status(502, errorMessage: "bad gateway upstream"), FaultTarget.Api, times: 10);
        using var h = ClientHarness.Create(hub, configure: o => o.Retry.MaxRetries = 3);

        var error = await h.RunFails<HubServerException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Contains("bad gateway upstream", error.Message);
        Assert.Equal(4, rule.FiredCount);
        Assert.Equal(3, h.Retries.Count);
        Assert.All(h.Retries, n => Assert.Equal("HTTP 502", n.Reason));
    }

    [Fact]
    public async Task Malformed_json_is_a_protocol_error_naming_the_url()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "{\"id\": \"songgen/songgen-demo\", \"sha\": "), FaultTarget.Api, pathContains: "/revision/");
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubProtocolException>(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, cancellationToken: ct));

        Assert.Contains($"{hub.Endpoint}/api/models/songgen/songgen-demo/revision/main", error.Message);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Fact]
    public async Task Json_of_the_wrong_shape_is_a_protocol_error()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "{\"not\":\"a list\"}"), FaultTarget.Api, pathContains: "/tree/");
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubProtocolException>(ct => h.RunList(c => h.Client.ListTreeAsync(ClientHarness.Demo, cancellationToken: c)));
        Assert.Contains("/tree/main", error.Message);
    }

    [Fact]
    public async Task Missing_commit_header_is_a_protocol_error()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "{}", new Dictionary<string, string> { ["ETag"] = "\"0123456789012345678901234567890123456789\"" }),
            FaultTarget.Resolve, method: "HEAD", times: 2);
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubProtocolException>(ct => h.Client.GetFileMetadataAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));
        Assert.Contains("X-Repo-Commit", error.Message);

        var download = await h.RunFails<HubProtocolException>(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));
        Assert.Contains("config.json", download.Message);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }

    [Fact]
    public async Task Relative_link_header_is_a_protocol_error()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "[]", new Dictionary<string, string> { ["Link"] = "</api/models?cursor=abc>; rel=\"next\"" }),
            FaultTarget.Api, pathContains: "/api/models");
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubProtocolException>(ct => h.RunList(c => h.Client.ListReposAsync(RepoType.Model, new RepoSearch(), c)));
        Assert.Contains("not an absolute", error.Message);
    }
}
