using System.Text.Json;
using SongGen.Hub.Emulator;
using Xunit.Abstractions;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>
/// The published @huggingface/hub client (npm 2.17.5) writing to the emulator (tests/npm-client/upload.mjs): repo
/// create/delete, preupload, LFS batch with basic PUT and parallel multipart, NDJSON commits, a stale parent, a pull
/// request and branches. An independent check that the emulator speaks the write protocol as the Hub does.
/// </summary>
public sealed class NpmUploadTests(ITestOutputHelper output)
{
    [RequiresNpmClientFact]
    public async Task Official_js_client_creates_uploads_commits_and_opens_a_pull_request()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false, options: root => new HubEmulatorOptions
        {
            Root = root, Tokens = TestHub.Tokens(), MultipartThreshold = 100_000, MultipartChunkSize = 40_000,
        });
        var reportPath = Path.Combine(hub.Root, "js-upload-report.json");
        var (exitCode, log) = await NpmClientTests.RunScriptAsync(Path.Combine(NpmClient.Folder, "upload.mjs"), hub.Endpoint, TestHub.AliceToken, reportPath);
        output.WriteLine(log);
        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        output.WriteLine(report.RootElement.ToString());
        var steps = report.RootElement.GetProperty("steps");
        foreach (var step in steps.EnumerateObject())
        {
            Assert.True(step.Value.GetProperty("ok").GetBoolean(), $"{step.Name}: {step.Value}");
        }
        JsonElement Value(string step) => steps.GetProperty(step).GetProperty("value");
        var uploaded = report.RootElement.GetProperty("uploaded").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        const string repo = "alice/js-upload";

        Assert.Equal(hub.Endpoint + "/" + repo, Value("createRepo").GetString());
        Assert.Equal(409, Value("createRepoAgain").GetProperty("status").GetInt32());

        // The first commit holds the three files, LFS where the Hub would put them, and downloads back intact.
        var firstCommit = Value("uploadFiles").GetProperty("oid").GetString()!;
        var atFirst = hub.Store.ListFiles("model", repo, firstCommit).ToDictionary(f => f.Path);
        Assert.False(atFirst["hello.txt"].IsLfs);
        Assert.True(atFirst["weights.bin"].IsLfs);
        Assert.True(atFirst["data/big.dat"].IsLfs);
        foreach (var (path, sha) in uploaded)
        {
            Assert.Equal(sha, atFirst[path].Sha256);
            Assert.Equal(sha, Value("download").GetProperty(path).GetString());
        }
        var listed = Value("listFiles").EnumerateArray().Where(f => f.GetProperty("type").GetString() == "file")
            .ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.Equal(uploaded["weights.bin"], listed["weights.bin"].GetProperty("lfsOid").GetString());
        Assert.Equal(atFirst["hello.txt"].BlobId, listed["hello.txt"].GetProperty("oid").GetString());

        // Uploads went to the CDN without a token: one PUT for weights.bin, four parallel parts + completion for big.dat.
        var uploads = hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Cdn && r.PathAndQuery.StartsWith("/lfs-upload/", StringComparison.Ordinal)).ToList();
        Assert.All(uploads, r => Assert.False(r.HasAuthorization));
        Assert.Equal(4, uploads.Count(r => r.Method == "PUT" && r.PathAndQuery.Contains("/part/", StringComparison.Ordinal)));
        Assert.Single(uploads, r => r.Method == "POST" && r.PathAndQuery.Contains("/complete", StringComparison.Ordinal));
        Assert.Single(uploads, r => r.Method == "PUT" && !r.PathAndQuery.Contains("/part/", StringComparison.Ordinal));

        // The second commit, based on the first, deleted and added; the stale one got 412 and changed nothing.
        var main = hub.Store.ResolveRevision("model", repo, "main");
        Assert.Equal(Value("deleteAndAdd").GetString(), main);
        var atMain = hub.Store.ListFiles("model", repo).Select(f => f.Path).ToList();
        Assert.DoesNotContain("hello.txt", atMain);
        Assert.Contains("notes/a.md", atMain);
        Assert.DoesNotContain("late.txt", atMain);
        Assert.Equal(412, Value("staleParent").GetProperty("status").GetInt32());

        Assert.Equal(hub.Endpoint + "/" + repo + "/discussions/1", Value("pullRequest").GetString());
        Assert.Equal(hub.Store.ResolveRevision("model", repo, "refs/pr/1"), Value("pullRequestInfo").GetString());
        Assert.Contains(hub.Store.ListFiles("model", repo, "refs/pr/1"), f => f.Path == "proposal.txt");

        Assert.Equal(Value("branches").GetString(), hub.Store.ResolveRevision("model", repo, "dev"));
        Assert.Null(hub.Store.ResolveRevision("model", repo, "gone"));
        Assert.False(Value("deleteRepo").GetBoolean());
        Assert.False(hub.Store.RepoExists("dataset", "alice/js-doomed"));
    }
}
