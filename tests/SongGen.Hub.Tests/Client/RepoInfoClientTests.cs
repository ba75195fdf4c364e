using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Client;

public sealed class RepoInfoClientTests
{
    [Theory]
    [InlineData(null, "main")]
    [InlineData("main", "main")]
    [InlineData("HEAD", "main")]
    [InlineData("dev", "dev")]
    [InlineData(DemoRepos.ModelTag, DemoRepos.ModelTag)]
    [InlineData("refs/pr/1", "refs/pr/1")]
    public async Task Info_at_a_revision_gives_its_commit(string? revision, string expectedRef)
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var expected = hub.Store.ResolveRevision("model", DemoRepos.ModelId, expectedRef);

        var info = await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, revision, cancellationToken: ct));

        Assert.Equal(DemoRepos.ModelId, info.Id);
        Assert.Equal(expected, info.Sha);
        Assert.NotNull(info.InternalId);
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId, expectedRef).Select(f => f.Path);
        Assert.Equal(files, info.Siblings!.Select(s => s.RFilename));
        if (revision is not null && revision.Contains('/'))
            Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/revision/refs%2Fpr%2F1"));
    }

    [Fact]
    public async Task Info_at_a_commit_and_with_files_metadata()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var tagCommit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag)!;
        var weights = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == DemoRepos.SafetensorsPath);

        var info = await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.Demo, tagCommit, filesMetadata: true, ct));

        Assert.Equal(tagCommit, info.Sha);
        var sibling = info.Siblings!.Single(s => s.RFilename == DemoRepos.SafetensorsPath);
        Assert.Equal(weights.Sha256, sibling.Lfs!.Sha256);
        Assert.Equal(weights.Size, sibling.Size);
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.Contains("blobs=true"));
    }

    [Fact]
    public async Task Dataset_info_and_card_data()
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);

        var info = await h.Run(ct => h.Client.GetRepoInfoAsync(ClientHarness.DemoDataset, cancellationToken: ct));

        Assert.Equal(DemoRepos.DatasetId, info.Id);
        Assert.Equal("cc-by-4.0", info.CardData!.Value.GetProperty("license").GetString());
        Assert.Contains(hub.Emulator.Requests, r => r.PathAndQuery.StartsWith("/api/datasets/songgen/demo-songs/revision/main", StringComparison.Ordinal));
    }
}
