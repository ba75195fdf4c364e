using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class TreeTests
{
    private const string Tree = "/api/models/songgen/songgen-demo/tree";

    [Fact]
    public async Task Lists_direct_children_or_everything_below_with_git_ids()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var top = await (await client.GetAsync(Tree + "/main?recursive=false&expand=false")).JsonAsync();
        Assert.Equal([".gitattributes", "README.md", "config.json", "model.safetensors", "tokenizer"], top.Strings("path"));
        var folder = top.EnumerateArray().Single(e => e.GetProperty("path").GetString() == "tokenizer");
        Assert.Equal("directory", folder.GetProperty("type").GetString());
        Assert.Matches("^[0-9a-f]{40}$", folder.GetProperty("oid").GetString());

        var all = await (await client.GetAsync(Tree + "/main?recursive=true")).JsonAsync();
        Assert.Contains(DemoRepos.TokenizerPath, all.Strings("path"));
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId);
        foreach (var entry in all.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "file"))
        {
            var file = files.Single(f => f.Path == entry.GetProperty("path").GetString());
            Assert.Equal(file.BlobId, entry.GetProperty("oid").GetString());
            Assert.Equal(file.Size, entry.GetProperty("size").GetInt64());
            Assert.Equal(file.IsLfs, entry.TryGetProperty("lfs", out var lfs));
            if (file.IsLfs)
            {
                Assert.Equal(file.Sha256, lfs.GetProperty("oid").GetString());
                Assert.Equal(file.Size, lfs.GetProperty("size").GetInt64());
            }
            Assert.False(entry.TryGetProperty("xetHash", out _));
            Assert.False(entry.TryGetProperty("lastCommit", out _));
        }
    }

    [Fact]
    public async Task Folder_paths_work_escaped_and_raw_and_revisions_work_escaped_and_raw()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("dataset", "alice/deep");
        await hub.Store.CommitAsync("dataset", "alice/deep", "main",
            [EmulatorFile.FromText("a/b/c.txt", "c"), EmulatorFile.FromText("a/b/d.txt", "d"), EmulatorFile.FromText("a/e.txt", "e")]);
        var pr = await hub.Store.CreatePullRequestAsync("dataset", "alice/deep", [EmulatorFile.FromText("a/b/pr.txt", "pr")]);
        using var client = hub.CreateHttpClient();

        foreach (var url in new[] { "main/a%2Fb", "main/a/b", "refs%2Fheads%2Fmain/a%2Fb" })
        {
            var entries = await (await client.GetAsync($"/api/datasets/alice/deep/tree/{url}")).JsonAsync();
            Assert.Equal(["a/b/c.txt", "a/b/d.txt"], entries.Strings("path"));
        }
        foreach (var url in new[] { $"refs%2Fpr%2F{pr}/a%2Fb", $"refs/pr/{pr}/a/b" })
        {
            var entries = await (await client.GetAsync($"/api/datasets/alice/deep/tree/{url}")).JsonAsync();
            Assert.Equal(["a/b/c.txt", "a/b/d.txt", "a/b/pr.txt"], entries.Strings("path"));
        }
    }

    [Fact]
    public async Task Missing_folders_and_revisions_are_404s()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        using var missingFolder = await client.GetAsync(Tree + "/main/nope");
        Assert.Equal(HttpStatusCode.NotFound, missingFolder.StatusCode);
        Assert.Equal("EntryNotFound", missingFolder.Header("X-Error-Code"));
        using var missingRevision = await client.GetAsync(Tree + "/nope");
        Assert.Equal("RevisionNotFound", missingRevision.Header("X-Error-Code"));
    }

    [Fact]
    public async Task Expand_adds_the_last_commit_that_touched_each_entry()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var entries = (await (await client.GetAsync(Tree + "/main?recursive=true&expand=true")).JsonAsync())
            .EnumerateArray().ToDictionary(e => e.GetProperty("path").GetString()!);
        var firstUpload = hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag);
        var main = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main");
        Assert.Equal(main, entries["README.md"].GetProperty("lastCommit").GetProperty("id").GetString());
        Assert.Equal("Update model card", entries["README.md"].GetProperty("lastCommit").GetProperty("title").GetString());
        Assert.Equal(firstUpload, entries["config.json"].GetProperty("lastCommit").GetProperty("id").GetString());
        Assert.Equal(firstUpload, entries["tokenizer"].GetProperty("lastCommit").GetProperty("id").GetString());
        Assert.EndsWith("Z", entries["tokenizer"].GetProperty("lastCommit").GetProperty("date").GetString());
    }

    [Fact]
    public async Task Pages_with_absolute_links_and_smaller_pages_with_expand()
    {
        await using var hub = await TestHub.StartAsync(options: root => new HubEmulatorOptions { Root = root, Tokens = TestHub.Tokens(), TreePageSize = 40 });
        using var client = hub.CreateHttpClient();
        var files = new List<EmulatorFile>();
        for (var i = 0; i < 45; i++) files.Add(EmulatorFile.FromText($"many/{i:D2}.txt", i.ToString()));
        await hub.Store.CommitAsync("model", DemoRepos.ModelId, "main", files);

        async Task<(int Pages, List<string> Paths)> Walk(string url)
        {
            var paths = new List<string>();
            var pages = 0;
            for (string? next = url; next is not null; pages++)
            {
                using var response = await client.GetAsync(next);
                paths.AddRange((await response.JsonAsync()).Strings("path"));
                next = response.NextLink();
                if (next is not null) Assert.StartsWith(hub.Endpoint + "/api/models/songgen/songgen-demo/tree/main/many?", next);
            }
            return (pages, paths);
        }

        var plain = await Walk(Tree + "/main/many?recursive=false&expand=false");
        Assert.Equal(2, plain.Pages); // 40 + 5
        Assert.Equal(45, plain.Paths.Distinct().Count());
        var expanded = await Walk(Tree + "/main/many?expand=true");
        Assert.Equal(23, expanded.Pages); // 40 / 20 = 2 per page
        Assert.Equal(plain.Paths, expanded.Paths);
    }

    [Fact]
    public async Task Paths_info_accepts_a_form_and_a_json_body_and_leaves_out_missing_paths()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        const string url = "/api/models/songgen/songgen-demo/paths-info/main";

        using var form = await client.PostAsync(url, new FormUrlEncodedContent(
        [
            new("paths", "config.json"), new("paths", DemoRepos.SafetensorsPath), new("paths", "missing.txt"), new("paths", "tokenizer"),
            new("expand", "false"),
        ]));
        var fromForm = await form.JsonAsync();
        Assert.Equal(["config.json", DemoRepos.SafetensorsPath, "tokenizer"], fromForm.Strings("path"));
        Assert.Equal("directory", fromForm[2].GetProperty("type").GetString());
        Assert.False(fromForm[0].TryGetProperty("lastCommit", out _));

        using var json = await client.PostAsJsonAsync(url, new { paths = new[] { "config.json", DemoRepos.SafetensorsPath, "missing.txt", "tokenizer" }, expand = true });
        var fromJson = await json.JsonAsync();
        Assert.Equal(fromForm.Strings("path"), fromJson.Strings("path"));
        Assert.Equal(fromForm.EnumerateArray().Select(e => e.GetProperty("oid").GetString()), fromJson.EnumerateArray().Select(e => e.GetProperty("oid").GetString()));
        Assert.True(fromJson[0].TryGetProperty("lastCommit", out _));
        Assert.Equal(hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath).Sha256,
            fromJson[1].GetProperty("lfs").GetProperty("oid").GetString());

        using var atPr = await client.PostAsJsonAsync("/api/models/songgen/songgen-demo/paths-info/refs%2Fpr%2F1", new { paths = new[] { DemoRepos.PullRequestPath } });
        Assert.Equal([DemoRepos.PullRequestPath], (await atPr.JsonAsync()).Strings("path"));
    }

    [Fact]
    public async Task Refs_lists_branches_tags_converts_and_on_request_pull_requests()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var refs = await (await client.GetAsync("/api/models/songgen/songgen-demo/refs")).JsonAsync();
        Assert.Equal(["dev", "main"], refs.GetProperty("branches").Strings("name"));
        Assert.Equal(["refs/heads/dev", "refs/heads/main"], refs.GetProperty("branches").Strings("ref"));
        Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"), refs.GetProperty("branches")[1].GetProperty("targetCommit").GetString());
        Assert.Equal([DemoRepos.ModelTag], refs.GetProperty("tags").Strings("name"));
        Assert.Equal(JsonValueKind.Array, refs.GetProperty("converts").ValueKind);
        Assert.False(refs.TryGetProperty("pullRequests", out _));

        var withPrs = await (await client.GetAsync("/api/models/songgen/songgen-demo/refs?include_prs=1")).JsonAsync();
        Assert.Equal(["refs/pr/1"], withPrs.GetProperty("pullRequests").Strings("ref"));
    }

    [Fact]
    public async Task Commits_are_paged_newest_first_with_a_total_count()
    {
        await using var hub = await TestHub.StartAsync();
        using var client = hub.CreateHttpClient();
        var titles = new List<string>();
        for (string? url = "/api/models/songgen/songgen-demo/commits/main?limit=2"; url is not null;)
        {
            using var response = await client.GetAsync(url);
            Assert.Equal("3", response.Header("X-Total-Count"));
            var page = await response.JsonAsync();
            titles.AddRange(page.Strings("title"));
            Assert.All(page.EnumerateArray(), c => Assert.Equal("songgen", c.GetProperty("authors")[0].GetProperty("user").GetString()));
            url = response.NextLink();
        }
        Assert.Equal(["Update model card", "Add SongGen demo model", "initial commit"], titles);

        var dev = await (await client.GetAsync("/api/models/songgen/songgen-demo/commits/dev?expand[]=formatted")).JsonAsync();
        Assert.Equal("Add dev notes", dev[0].GetProperty("title").GetString());
        Assert.Equal("Add dev notes", dev[0].GetProperty("formatted").GetProperty("title").GetString());
    }
}
