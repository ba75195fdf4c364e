using System.Net;
using System.Security.Cryptography;
using System.Text;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class ResolveTests
{
    private const string Resolve = "/songgen/songgen-demo/resolve";

    [Fact]
    public async Task Regular_file_has_commit_etag_length_and_range_support()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var config = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == "config.json");
        var main = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main");

        using var get = await client.GetAsync(Resolve + "/main/config.json");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(main, get.Header("X-Repo-Commit"));
        Assert.Equal($"\"{config.BlobId}\"", get.Header("ETag"));
        Assert.Equal("bytes", get.Header("Accept-Ranges"));
        Assert.Equal(config.Size.ToString(), get.Header("Content-Length"));
        Assert.Null(get.Header("Content-Encoding"));
        var bytes = await get.Content.ReadAsByteArrayAsync();
        Assert.Equal(config.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Resolve + "/main/config.json"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(config.Size.ToString(), head.Header("Content-Length"));
        Assert.Equal($"\"{config.BlobId}\"", head.Header("ETag"));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Lfs_file_redirects_to_the_cdn_host_with_linked_metadata()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        var weights = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath);

        foreach (var method in new[] { HttpMethod.Head, HttpMethod.Get })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, Resolve + "/main/" + DemoRepos.SafetensorsPath));
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            var location = response.Headers.Location!;
            Assert.True(location.IsAbsoluteUri);
            Assert.Equal(hub.Emulator.CdnUrl.Host, location.Host);
            Assert.NotEqual(hub.Emulator.BaseUrl.Host, location.Host);
            Assert.Equal(hub.Emulator.CdnUrl.Port, location.Port);
            Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"), response.Header("X-Repo-Commit"));
            Assert.Equal($"\"{weights.Sha256}\"", response.Header("X-Linked-Etag"));
            Assert.Equal(weights.Size.ToString(), response.Header("X-Linked-Size"));
            Assert.Equal($"\"{weights.BlobId}\"", response.Header("ETag"));
            Assert.Null(response.Header("X-Xet-Hash"));
            if (method == HttpMethod.Get)
            {
                Assert.Equal("Found. Redirecting to " + location.AbsoluteUri, await response.Content.ReadAsStringAsync());
            }
        }
    }

    [Fact]
    public async Task Cdn_serves_the_object_without_auth_with_range_and_rejects_tampered_urls()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        var weights = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath);
        using var redirect = await client.GetAsync(Resolve + "/main/" + DemoRepos.SafetensorsPath);
        var location = redirect.Headers.Location!;

        using var cdn = new HttpClient();
        using var full = await cdn.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal($"\"{weights.Sha256}\"", full.Header("ETag"));
        Assert.Equal($"\"{weights.Sha256}\"", full.Header("X-Linked-Etag"));
        Assert.Equal(weights.Size.ToString(), full.Header("X-Linked-Size"));
        Assert.Equal(redirect.Header("X-Repo-Commit"), full.Header("X-Repo-Commit"));
        Assert.Equal("bytes", full.Header("Accept-Ranges"));
        Assert.Equal(weights.Sha256, Convert.ToHexStringLower(SHA256.HashData(await full.Content.ReadAsByteArrayAsync())));

        using var part = await cdn.SendAsync(new HttpRequestMessage(HttpMethod.Get, location).WithRange("bytes=0-7"));
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 0-7/{weights.Size}", part.Header("Content-Range"));
        var header = await part.Content.ReadAsByteArrayAsync();
        Assert.Equal(8, header.Length);

        var tampered = location.AbsoluteUri.Replace("&size=", "&size=1");
        using var forbidden = await cdn.GetAsync(tampered);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var cdnRequests = hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Cdn).ToList();
        Assert.Equal(3, cdnRequests.Count);
        Assert.All(cdnRequests, r => Assert.False(r.HasAuthorization));
        Assert.Equal("bytes=0-7", cdnRequests[1].Range);
        Assert.Equal(403, cdnRequests[2].StatusCode);
    }

    [Fact]
    public async Task Following_the_redirect_drops_the_token_and_yields_the_bytes()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient(TestHub.AliceToken, followRedirects: true);
        var bytes = await client.GetByteArrayAsync(Resolve + "/main/" + DemoRepos.SafetensorsPath);
        Assert.Equal(DemoRepos.BuildSafetensors(), bytes);
        var requests = hub.Emulator.Requests;
        Assert.True(requests[0] is { Host: EmulatorHost.Hub, HasAuthorization: true, StatusCode: 302 });
        Assert.True(requests[1] is { Host: EmulatorHost.Cdn, HasAuthorization: false, StatusCode: 200 });
    }

    [Theory]
    [InlineData("bytes=0-9", 0, 9)]
    [InlineData("bytes=10-", 10, null)]
    [InlineData("bytes=-4", null, null)]
    [InlineData("bytes=5-100000", 5, null)]
    public async Task Range_requests_get_206_with_content_range(string range, int? start, int? end)
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var content = Encoding.UTF8.GetBytes(await client.GetStringAsync(Resolve + "/main/config.json"));
        var first = start ?? content.Length - 4;
        var last = end ?? content.Length - 1;

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, Resolve + "/main/config.json").WithRange(range));
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {first}-{last}/{content.Length}", response.Header("Content-Range"));
        Assert.Equal(content[first..(last + 1)], await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(response.Header("X-Repo-Commit"));
    }

    [Fact]
    public async Task Unsatisfiable_range_is_416_with_the_total_length()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var size = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == "config.json").Size;
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, Resolve + "/main/config.json").WithRange($"bytes={size}-"));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{size}", response.Header("Content-Range"));
    }

    [Fact]
    public async Task Missing_entries_name_the_commit_and_missing_revisions_do_not()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        using var missing = await client.GetAsync(Resolve + "/main/missing.txt");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("EntryNotFound", missing.Header("X-Error-Code"));
        Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"), missing.Header("X-Repo-Commit"));
        Assert.Equal("application/json", missing.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(missing.Header("X-Error-Message"));

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, Resolve + "/main/missing.txt"));
        Assert.Equal("EntryNotFound", head.Header("X-Error-Code"));
        Assert.NotNull(head.Header("X-Repo-Commit"));

        using var badRevision = await client.GetAsync(Resolve + "/nope/config.json");
        Assert.Equal("RevisionNotFound", badRevision.Header("X-Error-Code"));
        Assert.Null(badRevision.Header("X-Repo-Commit"));
    }

    [Theory]
    [InlineData("/songgen/songgen-demo/resolve/refs%2Fpr%2F1/extra/pr-note.txt")]
    [InlineData("/songgen/songgen-demo/resolve/refs/pr/1/extra/pr-note.txt")]
    [InlineData("/songgen/songgen-demo/resolve/refs%2Fpr%2F1/extra%2Fpr-note.txt")]
    public async Task Pull_request_revisions_resolve_escaped_or_raw(string url)
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "refs/pr/1"), response.Header("X-Repo-Commit"));
        Assert.Equal("Proposed in pull request 1.\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tags_commits_datasets_and_sub_folders_resolve()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var tagged = hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag)!;
        using var atTag = await client.GetAsync(Resolve + "/v1.0/README.md");
        Assert.Equal(tagged, atTag.Header("X-Repo-Commit"));
        Assert.DoesNotContain("Updated after v1.0", await atTag.Content.ReadAsStringAsync());
        using var atCommit = await client.GetAsync($"{Resolve}/{tagged}/{DemoRepos.TokenizerPath}");
        Assert.Equal(16 * 1024, (await atCommit.Content.ReadAsByteArrayAsync()).Length);
        using var dataset = await client.GetAsync("/datasets/songgen/demo-songs/resolve/main/data/train.jsonl");
        Assert.Equal(HttpStatusCode.OK, dataset.StatusCode);
        Assert.Contains("Morning Light", await dataset.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Raw_serves_the_git_blob_which_is_the_pointer_for_lfs_files()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var weights = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath);
        using var response = await client.GetAsync("/songgen/songgen-demo/raw/main/" + DemoRepos.SafetensorsPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pointer = await response.Content.ReadAsStringAsync();
        Assert.Equal($"version https://git-lfs.github.com/spec/v1\noid sha256:{weights.Sha256}\nsize {weights.Size}\n", pointer);
        Assert.Equal($"\"{weights.BlobId}\"", response.Header("ETag"));
        Assert.Equal(weights.BlobId, GitBlobId(Encoding.ASCII.GetBytes(pointer)));

        using var missing = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/songgen/songgen-demo/raw/main/nope.txt"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Paths_with_spaces_and_unicode_resolve_when_escaped()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/names");
        await hub.Store.CommitAsync("model", "alice/names", "main", [EmulatorFile.FromText("my folder/naïve #1+2.txt", "ok")]);
        using var client = hub.CreateHttpClient();
        Assert.Equal("ok", await client.GetStringAsync("/alice/names/resolve/main/my%20folder/na%C3%AFve%20%231%2B2.txt"));
        var tree = await (await client.GetAsync("/api/models/alice/names/tree/main/my%20folder")).JsonAsync();
        Assert.Equal(["my folder/naïve #1+2.txt"], tree.Strings("path"));
        using var missing = await client.GetAsync("/api/models/alice/names/tree/main/d%C3%A9j%C3%A0");
        Assert.Equal("EntryNotFound", missing.Header("X-Error-Code"));
    }

    [Fact]
    public async Task Signed_cdn_urls_expire()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var hub = await TestHub.StartAsync(options: root => new HubEmulatorOptions { Root = root, Tokens = TestHub.Tokens(), TimeProvider = time });
        using var client = hub.CreateHttpClient();
        using var redirect = await client.GetAsync(Resolve + "/main/" + DemoRepos.SafetensorsPath);
        using var cdn = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await cdn.SendAsync(new HttpRequestMessage(HttpMethod.Head, redirect.Headers.Location))).StatusCode);
        time.Advance(TimeSpan.FromHours(2));
        using var expired = await cdn.GetAsync(redirect.Headers.Location);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Equal("Request has expired", await expired.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Side_endpoints_answer_json()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var client = hub.CreateHttpClient();
        using var yaml = await client.PostAsync("/api/validate-yaml", new StringContent("{\"content\":\"---\\n---\",\"repoType\":\"model\"}", Encoding.UTF8, "application/json"));
        Assert.Equal("{\"errors\":[],\"warnings\":[{\"message\":\"empty or missing yaml metadata in repo card\"}]}", await yaml.Content.ReadAsStringAsync());
        Assert.Equal("{\"standardEnvVars\":[],\"harnesses\":{}}", await client.GetStringAsync("/api/agent-harnesses"));
    }

    private static string GitBlobId(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
}
