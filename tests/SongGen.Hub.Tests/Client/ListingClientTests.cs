using SongGen.Hub.Api;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Client;

/// <summary>Search, tree, paths-info and refs through the client, with tiny pages so that every listing spans several.</summary>
public sealed class ListingClientTests
{
    private static Task<TestHub> SmallPagesHubAsync() =>
        TestHub.StartAsync(options: root => new HubEmulatorOptions { Root = root, Tokens = TestHub.Tokens(), ListPageSize = 2, TreePageSize = 2 });

    /// <summary>acme/m0 … acme/m6: downloads 10·i, tag "even" on even i; plus other/x.</summary>
    private static async Task SeedAcmeAsync(TestHub hub)
    {
        for (var i = 0; i < 7; i++)
        {
            var id = $"acme/m{i}";
            await hub.Store.CreateRepoAsync("model", id, createdAt: new DateTimeOffset(2025, 1, 1 + i, 0, 0, 0, TimeSpan.Zero));
            await hub.Store.UpdateMetadataAsync("model", id, new EmulatorRepoMetadata
            {
                Downloads = 10 * ((i * 3) % 7), // a permutation, so sort order differs from creation order
                Tags = i % 2 == 0 ? ["even"] : ["odd"],
                PipelineTag = i == 3 ? "text-to-audio" : "text-generation",
            });
        }
        await hub.Store.CreateRepoAsync("model", "other/x");
    }

    private static int ApiListRequests(TestHub hub) =>
        hub.Emulator.Requests.Count(r => r.PathAndQuery.StartsWith("/api/models?", StringComparison.Ordinal) || r.PathAndQuery == "/api/models");

