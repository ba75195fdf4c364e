using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SongGen.Hub.Emulator;
using static SongGen.Hub.Tests.Emulator.WriteProtocol;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>Fault injection on the upload path: resets mid-PUT, 5xx on a part, 429 on the batch and the commit.</summary>
public sealed class UploadFaultTests
{
    private const string Repo = "alice/faulty";

    private static async Task<TestHub> StartAsync()
    {
        var hub = await TestHub.StartAsync(seedDemo: false, options: root => new HubEmulatorOptions
        {
            Root = root, Tokens = TestHub.Tokens(), LfsThreshold = 4096, MultipartThreshold = 100_000, MultipartChunkSize = 40_000,
        });
        await hub.Store.CreateRepoAsync("model", Repo);
        return hub;
    }

    private static async Task<JsonElement> BatchObjectAsync(HttpClient client, byte[] content, params string[] transfers)
    {
        using var batch = await BatchAsync(client, Repo, transfers.Length == 0 ? ["basic"] : transfers, content);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        return (await batch.JsonAsync()).GetProperty("objects")[0];
    }

    [Fact]
    public async Task Reset_mid_put_stores_nothing_and_the_retry_uploads_the_object()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var content = RandomNumberGenerator.GetBytes(300_000);
        var href = (await BatchObjectAsync(alice, content)).GetProperty("actions").GetProperty("upload").GetProperty("href").GetString()!;
        var rule = hub.Faults.Add(Fault.ResetAfterBytes(50_000), FaultTarget.Upload, method: "PUT");

        using var cdn = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => cdn.PutAsync(href, new ByteArrayContent(content)));
        Assert.Equal(1, rule.FiredCount);
        Assert.Contains(hub.Emulator.Requests, r => r.Host == EmulatorHost.Cdn && r.Method == "PUT" && r.Aborted);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(hub.Root, "objects", "tmp"))); // the partial body was dropped

        // Resuming asks the batch again: the object is still missing, so it gets an upload action again.
        var retry = await BatchObjectAsync(alice, content);
        using var put = await cdn.PutAsync(retry.GetProperty("actions").GetProperty("upload").GetProperty("href").GetString(), new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False((await BatchObjectAsync(alice, content)).TryGetProperty("actions", out _));
    }

    [Fact]
    public async Task Server_error_on_one_part_is_retried_and_the_completion_succeeds()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var content = RandomNumberGenerator.GetBytes(110_000); // 3 parts of 40,000
        var upload = (await BatchObjectAsync(alice, content, "basic", "multipart")).GetProperty("actions").GetProperty("upload");
        var header = upload.GetProperty("header");
        var rule = hub.Faults.Add(Fault.Status(503, retryAfterSeconds: 1), FaultTarget.Upload, pathContains: "/part/2", method: "PUT");

        using var cdn = new HttpClient();
        var parts = new JsonArray();
        for (var part = 1; part <= 3; part++)
        {
            var slice = content.AsSpan((part - 1) * 40_000, Math.Min(40_000, content.Length - (part - 1) * 40_000)).ToArray();
            var url = header.GetProperty(part.ToString("D5")).GetString();
            var put = await cdn.PutAsync(url, new ByteArrayContent(slice));
            if (part == 2)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
                Assert.Equal("1", put.Headers.RetryAfter?.Delta?.TotalSeconds.ToString());
                put.Dispose();
                put = await cdn.PutAsync(url, new ByteArrayContent(slice)); // the same URL works on retry
            }
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            parts.Add(new JsonObject { ["partNumber"] = part, ["etag"] = put.Headers.ETag!.Tag });
            put.Dispose();
        }
        Assert.True(rule.IsUsedUp);
        using var complete = await cdn.PostAsync(upload.GetProperty("href").GetString(),
            new StringContent(new JsonObject { ["oid"] = Sha256(content), ["parts"] = parts }.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        Assert.False((await BatchObjectAsync(alice, content)).TryGetProperty("actions", out _));
    }

    [Fact]
    public async Task Rate_limit_on_the_batch_answers_429_with_retry_information()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        hub.Faults.Add(Fault.Status(429, rateLimitResetSeconds: 3), FaultTarget.Upload, pathContains: "/objects/batch");
        using var limited = await BatchAsync(alice, Repo, ["basic"], [1, 2, 3]);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("\"api\";r=0;t=3", limited.Header("RateLimit"));
        using var next = await BatchAsync(alice, Repo, ["basic"], [1, 2, 3]);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Rate_limited_commit_changes_nothing_and_the_retry_commits_once()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var head = hub.Store.ResolveRevision("model", Repo, "main");
        hub.Faults.Add(Fault.Status(429, retryAfterSeconds: 2), FaultTarget.Api, pathContains: "/commit/", method: "POST");

        using var limited = await CommitAsync(alice, "models/" + Repo, "main", [HeaderLine("Add", parentCommit: head), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("2", limited.Header("Retry-After"));
        Assert.Equal(head, hub.Store.ResolveRevision("model", Repo, "main"));

        using var retried = await CommitAsync(alice, "models/" + Repo, "main", [HeaderLine("Add", parentCommit: head), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        using var commits = await alice.GetAsync($"/api/models/{Repo}/commits/main");
        Assert.Equal(2, (await commits.JsonAsync()).GetArrayLength()); // initial commit + one upload
    }

    [Fact]
    public async Task Reset_after_the_commit_is_applied_leaves_the_commit_in_place()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var head = hub.Store.ResolveRevision("model", Repo, "main");
        hub.Faults.Add(Fault.ResetAfterBytes(0), FaultTarget.Api, pathContains: "/commit/", method: "POST");

        await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var response = await CommitAsync(alice, "models/" + Repo, "main", [HeaderLine("Landed", parentCommit: head), FileLine("a.txt", [1])]);
            await response.Content.ReadAsByteArrayAsync();
        });
        // The answer was lost but the commit landed: the branch head tells.
        var newHead = hub.Store.ResolveRevision("model", Repo, "main");
        Assert.NotEqual(head, newHead);
        using var commits = await alice.GetAsync($"/api/models/{Repo}/commits/main");
        Assert.Equal("Landed", (await commits.JsonAsync())[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task Throttled_put_takes_about_size_over_rate()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var content = RandomNumberGenerator.GetBytes(60_000);
        var href = (await BatchObjectAsync(alice, content)).GetProperty("actions").GetProperty("upload").GetProperty("href").GetString()!;
        var rule = hub.Faults.Add(Fault.Throttle(100_000), FaultTarget.Upload, method: "PUT");
        using var cdn = new HttpClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var put = await cdn.PutAsync(href, new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"took {clock.Elapsed}"); // 60 KB at 100 KB/s
        Assert.Equal(1, rule.FiredCount);
    }

    [Fact]
    public async Task Cdn_download_faults_do_not_hit_uploads()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var content = RandomNumberGenerator.GetBytes(5000);
        var href = (await BatchObjectAsync(alice, content)).GetProperty("actions").GetProperty("upload").GetProperty("href").GetString()!;
        var downloadRule = hub.Faults.Add(Fault.Status(500), FaultTarget.Cdn);
        using var cdn = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await cdn.PutAsync(href, new ByteArrayContent(content))).StatusCode);
        Assert.False(downloadRule.IsUsedUp);
    }
}
