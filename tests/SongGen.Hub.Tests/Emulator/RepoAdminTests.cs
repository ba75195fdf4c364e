using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SongGen.Hub.Emulator;
using static SongGen.Hub.Tests.Emulator.WriteProtocol;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>Repo create/delete, settings, branches and tags over raw HTTP (spec §1.8, §1.9).</summary>
public sealed class RepoAdminTests
{
    [Fact]
    public async Task Created_repo_answers_its_url_and_is_readable_with_the_initial_commit()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);

        using var created = await CreateRepoAsync(alice, "fresh");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var body = await created.JsonAsync();
        Assert.Equal(hub.Endpoint + "/alice/fresh", body.GetProperty("url").GetString());
        Assert.Equal("alice/fresh", body.GetProperty("name").GetString());
        Assert.Matches("^[0-9a-f]{24}$", body.GetProperty("id").GetString());

        using var info = await alice.GetAsync("/api/models/alice/fresh");
        var json = await info.JsonAsync();
        Assert.Equal(hub.Store.ResolveRevision("model", "alice/fresh", "main"), json.GetProperty("sha").GetString());
        Assert.Equal([".gitattributes"], json.GetProperty("siblings").Strings("rfilename"));
        Assert.Equal(body.GetProperty("id").GetString(), json.GetProperty("_id").GetString());
    }

    [Fact]
    public async Task Python_body_without_type_and_null_organization_creates_a_model_in_the_callers_namespace()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var created = await CreateRepoAsync(alice, "pyrepo", organization: null);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.True(hub.Store.RepoExists("model", "alice/pyrepo"));
    }

    [Fact]
    public async Task Private_dataset_is_hidden_from_others_and_url_has_the_type_prefix()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var created = await CreateRepoAsync(alice, "secret-data", type: "dataset", visibility: "private");
        Assert.Equal(hub.Endpoint + "/datasets/alice/secret-data", (await created.JsonAsync()).GetProperty("url").GetString());

        using var anonymous = hub.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/datasets/alice/secret-data")).StatusCode);
        using var mine = await alice.GetAsync("/api/datasets/alice/secret-data");
        Assert.True((await mine.JsonAsync()).GetProperty("private").GetBoolean());
    }

    [Fact]
    public async Task Files_sent_with_create_land_in_the_repo()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var created = await alice.PostAsync("/api/repos/create", JsonContent.Create(new JsonObject
        {
            ["name"] = "with-files", ["organization"] = "alice", ["type"] = "model",
            ["files"] = new JsonArray(new JsonObject { ["path"] = "README.md", ["content"] = Convert.ToBase64String("---\nlicense: mit\n---\n"u8), ["encoding"] = "base64" }),
        }));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var info = await alice.GetAsync("/api/models/alice/with-files");
        Assert.Equal("mit", (await info.JsonAsync()).GetProperty("cardData").GetProperty("license").GetString());

        using var badPath = await alice.PostAsync("/api/repos/create", JsonContent.Create(new JsonObject
        {
            ["name"] = "bad-files", ["files"] = new JsonArray(new JsonObject { ["path"] = "../x", ["content"] = "" }),
        }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPath.StatusCode);
        Assert.False(hub.Store.RepoExists("model", "alice/bad-files"));
    }

    [Fact]
    public async Task Legacy_private_flag_is_accepted()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var created = await alice.PostAsync("/api/repos/create", JsonContent.Create(new JsonObject { ["name"] = "old", ["private"] = true }));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var anonymous = hub.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/models/alice/old")).StatusCode);
    }

    [Fact]
    public async Task Creating_an_existing_repo_is_409_with_the_url()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        (await CreateRepoAsync(alice, "twice")).Dispose();
        using var again = await CreateRepoAsync(alice, "twice");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var body = await again.JsonAsync();
        Assert.Contains("already created", body.GetProperty("error").GetString());
        Assert.Equal(hub.Endpoint + "/alice/twice", body.GetProperty("url").GetString());
        Assert.Equal("application/json", again.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Read_only_token_gets_403_that_says_to_use_a_write_token()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/existing");
        using var reader = hub.CreateHttpClient(TestHub.AliceReadToken);

        using var whoami = await reader.GetAsync("/api/whoami-v2");
        Assert.Equal("read", (await whoami.JsonAsync()).GetProperty("auth").GetProperty("accessToken").GetProperty("role").GetString());

        using var create = await CreateRepoAsync(reader, "nope");
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Contains("write token", (await create.JsonAsync()).GetProperty("error").GetString());
        Assert.Contains("write token", create.Header("X-Error-Message"));
        Assert.False(hub.Store.RepoExists("model", "alice/nope"));

        using var commit = await CommitAsync(reader, "models/alice/existing", "main", [HeaderLine("x"), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.Forbidden, commit.StatusCode);
        using var preupload = await PreuploadAsync(reader, "models/alice/existing", "main", ("a.txt", [1]));
        Assert.Equal(HttpStatusCode.Forbidden, preupload.StatusCode);
        using var batch = await BatchAsync(reader, "alice/existing", ["basic"], [1, 2, 3]);
        Assert.Equal(HttpStatusCode.Forbidden, batch.StatusCode);
        using var delete = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/repos/delete")
        {
            Content = JsonContent.Create(new JsonObject { ["name"] = "existing", ["organization"] = "alice" }),
        });
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.True(hub.Store.RepoExists("model", "alice/existing"));
    }

    [Fact]
    public async Task Anonymous_callers_get_401_and_other_namespaces_403()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/public");
        using var anonymous = hub.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await CreateRepoAsync(anonymous, "x")).StatusCode);
        using var anonymousCommit = await CommitAsync(anonymous, "models/alice/public", "main", [HeaderLine("x"), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousCommit.StatusCode);

        using var bob = hub.CreateHttpClient(TestHub.BobToken);
        using var inAlices = await CreateRepoAsync(bob, "x", organization: "alice");
        Assert.Equal(HttpStatusCode.Forbidden, inAlices.StatusCode);
        using var bobCommit = await CommitAsync(bob, "models/alice/public", "main", [HeaderLine("x"), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.Forbidden, bobCommit.StatusCode);
        Assert.Single(hub.Store.ListFiles("model", "alice/public"));
    }

    [Fact]
    public async Task Auth_check_tells_read_and_write_permission()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/checked", gated: "manual");
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var reader = hub.CreateHttpClient(TestHub.AliceReadToken);
        using var bob = hub.CreateHttpClient(TestHub.BobToken);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/api/models/alice/checked/auth-check/write")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/models/alice/checked/auth-check")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/api/models/alice/checked/auth-check/write")).StatusCode);
        using var gated = await bob.GetAsync("/api/models/alice/checked/auth-check");
        Assert.Equal(HttpStatusCode.Forbidden, gated.StatusCode);
        Assert.Equal("GatedRepo", gated.Header("X-Error-Code"));
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync("/api/models/alice/none/auth-check")).StatusCode);
    }

    [Fact]
    public async Task Deleted_repo_is_gone_and_a_second_delete_is_404()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        (await CreateRepoAsync(alice, "doomed", type: "dataset")).Dispose();
        HttpRequestMessage Delete() => new(HttpMethod.Delete, "/api/repos/delete")
        {
            Content = JsonContent.Create(new JsonObject { ["name"] = "doomed", ["organization"] = "alice", ["type"] = "dataset" }),
        };
        using var deleted = await alice.SendAsync(Delete());
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("OK", await deleted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/api/datasets/alice/doomed")).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(hub.Root, "repos", "datasets", "alice", "doomed")));

        using var again = await alice.SendAsync(Delete());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("RepoNotFound", again.Header("X-Error-Code"));

        // The name is free again.
        Assert.Equal(HttpStatusCode.OK, (await CreateRepoAsync(alice, "doomed", type: "dataset")).StatusCode);
    }

    [Fact]
    public async Task Created_repos_and_commits_persist_across_a_restart()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using (var alice = hub.CreateHttpClient(TestHub.AliceToken))
        {
            (await CreateRepoAsync(alice, "kept")).Dispose();
            using var commit = await CommitAsync(alice, "models/alice/kept", "main", [HeaderLine("Add note"), FileLine("note.txt", "hi"u8.ToArray())]);
            Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        }
        var head = hub.Store.ResolveRevision("model", "alice/kept", "main");
        await hub.RestartAsync();
        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        Assert.Equal(head, (await (await client.GetAsync("/api/models/alice/kept")).JsonAsync()).GetProperty("sha").GetString());
        Assert.Equal("hi", await client.GetStringAsync("/alice/kept/resolve/main/note.txt"));
    }

    [Fact]
    public async Task Moved_repo_keeps_its_history_under_the_new_name()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/old-name");
        await hub.Store.CommitAsync("model", "alice/old-name", "main", [EmulatorFile.FromText("a.txt", "a")]);
        await hub.Store.CreateRepoAsync("model", "alice/taken");
        var head = hub.Store.ResolveRevision("model", "alice/old-name", "main");
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);

        using var taken = await alice.PostAsync("/api/repos/move", JsonContent.Create(new JsonObject { ["fromRepo"] = "alice/old-name", ["toRepo"] = "alice/taken", ["type"] = "model" }));
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        using var elsewhere = await alice.PostAsync("/api/repos/move", JsonContent.Create(new JsonObject { ["fromRepo"] = "alice/old-name", ["toRepo"] = "bob/mine" }));
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);

        using var moved = await alice.PostAsync("/api/repos/move", JsonContent.Create(new JsonObject { ["fromRepo"] = "alice/old-name", ["toRepo"] = "alice/new-name", ["type"] = "model" }));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.False(hub.Store.RepoExists("model", "alice/old-name"));
        Assert.Equal(head, hub.Store.ResolveRevision("model", "alice/new-name", "main"));
        await hub.RestartAsync();
        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        Assert.Equal("a", await client.GetStringAsync("/alice/new-name/resolve/main/a.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/models/alice/old-name")).StatusCode);
    }

    [Fact]
    public async Task Settings_switch_visibility_and_gating()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/tuned");
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var anonymous = hub.CreateHttpClient();

        using var makePrivate = await alice.PutAsync("/api/models/alice/tuned/settings", JsonContent.Create(new JsonObject { ["visibility"] = "private" }));
        Assert.Equal(HttpStatusCode.OK, makePrivate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/models/alice/tuned")).StatusCode);

        using var gate = await alice.PutAsync("/api/models/alice/tuned/settings", JsonContent.Create(new JsonObject { ["private"] = false, ["gated"] = "manual" }));
        Assert.Equal(HttpStatusCode.OK, gate.StatusCode);
        using var info = await anonymous.GetAsync("/api/models/alice/tuned");
        Assert.Equal("manual", (await info.JsonAsync()).GetProperty("gated").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/alice/tuned/resolve/main/.gitattributes")).StatusCode);

        using var ungate = await alice.PutAsync("/api/models/alice/tuned/settings", JsonContent.Create(new JsonObject { ["gated"] = false }));
        Assert.Equal(HttpStatusCode.OK, ungate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/alice/tuned/resolve/main/.gitattributes")).StatusCode);

        using var bad = await alice.PutAsync("/api/models/alice/tuned/settings", JsonContent.Create(new JsonObject { ["gated"] = "sometimes" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var bob = hub.CreateHttpClient(TestHub.BobToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PutAsync("/api/models/alice/tuned/settings", JsonContent.Create(new JsonObject { ["private"] = true }))).StatusCode);
    }

    [Fact]
    public async Task Branches_are_created_listed_refused_twice_and_deleted()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        await hub.Store.CreateRepoAsync("model", "alice/branchy");
        await hub.Store.CommitAsync("model", "alice/branchy", "main", [EmulatorFile.FromText("a.txt", "a")]);
        var main = hub.Store.ResolveRevision("model", "alice/branchy", "main")!;

        using var created = await alice.PostAsync("/api/models/alice/branchy/branch/feature%2Fx", JsonContent.Create(new JsonObject()));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(main, hub.Store.ResolveRevision("model", "alice/branchy", "feature/x"));

        using var twice = await alice.PostAsync("/api/models/alice/branchy/branch/feature%2Fx", JsonContent.Create(new JsonObject()));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("refs/heads/feature/x already exists", (await twice.JsonAsync()).GetProperty("error").GetString());

        using var badStart = await alice.PostAsync("/api/models/alice/branchy/branch/other", JsonContent.Create(new JsonObject { ["startingPoint"] = "nope" }));
        Assert.Equal(HttpStatusCode.NotFound, badStart.StatusCode);
        Assert.Equal("RevisionNotFound", badStart.Header("X-Error-Code"));

        var history = (await (await alice.GetAsync("/api/models/alice/branchy/commits/main")).JsonAsync()).EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        using var fromOld = await alice.PostAsync("/api/models/alice/branchy/branch/old", JsonContent.Create(new JsonObject { ["startingPoint"] = history[^1] }));
        Assert.Equal(HttpStatusCode.OK, fromOld.StatusCode);
        Assert.Equal(history[^1], (await fromOld.JsonAsync()).GetProperty("targetCommit").GetString());
        using var overwrite = await alice.PostAsync("/api/models/alice/branchy/branch/old", JsonContent.Create(new JsonObject { ["startingPoint"] = "main", ["overwrite"] = true }));
        Assert.Equal(main, (await overwrite.JsonAsync()).GetProperty("targetCommit").GetString());

        using var empty = await alice.PostAsync("/api/models/alice/branchy/branch/blank", JsonContent.Create(new JsonObject { ["emptyBranch"] = true }));
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Empty(hub.Store.ListFiles("model", "alice/branchy", "blank"));

        using var refs = await alice.GetAsync("/api/models/alice/branchy/refs");
        Assert.Equal(["blank", "feature/x", "main", "old"], (await refs.JsonAsync()).GetProperty("branches").Strings("name").Order(StringComparer.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync("/api/models/alice/branchy/branch/feature%2Fx")).StatusCode);
        Assert.Null(hub.Store.ResolveRevision("model", "alice/branchy", "feature/x"));
        using var missing = await alice.DeleteAsync("/api/models/alice/branchy/branch/feature%2Fx");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var mainDelete = await alice.DeleteAsync("/api/models/alice/branchy/branch/main");
        Assert.Equal(HttpStatusCode.Forbidden, mainDelete.StatusCode);
        Assert.Contains("Cannot delete refs/heads/main", (await mainDelete.JsonAsync()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Tags_are_created_at_a_revision_refused_twice_and_deleted()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("dataset", "alice/tagged");
        var main = hub.Store.ResolveRevision("dataset", "alice/tagged", "main")!;
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);

        using var tag = await alice.PostAsync("/api/datasets/alice/tagged/tag/main", JsonContent.Create(new JsonObject { ["tag"] = "v1", ["message"] = "first" }));
        Assert.Equal(HttpStatusCode.OK, tag.StatusCode);
        Assert.Equal(main, hub.Store.ResolveRevision("dataset", "alice/tagged", "v1"));
        using var refs = await alice.GetAsync("/api/datasets/alice/tagged/refs");
        Assert.Equal(["v1"], (await refs.JsonAsync()).GetProperty("tags").Strings("name"));

        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync("/api/datasets/alice/tagged/tag/main", JsonContent.Create(new JsonObject { ["tag"] = "v1" }))).StatusCode);
        using var badRevision = await alice.PostAsync("/api/datasets/alice/tagged/tag/nope", JsonContent.Create(new JsonObject { ["tag"] = "v2" }));
        Assert.Equal(HttpStatusCode.NotFound, badRevision.StatusCode);
        Assert.Equal("RevisionNotFound", badRevision.Header("X-Error-Code"));

        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync("/api/datasets/alice/tagged/tag/v1")).StatusCode);
        Assert.Null(hub.Store.ResolveRevision("dataset", "alice/tagged", "v1"));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync("/api/datasets/alice/tagged/tag/v1")).StatusCode);
    }
}
