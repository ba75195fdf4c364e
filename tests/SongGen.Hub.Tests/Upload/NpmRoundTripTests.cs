using System.Text.Json;
using SongGen.Hub.Tests.Emulator;
using Xunit.Abstractions;

namespace SongGen.Hub.Tests;

/// <summary>
/// songgen and the official @huggingface/hub client (npm) on the same emulator: what one writes, the other reads intact.
/// Skipped when node or the npm client is missing (<c>npm ci</c> in tests/npm-client).
/// </summary>
public sealed class NpmRoundTripTests(ITestOutputHelper output)
{
    private static string Script => Path.Combine(NpmClient.Folder, "roundtrip.mjs");

    private async Task<Dictionary<string, string>> RunAsync(TestHub hub, string repo, string mode)
    {
        var report = Path.Combine(hub.Root, $"roundtrip-{mode}-{Guid.NewGuid():N}.json");
        var (exitCode, log) = await NpmClientTests.RunScriptAsync(Script, hub.Endpoint, TestHub.AliceToken, repo, mode, report);
        output.WriteLine(log);
        Assert.True(exitCode == 0, log);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(report))!;
    }

    [RequiresNpmClientFact]
    public async Task A_folder_uploaded_by_songgen_downloads_intact_with_the_js_client()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h, "to-js");
        var files = new Dictionary<string, byte[]>
        {
            ["README.md"] = UploadHarness.Text("# from songgen\n"),
            ["weights/small.bin"] = UploadHarness.Binary(30_000, 1),
            ["weights/big.bin"] = UploadHarness.Binary(400_000, 2), // multipart on the way up
        };
        var folder = UploadHarness.Folder(h, files);
        await h.Run(ct => new HubCommitter(h.Client).UploadFolderAsync(new FolderUploadRequest(repo, folder), cancellationToken: ct));

        var seen = await RunAsync(hub, repo.Id, "download");

        foreach (var (path, bytes) in files) Assert.Equal(ClientTestData.Sha256(bytes), seen[path]);
    }

    [RequiresNpmClientFact]
    public async Task A_commit_made_by_the_js_client_is_pulled_intact_by_songgen_sync()
    {
        await using var hub = await UploadHarness.StartAsync();
        using var h = UploadHarness.Alice(hub);
        var repo = await UploadHarness.NewRepoAsync(h, "from-js");
        var local = UploadHarness.Folder(h, new Dictionary<string, byte[]> { ["old.txt"] = UploadHarness.Text("old"), ["keep.txt"] = UploadHarness.Text("keep") });
        var sync = new HubSync(h.Client);
        await h.Run(async ct => await sync.ApplyAsync(await sync.PlanAsync(new SyncRequest(SyncDirection.Push, local, repo), ct), cancellationToken: ct));

        var added = await RunAsync(hub, repo.Id, "commit");
        var plan = await h.Run(ct => sync.PlanAsync(new SyncRequest(SyncDirection.Pull, local, repo) { Delete = true }, ct));
        Assert.Equal(["from-js/big.bin", "from-js/readme.txt", "from-js/weights.bin"],
            plan.Actions.Where(a => a.Action == SyncAction.Download).Select(a => a.Path).Order(StringComparer.Ordinal));
        Assert.Equal("old.txt", Assert.Single(plan.Actions, a => a.Action == SyncAction.DeleteLocal).Path);
        await h.Run(ct => sync.ApplyAsync(plan, cancellationToken: ct));

        foreach (var (path, sha) in added)
            Assert.Equal(sha, ClientTestData.Sha256(await File.ReadAllBytesAsync(Path.Combine(local, path))));
        Assert.False(File.Exists(Path.Combine(local, "old.txt")));
        Assert.Equal("keep", await File.ReadAllTextAsync(Path.Combine(local, "keep.txt")));
    }
}
