using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary>Repo create/delete/settings, branches and tags through <see cref="HubClient"/>, and their typed errors.</summary>
public sealed class RepoAdminTests
{
    [Fact]
    public async Task Create_makes_a_repo_that_exists_and_a_second_create_is_a_conflict_unless_exist_ok()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = RepoId.Parse("alice/fresh");
        Assert.False(await h.Run(ct => h.Client.RepoExistsAsync(repo, ct)));
        var url = await h.Run(ct => h.Client.CreateRepoAsync(repo, cancellationToken: ct));
        Assert.Equal($"{hub.Endpoint}/alice/fresh", url.ToString().TrimEnd('/'));
        Assert.True(await h.Run(ct => h.Client.RepoExistsAsync(repo, ct)));
        var conflict = await h.RunFails<HubConflictException>(ct => h.Client.CreateRepoAsync(repo, cancellationToken: ct));
        Assert.Contains("already exists", conflict.Message);
        Assert.Equal(url, await h.Run(ct => h.Client.CreateRepoAsync(repo, existOk: true, cancellationToken: ct)));
    }

    [Fact]
    public async Task Private_dataset_is_invisible_to_others_and_settings_can_open_it()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        using var bob = ClientHarness.Create(hub, TestHub.BobToken);
        var repo = RepoId.Parse("alice/secret-data", RepoType.Dataset);
        await h.Run(ct => h.Client.CreateRepoAsync(repo, isPrivate: true, cancellationToken: ct));
        Assert.True((await h.Run(ct => h.Client.GetRepoInfoAsync(repo, cancellationToken: ct))).Private);
        await bob.RunFails<RepositoryNotFoundException>(ct => bob.Client.GetRepoInfoAsync(repo, cancellationToken: ct));
        await h.Run(ct => h.Client.UpdateRepoSettingsAsync(repo, isPrivate: false, cancellationToken: ct));
        Assert.False((await bob.Run(ct => bob.Client.GetRepoInfoAsync(repo, cancellationToken: ct))).Private);
    }

    [Fact]
    public async Task Delete_removes_the_repo_and_missing_ok_accepts_a_missing_one()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h, "doomed");
        await h.Run(ct => h.Client.DeleteRepoAsync(repo, cancellationToken: ct));
        Assert.False(await h.Run(ct => h.Client.RepoExistsAsync(repo, ct)));
        await h.RunFails<RepositoryNotFoundException>(ct => h.Client.DeleteRepoAsync(repo, cancellationToken: ct));
        await h.Run(ct => h.Client.DeleteRepoAsync(repo, missingOk: true, cancellationToken: ct));
    }

    [Fact]
    public async Task A_read_token_is_refused_with_a_message_that_asks_for_a_write_token()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = ClientHarness.Create(hub, HubEmulatorOptions.AliceReadToken);
        var error = await h.RunFails<HubUnauthorizedException>(ct => h.Client.CreateRepoAsync(RepoId.Parse("alice/nope"), cancellationToken: ct));
        Assert.Contains("write token", error.Message);
        Assert.DoesNotContain(HubEmulatorOptions.AliceReadToken, error.Message);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
    }

    [Fact]
    public async Task Another_users_namespace_is_forbidden()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var bob = ClientHarness.Create(hub, TestHub.BobToken);
        await bob.RunFails<HubUnauthorizedException>(ct => bob.Client.CreateRepoAsync(RepoId.Parse("alice/by-bob"), cancellationToken: ct));
    }

    [Fact]
    public async Task No_token_fails_before_any_request()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var anonymous = ClientHarness.Create(hub);
        hub.Emulator.ClearRequests();
        var error = await anonymous.RunFails<HubUnauthorizedException>(ct => anonymous.Client.CreateRepoAsync(RepoId.Parse("alice/x"), cancellationToken: ct));
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Empty(hub.Emulator.Requests);
    }

    [Fact]
    public async Task Branches_and_tags_are_created_listed_and_deleted()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h, "refs");
        var head = await UploadHarness.HeadAsync(h, repo);
        await h.Run(ct => h.Client.CreateBranchAsync(repo, "dev", cancellationToken: ct));
        await h.RunFails<HubConflictException>(ct => h.Client.CreateBranchAsync(repo, "dev", cancellationToken: ct));
        await h.Run(ct => h.Client.CreateBranchAsync(repo, "dev", existOk: true, cancellationToken: ct));
        await h.Run(ct => h.Client.CreateTagAsync(repo, "v1", message: "first", cancellationToken: ct));
        await h.RunFails<HubConflictException>(ct => h.Client.CreateTagAsync(repo, "v1", cancellationToken: ct));
        var refs = await h.Run(ct => h.Client.ListRefsAsync(repo, cancellationToken: ct));
        Assert.Equal(head, Assert.Single(refs.Branches, b => b.Name == "dev").TargetCommit);
        Assert.Equal(head, Assert.Single(refs.Tags, t => t.Name == "v1").TargetCommit);
        await h.Run(ct => h.Client.DeleteBranchAsync(repo, "dev", ct));
        await h.Run(ct => h.Client.DeleteTagAsync(repo, "v1", ct));
        refs = await h.Run(ct => h.Client.ListRefsAsync(repo, cancellationToken: ct));
        Assert.DoesNotContain(refs.Branches, b => b.Name == "dev");
        Assert.Empty(refs.Tags);
        await h.RunFails<HubException>(ct => h.Client.DeleteBranchAsync(repo, "main", ct));
        await h.RunFails<RevisionNotFoundException>(ct => h.Client.CreateTagAsync(repo, "v2", revision: new string('f', 40), cancellationToken: ct));
    }
}
