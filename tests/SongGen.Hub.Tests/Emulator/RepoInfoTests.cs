using System.Net;
using System.Text.Json;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class RepoInfoTests
{
    private const string Info = "/api/models/songgen/songgen-demo";

    [Theory]
    [InlineData("", "main")]
    [InlineData("/revision/HEAD", "main")]
    [InlineData("/revision/main", "main")]
    [InlineData("/revision/dev", "dev")]
    [InlineData("/revision/v1.0", "v1.0")]
    [InlineData("/revision/refs%2Fpr%2F1", "refs/pr/1")]
    [InlineData("/revision/refs/pr/1", "refs/pr/1")]
    [InlineData("/revision/refs%2Fheads%2Fdev", "dev")]
    [InlineData("/revision/refs%2Ftags%2Fv1.0", "v1.0")]
    public async Task Sha_is_the_commit_the_revision_points_to(string suffix, string revision)
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        using var response = await client.GetAsync(Info + suffix);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        var expected = hub.Store.ResolveRevision("model", DemoRepos.ModelId, revision);
        Assert.NotNull(expected);
        Assert.Equal(expected, body.GetProperty("sha").GetString());
        Assert.Equal(DemoRepos.ModelId, body.GetProperty("id").GetString());
        Assert.Matches("^[0-9a-f]{24}$", body.GetProperty("_id").GetString());
        Assert.Equal(hub.Store.ListFiles("model", DemoRepos.ModelId, revision).Select(f => f.Path), body.GetProperty("siblings").Strings("rfilename"));
    }

    [Fact]
    public async Task A_commit_id_is_a_revision_and_each_revision_lists_its_own_files()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var tagged = hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag)!;
        var atCommit = await (await client.GetAsync($"{Info}/revision/{tagged}")).JsonAsync();
        Assert.Equal(tagged, atCommit.GetProperty("sha").GetString());
        var atShortCommit = await (await client.GetAsync($"{Info}/revision/{tagged[..10]}")).JsonAsync();
        Assert.Equal(tagged, atShortCommit.GetProperty("sha").GetString());

        var dev = await (await client.GetAsync($"{Info}/revision/dev")).JsonAsync();
        Assert.Contains(DemoRepos.DevOnlyPath, dev.GetProperty("siblings").Strings("rfilename"));
        var pr = await (await client.GetAsync($"{Info}/revision/refs%2Fpr%2F1")).JsonAsync();
        Assert.Contains(DemoRepos.PullRequestPath, pr.GetProperty("siblings").Strings("rfilename"));
        Assert.DoesNotContain(DemoRepos.PullRequestPath, atCommit.GetProperty("siblings").Strings("rfilename"));
    }

    [Fact]
    public async Task Blobs_adds_sizes_blob_ids_and_lfs_data_to_siblings()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var body = await (await client.GetAsync(Info + "?blobs=true")).JsonAsync();
        var siblings = body.GetProperty("siblings").EnumerateArray().ToDictionary(s => s.GetProperty("rfilename").GetString()!);
        var weights = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath);
        var sibling = siblings[DemoRepos.SafetensorsPath];
        Assert.Equal(weights.Size, sibling.GetProperty("size").GetInt64());
        Assert.Equal(weights.BlobId, sibling.GetProperty("blobId").GetString());
        var lfs = sibling.GetProperty("lfs");
        Assert.Equal(weights.Sha256, lfs.GetProperty("sha256").GetString());
        Assert.Equal(weights.Size, lfs.GetProperty("size").GetInt64());
        Assert.Equal(GitPointer(weights.Sha256, weights.Size).Length, lfs.GetProperty("pointerSize").GetInt32());
        Assert.False(siblings["config.json"].TryGetProperty("lfs", out _));
        Assert.DoesNotContain("xetHash", body.ToString());
    }

    [Fact]
    public async Task Card_metadata_becomes_cardData_tags_pipeline_and_library()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var body = await (await client.GetAsync(Info)).JsonAsync();
        Assert.Equal("text-to-audio", body.GetProperty("pipeline_tag").GetString());
        Assert.Equal("songgen", body.GetProperty("library_name").GetString());
        Assert.Equal(["text-to-song", "songgen"], body.GetProperty("cardData").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var tags = body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("license:apache-2.0", tags);
        Assert.Contains("text-to-song", tags);
        Assert.Equal(JsonValueKind.False, body.GetProperty("gated").ValueKind);

        var dataset = await (await client.GetAsync("/api/datasets/songgen/demo-songs")).JsonAsync();
        Assert.Contains("task_categories:text-to-audio", dataset.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("cc-by-4.0", dataset.GetProperty("cardData").GetProperty("license").GetString());
    }

    [Fact]
    public async Task Expand_returns_only_the_ids_and_the_listed_properties()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var body = await (await client.GetAsync(Info + "/revision/HEAD?expand=sha&expand=private")).JsonAsync();
        Assert.Equal(["_id", "id", "sha", "private"], body.EnumerateObject().Select(p => p.Name));
        var likes = await (await client.GetAsync(Info + "?expand[]=likes")).JsonAsync();
        Assert.Equal(56, likes.GetProperty("likes").GetInt64());
    }

    [Fact]
    public async Task Missing_repos_and_revisions_are_404s_with_error_codes()
    {
        await using var hub = await TestHub.StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var anonymous = hub.CreateHttpClient();

        using var missingRepo = await alice.GetAsync("/api/models/songgen/nope");
        Assert.Equal(HttpStatusCode.NotFound, missingRepo.StatusCode);
        Assert.Equal("RepoNotFound", missingRepo.Header("X-Error-Code"));
        Assert.Equal("Repository not found", missingRepo.Header("X-Error-Message"));
        Assert.Equal("application/json", missingRepo.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Repository not found", (await missingRepo.JsonAsync()).GetProperty("error").GetString());

        // Like the Hub, anonymous callers get 401 for a repo they cannot see (missing or private).
        using var missingAnonymous = await anonymous.GetAsync("/api/models/songgen/nope");
        Assert.Equal(HttpStatusCode.Unauthorized, missingAnonymous.StatusCode);
        Assert.Equal("RepoNotFound", missingAnonymous.Header("X-Error-Code"));

        using var missingRevision = await anonymous.GetAsync(Info + "/revision/no-such-branch");
        Assert.Equal(HttpStatusCode.NotFound, missingRevision.StatusCode);
        Assert.Equal("RevisionNotFound", missingRevision.Header("X-Error-Code"));

        using var wrongType = await anonymous.GetAsync("/api/datasets/songgen/songgen-demo");
        Assert.Equal("RepoNotFound", wrongType.Header("X-Error-Code"));
    }

    private static byte[] GitPointer(string sha256, long size) =>
        System.Text.Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n");
}
