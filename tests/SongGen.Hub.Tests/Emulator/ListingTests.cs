using System.Net;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class ListingTests
{
    [Fact]
    public async Task Pages_follow_absolute_links_built_from_the_request_host_and_the_last_page_has_none()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false, root => new HubEmulatorOptions { Root = root, Tokens = TestHub.Tokens(), ListPageSize = 2 });
        for (var i = 0; i < 5; i++)
        {
            await hub.Store.CreateRepoAsync("model", $"alice/model-{i}");
        }
        using var client = hub.CreateHttpClient();

        var seen = new List<string>();
        string? url = "/api/models?author=alice&sort=createdAt&direction=1";
        var pages = 0;
        while (url is not null)
        {
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var items = await response.JsonAsync();
            seen.AddRange(items.Strings("id"));
            Assert.All(items.EnumerateArray(), item => Assert.True(item.TryGetProperty("_id", out _)));
            url = response.NextLink();
            if (url is not null)
            {
                Assert.StartsWith(hub.Endpoint + "/api/models?", url);
                Assert.Contains("author=alice", url);
                Assert.Contains("cursor=", url);
                Assert.Equal(2, items.GetArrayLength());
            }
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"alice/model-{i}"), seen);
    }

    [Fact]
    public async Task Limit_sets_the_page_size()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        using var response = await client.GetAsync("/api/models?limit=1");
        Assert.Equal(1, (await response.JsonAsync()).GetArrayLength());
        Assert.Null(response.NextLink()); // only one model
        using var datasets = await client.GetAsync("/api/datasets?limit=1");
        Assert.Equal([DemoRepos.DatasetId], (await datasets.JsonAsync()).Strings("id"));
    }

    [Fact]
    public async Task Search_author_and_filter_narrow_the_listing()
    {
        await using var hub = await TestHub.StartAsync();
        await hub.Store.CreateRepoAsync("model", "alice/other");
        using var client = hub.CreateHttpClient();

        async Task<string[]> Ids(string query) => (await (await client.GetAsync("/api/models" + query)).JsonAsync()).Strings("id").ToArray();

        Assert.Equal([DemoRepos.ModelId], await Ids("?search=SONGGEN-d"));
        Assert.Equal(["alice/other"], await Ids("?author=alice"));
        Assert.Equal([DemoRepos.ModelId], await Ids("?filter=license:apache-2.0&filter=text-to-song"));
        Assert.Equal([DemoRepos.ModelId], await Ids("?filter=songgen"));
        Assert.Equal([DemoRepos.ModelId], await Ids("?pipeline_tag=text-to-audio"));
        Assert.Empty(await Ids("?filter=license:apache-2.0&filter=license:mit"));
        Assert.Empty(await Ids("?search=nothing-like-this"));
    }

    [Fact]
    public async Task Sort_is_descending()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        foreach (var (name, downloads) in new[] { ("a", 5), ("b", 50), ("c", 20) })
        {
            await hub.Store.CreateRepoAsync("model", "alice/" + name);
            await hub.Store.UpdateMetadataAsync("model", "alice/" + name, new EmulatorRepoMetadata { Downloads = downloads, Likes = 100 - downloads });
        }
        using var client = hub.CreateHttpClient();
        Assert.Equal(["alice/b", "alice/c", "alice/a"], (await (await client.GetAsync("/api/models?sort=downloads")).JsonAsync()).Strings("id"));
        Assert.Equal(["alice/a", "alice/c", "alice/b"], (await (await client.GetAsync("/api/models?sort=likes")).JsonAsync()).Strings("id"));
    }

    [Fact]
    public async Task Expand_returns_only_the_ids_and_the_listed_properties_with_either_key_spelling()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var item = (await (await client.GetAsync("/api/models?expand=downloads&expand[]=likes")).JsonAsync())[0];
        Assert.Equal(["_id", "id", "downloads", "likes"], item.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1234, item.GetProperty("downloads").GetInt64());

        using var bad = await client.GetAsync("/api/models?expand=notAProperty");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Full_and_cardData_add_fields()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var plain = (await (await client.GetAsync("/api/models")).JsonAsync())[0];
        Assert.False(plain.TryGetProperty("siblings", out _));
        Assert.Contains("license:apache-2.0", plain.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var full = (await (await client.GetAsync("/api/models?full=true&cardData=true")).JsonAsync())[0];
        Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"), full.GetProperty("sha").GetString());
        Assert.Contains(DemoRepos.SafetensorsPath, full.GetProperty("siblings").Strings("rfilename"));
        Assert.Equal("apache-2.0", full.GetProperty("cardData").GetProperty("license").GetString());
        Assert.EndsWith("Z", full.GetProperty("lastModified").GetString());
    }

    [Fact]
    public async Task Private_repos_are_listed_only_for_their_owner()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/public");
        await hub.Store.CreateRepoAsync("model", "alice/secret", isPrivate: true);

        async Task<string[]> Ids(string? token)
        {
            using var client = hub.CreateHttpClient(token);
            return (await (await client.GetAsync("/api/models")).JsonAsync()).Strings("id").ToArray();
        }

        Assert.Equal(["alice/public"], await Ids(null));
        Assert.Equal(["alice/public"], await Ids(TestHub.BobToken));
        Assert.Equal(["alice/public", "alice/secret"], await Ids(TestHub.AliceToken));
    }
}
