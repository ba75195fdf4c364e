using System.Text.Json;
using System.Text.Json.Nodes;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>
/// Names that would escape the cache or the local dir are refused before anything touches the network or the disk:
/// the caller's own arguments, and names a hostile Hub puts in a tree listing (served with <see cref="Fault.Respond(int,string,string,IReadOnlyDictionary{string,string}?)"/>,
/// since the emulator's store refuses to hold such paths).
/// </summary>
public sealed class HostilePathTests
{
    public static TheoryData<string> HostileNames => new()
    {
        "../x",
        "/etc/passwd",
        "a\\b",
        "C:x",
        "sub/../../x",
        "sub//x",
        "./x",
        "x\u0000y",
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Caller_given_path_is_refused_before_any_request(string path)
    {
        await using var hub = await TestHub.StartAsync();
        using var h = ClientHarness.Create(hub);
        var localDir = h.NewTempFolder();

        await h.RunFails<UnsafeRepoPathException>(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, path, cancellationToken: ct));
        await h.RunFails<UnsafeRepoPathException>(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, path, localDir: localDir, cancellationToken: ct));
        await h.RunFails<UnsafeRepoPathException>(ct => h.Client.GetFileMetadataAsync(ClientHarness.Demo, path, cancellationToken: ct));
        await h.RunFails<UnsafeRepoPathException>(ct => h.RunList(c => h.Client.ListTreeAsync(ClientHarness.Demo, path: path, cancellationToken: c)));

        Assert.Empty(hub.Emulator.Requests);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
        Assert.Empty(ClientTestData.EntriesUnder(localDir));
    }

    private static string TreeWith(TestHub hub, string hostilePath, string? hostileOid = null)
    {
        var real = hub.Store.ListFiles("model", DemoRepos.ModelId).Single(f => f.Path == "config.json");
        var entries = new JsonArray
        {
            new JsonObject { ["type"] = "file", ["oid"] = real.BlobId, ["size"] = real.Size, ["path"] = "config.json" },
            new JsonObject { ["type"] = "file", ["oid"] = hostileOid ?? new string('a', 40), ["size"] = 5, ["path"] = hostilePath },
        };
        return entries.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Hostile_name_in_the_tree_fails_the_snapshot_with_nothing_written(string hostile)
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", TreeWith(hub, hostile)), FaultTarget.Api, pathContains: "/tree/", times: 2);
        using var h = ClientHarness.Create(hub);
        var localDir = h.NewTempFolder();

        var error = await h.RunFails<UnsafeRepoPathException>(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));
        Assert.Equal(hostile, error.Path);
        await h.RunFails<UnsafeRepoPathException>(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { LocalDir = localDir }, cancellationToken: ct));

        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir)); // no refs, no snapshot folder, no CACHEDIR.TAG
        Assert.Empty(ClientTestData.EntriesUnder(localDir));
        Assert.DoesNotContain(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/resolve/") || r.Host == EmulatorHost.Cdn);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hostile_oid_in_the_tree_is_refused_before_anything_is_written(bool force)
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", TreeWith(hub, "weights.bin", hostileOid: "../../../../outside")), FaultTarget.Api, pathContains: "/tree/");
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<UnsafeRepoPathException>(ct =>
            h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo) { Force = force }, cancellationToken: ct));

        Assert.Equal("../../../../outside", error.Path);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
        Assert.DoesNotContain(hub.Emulator.Requests, r => r.PathAndQuery.Contains("/resolve/"));
    }

    [Fact]
    public async Task Malformed_tree_json_fails_the_snapshot_naming_the_url_with_nothing_written()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "[{\"type\":\"file\",\"path\":"), FaultTarget.Api, pathContains: "/tree/");
        using var h = ClientHarness.Create(hub);
        var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;

        var error = await h.RunFails<HubProtocolException>(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));

        Assert.Contains($"{hub.Endpoint}/api/models/songgen/songgen-demo/tree/{commit}", error.Message);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }

    [Fact]
    public async Task Non_commit_sha_in_repo_info_is_refused()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "{\"id\":\"songgen/songgen-demo\",\"sha\":\"../../escape\"}"), FaultTarget.Api, pathContains: "/revision/");
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubProtocolException>(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(ClientHarness.Demo), cancellationToken: ct));

        Assert.Contains("../../escape", error.Message);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }

    [Fact]
    public async Task Hostile_commit_header_on_a_file_is_refused_with_nothing_written()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(200, "application/json", "{}", new Dictionary<string, string>
        {
            ["X-Repo-Commit"] = "../../../escape",
            ["ETag"] = "\"" + new string('b', 40) + "\"",
        }), FaultTarget.Resolve, method: "HEAD");
        using var h = ClientHarness.Create(hub);

        var error = await h.RunFails<HubProtocolException>(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, "config.json", cancellationToken: ct));
        Assert.Contains("not a 40-hex commit", error.Message);
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }

    [Fact]
    public async Task Hostile_commit_header_on_a_missing_file_writes_no_marker()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Respond(404, "application/json", "{\"error\":\"Entry not found\"}", new Dictionary<string, string>
        {
            ["X-Repo-Commit"] = "../../../escape",
            ["X-Error-Code"] = "EntryNotFound",
        }), FaultTarget.Resolve, method: "HEAD");
        using var h = ClientHarness.Create(hub);

        await h.RunFails<EntryNotFoundException>(ct => h.Downloader.DownloadFileAsync(ClientHarness.Demo, "missing.txt", cancellationToken: ct));
        Assert.Empty(ClientTestData.EntriesUnder(h.CacheDir));
    }
}