    [Fact]
    public async Task Search_follows_every_page()
    {
        await using var hub = await SmallPagesHubAsync();
        await SeedAcmeAsync(hub);
        using var h = ClientHarness.Create(hub);

        var repos = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Author = "acme" }, ct));

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"acme/m{i}"), repos.Select(r => r.Id));
        Assert.Equal(4, ApiListRequests(hub)); // 2+2+2+1
        Assert.All(hub.Emulator.Requests, r => Assert.Contains("author=acme", r.PathAndQuery));
    }

    [Fact]
    public async Task Limit_stops_early_without_fetching_further_pages()
    {
        await using var hub = await SmallPagesHubAsync();
        await SeedAcmeAsync(hub);
        using var h = ClientHarness.Create(hub);

        var repos = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Author = "acme", Limit = 3 }, ct));

        Assert.Equal(["acme/m0", "acme/m1", "acme/m2"], repos.Select(r => r.Id));
        Assert.Equal(2, ApiListRequests(hub));
        Assert.Contains("limit=3", hub.Emulator.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task Filters_author_search_and_sort_reach_the_hub()
    {
        await using var hub = await SmallPagesHubAsync();
        await SeedAcmeAsync(hub);
        using var h = ClientHarness.Create(hub);

        var even = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Filters = ["even"] }, ct));
        Assert.Equal(["acme/m0", "acme/m2", "acme/m4", "acme/m6"], even.Select(r => r.Id));

        var byDownloads = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Author = "acme", Sort = "downloads" }, ct));
        Assert.Equal(7, byDownloads.Count);
        Assert.Equal(byDownloads.Select(r => r.Downloads).OrderDescending(), byDownloads.Select(r => r.Downloads));
        Assert.Equal("acme/m2", byDownloads[0].Id); // downloads 60

        var task = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Author = "acme", PipelineTag = "text-to-audio" }, ct));
        Assert.Equal("acme/m3", Assert.Single(task).Id);
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("pipeline_tag=text-to-audio", StringComparison.Ordinal));

        var search = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Search = "m5" }, ct));
        Assert.Equal("acme/m5", Assert.Single(search).Id);

        var other = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Author = "other" }, ct));
        Assert.Equal("other/x", Assert.Single(other).Id);

        var datasets = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Dataset, new RepoSearch(), ct));
        Assert.Equal(DemoRepos.DatasetId, Assert.Single(datasets).Id);

        var full = await h.RunList(ct => h.Client.ListReposAsync(RepoType.Model, new RepoSearch { Search = "songgen-demo", Full = true }, ct));
        var demo = Assert.Single(full);
        Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main"), demo.Sha);
        Assert.Contains(demo.Siblings!, s => s.RFilename == DemoRepos.SafetensorsPath);
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("filter=even") );
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("sort=downloads"));
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("full=true"));
    }

    [Fact]
    public async Task Tree_lists_pages_recursively_and_at_a_sub_path()
    {
        await using var hub = await SmallPagesHubAsync();
        using var h = ClientHarness.Create(hub);
        var repo = ClientHarness.Demo;
        var stored = hub.Store.ListFiles("model", DemoRepos.ModelId);

        var top = await h.RunList(ct => h.Client.ListTreeAsync(repo, cancellationToken: ct));
        Assert.Equal([".gitattributes", "README.md", "config.json", "model.safetensors", "tokenizer"], top.Select(e => e.Path));
        Assert.Equal("directory", top.Single(e => e.Path == "tokenizer").Type);
        Assert.True(hub.Emulator.Requests.Count(r => r.PathAndQuery.Contains("/tree/")) >= 3, "five entries in pages of two");

        var all = await h.RunList(ct => h.Client.ListTreeAsync(repo, recursive: true, cancellationToken: ct));
        Assert.Equal(stored.Select(f => f.Path).Order(StringComparer.Ordinal), all.Where(e => e.IsFile).Select(e => e.Path).Order(StringComparer.Ordinal));
        foreach (var file in stored)
        {
            var entry = all.Single(e => e.Path == file.Path);
            Assert.Equal(file.Size, entry.Size);
            Assert.Equal(file.BlobId, entry.Oid);
            Assert.Equal(file.IsLfs ? file.Sha256 : file.BlobId, entry.ExpectedEtag);
        }

        var sub = await h.RunList(ct => h.Client.ListTreeAsync(repo, path: "tokenizer", recursive: true, cancellationToken: ct));
        Assert.Equal([DemoRepos.TokenizerPath], sub.Select(e => e.Path));
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/tree/main/tokenizer?"));

        var missing = await h.RunFails<EntryNotFoundException>(ct => h.RunList(c => h.Client.ListTreeAsync(repo, path: "nope", cancellationToken: c)));
        Assert.Contains("nope", missing.Message);
    }

    [Fact]
    public async Task Tree_at_a_revision_with_a_slash_is_escaped_as_one_segment()
    {
        await using var hub = await SmallPagesHubAsync();
        using var h = ClientHarness.Create(hub);

        var entries = await h.RunList(ct => h.Client.ListTreeAsync(ClientHarness.Demo, revision: "refs/pr/1", recursive: true, cancellationToken: ct));

        Assert.Contains(entries, e => e.Path == DemoRepos.PullRequestPath);
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/tree/refs%2Fpr%2F1"));
    }

    [Fact]
    public async Task Paths_info_returns_existing_paths_only()
    {
        await using var hub = await SmallPagesHubAsync();
        using var h = ClientHarness.Create(hub);
        var weights = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath);

        var entries = await h.Run(ct => h.Client.GetPathsInfoAsync(ClientHarness.Demo, ["config.json", DemoRepos.SafetensorsPath, "missing.txt"], cancellationToken: ct));

        Assert.Equal(["config.json", DemoRepos.SafetensorsPath], entries.Select(e => e.Path).Order(StringComparer.Ordinal));
        var lfs = entries.Single(e => e.Path == DemoRepos.SafetensorsPath).Lfs!;
        Assert.Equal(weights.Sha256, lfs.Oid);
        Assert.Equal(weights.Size, lfs.Size);

        var atTag = await h.Run(ct => h.Client.GetPathsInfoAsync(ClientHarness.Demo, ["README.md"], DemoRepos.ModelTag, cancellationToken: ct));
        var atMain = await h.Run(ct => h.Client.GetPathsInfoAsync(ClientHarness.Demo, ["README.md"], cancellationToken: ct));
        Assert.NotEqual(Assert.Single(atTag).Oid, Assert.Single(atMain).Oid); // the card changed after v1.0
    }

    [Fact]
    public async Task Refs_list_branches_tags_and_pull_requests()
    {
        await using var hub = await SmallPagesHubAsync();
        using var h = ClientHarness.Create(hub);
        string Commit(string rev) => hub.Store.ResolveRevision("model", DemoRepos.ModelId, rev)!;

        var refs = await h.Run(ct => h.Client.ListRefsAsync(ClientHarness.Demo, cancellationToken: ct));
        Assert.Equal(["dev", "main"], refs.Branches.Select(b => b.Name));
        Assert.Equal(Commit("main"), refs.Branches.Single(b => b.Name == "main").TargetCommit);
        var tag = Assert.Single(refs.Tags);
        Assert.Equal((DemoRepos.ModelTag, "refs/tags/v1.0", Commit(DemoRepos.ModelTag)), (tag.Name, tag.Ref, tag.TargetCommit));
        Assert.Null(refs.PullRequests);

        var withPrs = await h.Run(ct => h.Client.ListRefsAsync(ClientHarness.Demo, includePullRequests: true, ct));
        var pr = Assert.Single(withPrs.PullRequests!);
        Assert.Equal(("refs/pr/1", Commit("refs/pr/1")), (pr.Ref, pr.TargetCommit));
    }
}
