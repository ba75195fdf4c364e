using System.Net;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class AccessTests
{
    [Fact]
    public async Task Whoami_needs_a_known_token_and_always_has_auth()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var me = await (await alice.GetAsync("/api/whoami-v2")).JsonAsync();
        Assert.Equal("alice", me.GetProperty("name").GetString());
        Assert.Equal("user", me.GetProperty("type").GetString());
        Assert.Equal("access_token", me.GetProperty("auth").GetProperty("type").GetString());
        Assert.Equal("write", me.GetProperty("auth").GetProperty("accessToken").GetProperty("role").GetString());

        using var anonymous = hub.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/whoami-v2")).StatusCode);

        using var stranger = hub.CreateHttpClient("hf_not_a_known_token");
        using var response = await stranger.GetAsync("/api/whoami-v2");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Invalid credentials in Authorization header", response.Header("X-Error-Message"));
    }

    [Fact]
    public async Task A_bad_token_is_refused_everywhere_even_on_public_files()
    {
        await using var hub = await TestHub.StartAsync();
        using var stranger = hub.CreateHttpClient("hf_not_a_known_token");
        using var response = await stranger.GetAsync("/songgen/songgen-demo/resolve/main/config.json");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Invalid credentials in Authorization header", response.Header("X-Error-Message"));
        Assert.Null(response.Header("X-Error-Code"));
    }

    [Fact]
    public async Task Private_repos_look_missing_to_everyone_but_their_owner()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/secret", isPrivate: true);
        await hub.Store.CommitAsync("model", "alice/secret", "main", [EmulatorFile.FromText("a.txt", "hidden")]);

        foreach (var token in new[] { null, TestHub.BobToken })
        {
            using var client = hub.CreateHttpClient(token);
            foreach (var url in new[] { "/api/models/alice/secret", "/api/models/alice/secret/tree/main", "/alice/secret/resolve/main/a.txt" })
            {
                using var response = await client.GetAsync(url);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                Assert.Equal("RepoNotFound", response.Header("X-Error-Code"));
            }
        }
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        Assert.True((await (await alice.GetAsync("/api/models/alice/secret")).JsonAsync()).GetProperty("private").GetBoolean());
        Assert.Equal("hidden", await alice.GetStringAsync("/alice/secret/resolve/main/a.txt"));
    }

    [Fact]
    public async Task Gated_repos_show_info_but_files_need_an_approved_user()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        await hub.Store.CreateRepoAsync("model", "alice/gated", gated: "manual");
        await hub.Store.CommitAsync("model", "alice/gated", "main", [EmulatorFile.FromText("a.txt", "gated"), EmulatorFile.FromBytes("w.bin", [1, 2, 3])]);
        const string file = "/alice/gated/resolve/main/a.txt";

        using var anonymous = hub.CreateHttpClient();
        var info = await (await anonymous.GetAsync("/api/models/alice/gated")).JsonAsync();
        Assert.Equal("manual", info.GetProperty("gated").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/models/alice/gated/tree/main")).StatusCode);
        using var unauthenticated = await anonymous.GetAsync(file);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal("GatedRepo", unauthenticated.Header("X-Error-Code"));

        using var bob = hub.CreateHttpClient(TestHub.BobToken);
        using var notApproved = await bob.GetAsync(file);
        Assert.Equal(HttpStatusCode.Forbidden, notApproved.StatusCode);
        Assert.Equal("GatedRepo", notApproved.Header("X-Error-Code"));

        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        Assert.Equal("gated", await alice.GetStringAsync(file)); // the owner

        await hub.Store.ApproveAccessAsync("model", "alice/gated", "bob");
        Assert.Equal("gated", await bob.GetStringAsync(file));
        using var lfs = await bob.GetAsync("/alice/gated/resolve/main/w.bin"); // *.bin is LFS by the default .gitattributes
        Assert.Equal(HttpStatusCode.Found, lfs.StatusCode);
    }
}
