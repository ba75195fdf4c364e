using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SongGen.Hub.Emulator;
using static SongGen.Hub.Tests.Emulator.WriteProtocol;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>preupload → LFS batch → PUT → NDJSON commit over raw HTTP (spec §5.1), and what the read side shows afterwards.</summary>
public sealed class UploadTests
{
    private const string Repo = "alice/up";
    private const string ApiRepo = "models/alice/up";

    /// <summary>A small LFS threshold so tests can cross it with a few KiB.</summary>
    private static HubEmulatorOptions SmallLfs(string root) =>
        new() { Root = root, Tokens = TestHub.Tokens(), LfsThreshold = 4096, MultipartThreshold = 10_000, MultipartChunkSize = 4000 };

    private static async Task<TestHub> StartAsync()
    {
        var hub = await TestHub.StartAsync(seedDemo: false, options: SmallLfs);
        await hub.Store.CreateRepoAsync("model", Repo);
        return hub;
    }

    [Fact]
    public async Task Preupload_decides_upload_mode_ignores_and_reports_remote_oids()
    {
        await using var hub = await StartAsync();
        var readme = "# hello\n"u8.ToArray();
        var weights = RandomNumberGenerator.GetBytes(100);
        await hub.Store.CommitAsync("model", Repo, "main",
        [
            EmulatorFile.FromBytes("README.md", readme),
            EmulatorFile.FromBytes("weights.bin", weights),
            EmulatorFile.FromText(".gitignore", "logs/\n*.tmp\n!keep.tmp\n"),
        ]);
        var head = hub.Store.ResolveRevision("model", Repo, "main");
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);

        using var response = await PreuploadAsync(alice, ApiRepo, "main",
            ("README.md", readme),
            ("weights.bin", weights),                         // *.bin: LFS by the Hub's default .gitattributes
            ("big.txt", Encoding.ASCII.GetBytes(new string('x', 4096))), // at the threshold
            ("binary.dat", [1, 0, 2]),                       // NUL byte in the sample
            ("empty.bin", []),                               // empty files are always regular
            ("notes/plain.txt", "text"u8.ToArray()),
            ("logs/run.txt", "x"u8.ToArray()),
            ("scratch.tmp", "x"u8.ToArray()),
            ("keep.tmp", "x"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal(head, body.GetProperty("commitOid").GetString());
        var files = body.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.Equal(9, files.Count);
        Assert.All(files.Values, f => Assert.True(f.GetProperty("shouldIgnore").ValueKind is JsonValueKind.True or JsonValueKind.False));
        string Mode(string path) => files[path].GetProperty("uploadMode").GetString()!;
        bool Ignored(string path) => files[path].GetProperty("shouldIgnore").GetBoolean();
        Assert.Equal("regular", Mode("README.md"));
        Assert.Equal("lfs", Mode("weights.bin"));
        Assert.Equal("lfs", Mode("big.txt"));
        Assert.Equal("lfs", Mode("binary.dat"));
        Assert.Equal("regular", Mode("empty.bin"));
        Assert.Equal("regular", Mode("notes/plain.txt"));
        Assert.True(Ignored("logs/run.txt"));
        Assert.True(Ignored("scratch.tmp"));
        Assert.False(Ignored("keep.tmp"));
        Assert.False(Ignored("README.md"));

        // oid of existing paths: git blob id for regular files, SHA-256 for LFS files; none for new paths.
        Assert.Equal(GitBlobSha1(readme), files["README.md"].GetProperty("oid").GetString());
        Assert.Equal(Sha256(weights), files["weights.bin"].GetProperty("oid").GetString());
        Assert.False(files["notes/plain.txt"].TryGetProperty("oid", out _));
    }

    [Fact]
    public async Task Preupload_uses_the_gitattributes_and_gitignore_sent_in_the_request()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var response = await alice.PostAsync($"/api/{ApiRepo}/preupload/main", JsonContent.Create(new JsonObject
        {
            ["files"] = new JsonArray(
                new JsonObject { ["path"] = "data/a.csv", ["sample"] = Convert.ToBase64String("a,b"u8), ["size"] = 3 },
                new JsonObject { ["path"] = "weights.bin", ["sample"] = Convert.ToBase64String("abc"u8), ["size"] = 3 },
                new JsonObject { ["path"] = "out/x.txt", ["sample"] = "", ["size"] = 1 }),
            ["gitAttributes"] = "*.csv filter=lfs diff=lfs merge=lfs -text\n",
            ["gitIgnore"] = "out/\n",
        }));
        var files = (await response.JsonAsync()).GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.Equal("lfs", files["data/a.csv"].GetProperty("uploadMode").GetString());
        Assert.Equal("regular", files["weights.bin"].GetProperty("uploadMode").GetString()); // the request's .gitattributes replaces the repo's
        Assert.True(files["out/x.txt"].GetProperty("shouldIgnore").GetBoolean());
    }

    [Fact]
    public async Task Preupload_refuses_missing_repos_revisions_and_bad_paths()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var noRepo = await PreuploadAsync(alice, "models/alice/none", "main", ("a.txt", [1]));
        Assert.Equal(HttpStatusCode.NotFound, noRepo.StatusCode);
        Assert.Equal("RepoNotFound", noRepo.Header("X-Error-Code"));
        using var noRevision = await PreuploadAsync(alice, ApiRepo, "nope", ("a.txt", [1]));
        Assert.Equal("RevisionNotFound", noRevision.Header("X-Error-Code"));
        using var badPath = await PreuploadAsync(alice, ApiRepo, "main", ("../evil.txt", [1]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPath.StatusCode);
    }

    [Fact]
    public async Task Basic_upload_then_commit_is_visible_to_the_read_side_with_git_and_lfs_ids()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var text = "Hello, World!"u8.ToArray();
        var weights = RandomNumberGenerator.GetBytes(5000);
        var sha = Sha256(weights);

        using var batch = await BatchAsync(alice, Repo, ["basic", "multipart"], weights);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.StartsWith("application/vnd.git-lfs+json", batch.Content.Headers.ContentType?.ToString());
        var answer = await batch.JsonAsync();
        Assert.Equal("basic", answer.GetProperty("transfer").GetString());
        var item = answer.GetProperty("objects")[0];
        Assert.Equal(sha, item.GetProperty("oid").GetString());
        var upload = item.GetProperty("actions").GetProperty("upload");
        var href = new Uri(upload.GetProperty("href").GetString()!);
        Assert.Equal(hub.Emulator.CdnUrl.Host, href.Host); // the CDN host, not the Hub
        Assert.False(upload.GetProperty("header").TryGetProperty("chunk_size", out _));
        Assert.True(item.GetProperty("actions").TryGetProperty("verify", out var verify));

        // The PUT carries no token, like Python and JS.
        await UploadAllAsync(answer, new Dictionary<string, byte[]> { [sha] = weights });
        Assert.All(hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Cdn), r => Assert.False(r.HasAuthorization));

        using var verified = await alice.PostAsync(verify.GetProperty("href").GetString(), JsonContent.Create(new JsonObject { ["oid"] = sha, ["size"] = weights.Length }));
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);

        // Stored objects come back without actions (the client skips them).
        using var again = await BatchAsync(alice, Repo, ["basic"], weights);
        Assert.False((await again.JsonAsync()).GetProperty("objects")[0].TryGetProperty("actions", out _));

        using var commit = await CommitAsync(alice, ApiRepo, "main",
            [HeaderLine("Upload two files", "with a description"), FileLine("hello.txt", text), LfsFileLine("model/weights.safetensors", weights)]);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        var result = await commit.JsonAsync();
        var commitOid = result.GetProperty("commitOid").GetString()!;
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal($"{hub.Endpoint}/alice/up/commit/{commitOid}", result.GetProperty("commitUrl").GetString());
        Assert.False(result.TryGetProperty("pullRequestUrl", out _));

        // Repo info, tree, paths-info, resolve and commits all see the new commit.
        using var info = await alice.GetAsync($"/api/{ApiRepo}");
        Assert.Equal(commitOid, (await info.JsonAsync()).GetProperty("sha").GetString());
        using var tree = await alice.GetAsync($"/api/{ApiRepo}/tree/main?recursive=true");
        var entries = (await tree.JsonAsync()).EnumerateArray().ToDictionary(e => e.GetProperty("path").GetString()!);
        Assert.Equal("b45ef6fec89518d314f546fd6c3025367b721684", entries["hello.txt"].GetProperty("oid").GetString());
        var lfsEntry = entries["model/weights.safetensors"];
        Assert.Equal(sha, lfsEntry.GetProperty("lfs").GetProperty("oid").GetString());
        Assert.Equal(weights.Length, lfsEntry.GetProperty("size").GetInt32());
        var pointer = Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {weights.Length}\n");
        Assert.Equal(GitBlobSha1(pointer), lfsEntry.GetProperty("oid").GetString());
        using var pathsInfo = await alice.PostAsync($"/api/{ApiRepo}/paths-info/{commitOid}", JsonContent.Create(new JsonObject { ["paths"] = new JsonArray("hello.txt") }));
        Assert.Equal(GitBlobSha1(text), (await pathsInfo.JsonAsync())[0].GetProperty("oid").GetString());
        Assert.Equal(text, await alice.GetByteArrayAsync("/alice/up/resolve/main/hello.txt"));
        using var follow = hub.CreateHttpClient(TestHub.AliceToken, followRedirects: true);
        Assert.Equal(weights, await follow.GetByteArrayAsync("/alice/up/resolve/main/model/weights.safetensors"));
        using var commits = await alice.GetAsync($"/api/{ApiRepo}/commits/main");
        var newest = (await commits.JsonAsync())[0];
        Assert.Equal(commitOid, newest.GetProperty("id").GetString());
        Assert.Equal("Upload two files", newest.GetProperty("title").GetString());
        Assert.Contains("with a description", newest.GetProperty("message").GetString());
        Assert.Contains("alice", newest.GetProperty("authors")[0].GetProperty("user").GetString());

        // A no-op preupload now reports the same oids the client computes locally.
        using var preupload = await PreuploadAsync(alice, ApiRepo, "main", ("hello.txt", text), ("model/weights.safetensors", weights));
        var oids = (await preupload.JsonAsync()).GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("oid").GetString());
        Assert.Equal(GitBlobSha1(text), oids["hello.txt"]);
        Assert.Equal(sha, oids["model/weights.safetensors"]);
    }

    [Fact]
    public async Task Js_style_body_without_trailing_newline_deletes_files_and_folders()
    {
        await using var hub = await StartAsync();
        await hub.Store.CommitAsync("model", Repo, "main",
        [
            EmulatorFile.FromText("keep.txt", "k"), EmulatorFile.FromText("old.txt", "o"),
            EmulatorFile.FromText("logs/a.txt", "a"), EmulatorFile.FromText("logs/deep/b.txt", "b"),
        ]);
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var commit = await CommitAsync(alice, ApiRepo, "main",
            [HeaderLine("Clean up", description: null), DeletedFileLine("old.txt"), DeletedFolderLine("logs/"), FileLine("new.txt", "n"u8.ToArray())],
            trailingNewline: false);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal([".gitattributes", "keep.txt", "new.txt"], hub.Store.ListFiles("model", Repo).Select(f => f.Path));

        using var missingFile = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), DeletedFileLine("old.txt")]);
        Assert.Equal(HttpStatusCode.NotFound, missingFile.StatusCode);
        Assert.Equal("EntryNotFound", missingFile.Header("X-Error-Code"));
        using var missingFolder = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), DeletedFolderLine("logs")]);
        Assert.Equal(HttpStatusCode.NotFound, missingFolder.StatusCode);
    }

    [Fact]
    public async Task Crlf_lines_and_utf8_content_are_accepted()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var body = HeaderLine("utf8") + "\r\n"
            + new JsonObject { ["key"] = "file", ["value"] = new JsonObject { ["path"] = "é.txt", ["content"] = "héllo", ["encoding"] = "utf-8" } }.ToJsonString() + "\r\n";
        var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
        using var commit = await alice.PostAsync($"/api/{ApiRepo}/commit/main", content);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal("héllo", await alice.GetStringAsync("/alice/up/resolve/main/%C3%A9.txt"));
    }

    [Fact]
    public async Task Stale_parent_commit_is_412_and_changes_nothing()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var base0 = hub.Store.ResolveRevision("model", Repo, "main")!;
        using var first = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("one", parentCommit: base0), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var head = (await first.JsonAsync()).GetProperty("commitOid").GetString()!;

        using var stale = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("two", parentCommit: base0), FileLine("b.txt", [2])]);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("The branch was updated since you opened this page", (await stale.JsonAsync()).GetProperty("error").GetString());
        Assert.Equal(head, hub.Store.ResolveRevision("model", Repo, "main"));
        Assert.DoesNotContain(hub.Store.ListFiles("model", Repo), f => f.Path == "b.txt");

        // A short prefix of the current head is fine.
        using var fresh = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("two", parentCommit: head[..7]), FileLine("b.txt", [2])]);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        using var bad = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x", parentCommit: "not-hex"), FileLine("c.txt", [3])]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Create_pr_opens_a_pull_request_readable_as_refs_pr_n_and_main_is_untouched()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var main = hub.Store.ResolveRevision("model", Repo, "main")!;

        using var opened = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("Propose a file"), FileLine("proposal.txt", "p"u8.ToArray())], createPr: true);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var result = await opened.JsonAsync();
        Assert.Equal($"{hub.Endpoint}/alice/up/discussions/1", result.GetProperty("pullRequestUrl").GetString());
        var prCommit = result.GetProperty("commitOid").GetString();
        Assert.Equal(main, hub.Store.ResolveRevision("model", Repo, "main"));
        Assert.Equal(prCommit, hub.Store.ResolveRevision("model", Repo, "refs/pr/1"));

        // Readable by the read side, escaped and raw.
        Assert.Equal("p", await alice.GetStringAsync("/alice/up/resolve/refs%2Fpr%2F1/proposal.txt"));
        using var info = await alice.GetAsync($"/api/{ApiRepo}/revision/refs%2Fpr%2F1");
        Assert.Equal(prCommit, (await info.JsonAsync()).GetProperty("sha").GetString());
        using var tree = await alice.GetAsync($"/api/{ApiRepo}/tree/refs/pr/1");
        Assert.Contains("proposal.txt", (await tree.JsonAsync()).Strings("path"));
        using var refs = await alice.GetAsync($"/api/{ApiRepo}/refs?include_prs=1");
        Assert.Equal(["refs/pr/1"], (await refs.JsonAsync()).GetProperty("pullRequests").Strings("ref"));

        // Committing to refs/pr/1 appends to the pull request; a second create_pr opens number 2.
        using var appended = await CommitAsync(alice, ApiRepo, "refs/pr/1", [HeaderLine("More"), FileLine("more.txt", "m"u8.ToArray())]);
        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        Assert.Equal((await appended.JsonAsync()).GetProperty("commitOid").GetString(), hub.Store.ResolveRevision("model", Repo, "refs/pr/1"));
        using var second = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("Other"), FileLine("o.txt", [1])], createPr: true);
        Assert.EndsWith("/discussions/2", (await second.JsonAsync()).GetProperty("pullRequestUrl").GetString());
        Assert.Equal(main, hub.Store.ResolveRevision("model", Repo, "main"));
    }

    [Fact]
    public async Task Commit_refuses_unuploaded_lfs_objects_big_regular_files_bad_paths_and_missing_revisions()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var head = hub.Store.ResolveRevision("model", Repo, "main");

        using var neverUploaded = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), LfsFileLine("w.bin", RandomNumberGenerator.GetBytes(10))]);
        Assert.Equal(HttpStatusCode.BadRequest, neverUploaded.StatusCode);
        Assert.Contains("never uploaded", (await neverUploaded.JsonAsync()).GetProperty("error").GetString());

        using var tooBig = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), FileLine("big.txt", new byte[4096])]);
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Contains("LFS", (await tooBig.JsonAsync()).GetProperty("error").GetString());

        using var badPath = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), FileLine("..\\ddd", [1])]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPath.StatusCode);

        using var noBranch = await CommitAsync(alice, ApiRepo, "nope", [HeaderLine("x"), FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.NotFound, noBranch.StatusCode);
        Assert.Equal("RevisionNotFound", noBranch.Header("X-Error-Code"));

        await hub.Store.CommitAsync("model", Repo, "main", [EmulatorFile.FromText("dir/file.txt", "x")]);
        head = hub.Store.ResolveRevision("model", Repo, "main");
        using var fileOnFolder = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), FileLine("dir", [1])]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, fileOnFolder.StatusCode);
        using var underFile = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), FileLine("dir/file.txt/inner", [1])]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, underFile.StatusCode);
        using var replaced = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("Folder becomes a file"), DeletedFolderLine("dir"), FileLine("dir", [1])]);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        head = hub.Store.ResolveRevision("model", Repo, "main");

        using var noHeader = await CommitAsync(alice, ApiRepo, "main", [FileLine("a.txt", [1])]);
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);
        using var notJson = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("x"), "{nope"]);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(head, hub.Store.ResolveRevision("model", Repo, "main"));
    }

    [Fact]
    public async Task Bytes_committed_as_a_regular_file_are_not_an_uploaded_lfs_object()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var content = "same bytes, first as a regular file"u8.ToArray();
        using (var regular = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("Regular"), FileLine("a.txt", content)]))
        {
            Assert.Equal(HttpStatusCode.OK, regular.StatusCode);
        }
        // On the Hub git blobs and LFS storage are separate: the batch still asks for an upload…
        using var batch = await BatchAsync(alice, Repo, ["basic"], content);
        var answer = await batch.JsonAsync();
        Assert.True(answer.GetProperty("objects")[0].TryGetProperty("actions", out _));
        // …and an lfsFile naming those bytes is refused until they are uploaded.
        using var refused = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("As LFS"), LfsFileLine("a.lfs", content)]);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        await UploadAllAsync(answer, new Dictionary<string, byte[]> { [Sha256(content)] = content });
        using var accepted = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("As LFS"), LfsFileLine("a.lfs", content)]);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Lfs_files_of_an_existing_root_count_as_uploaded_after_a_restart()
    {
        await using var hub = await StartAsync();
        var weights = RandomNumberGenerator.GetBytes(5000);
        await hub.Store.CommitAsync("model", Repo, "main", [EmulatorFile.FromBytes("w.bin", weights)]);
        Directory.Delete(Path.Combine(hub.Root, "objects", "lfs"), recursive: true); // as written by an older emulator
        await hub.RestartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        using var batch = await BatchAsync(alice, Repo, ["basic"], weights);
        Assert.False((await batch.JsonAsync()).GetProperty("objects")[0].TryGetProperty("actions", out _));
    }

    [Fact]
    public async Task Put_of_wrong_bytes_is_refused_and_nothing_is_stored()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var content = RandomNumberGenerator.GetBytes(3000);
        using var batch = await BatchAsync(alice, Repo, ["basic"], content);
        var href = (await batch.JsonAsync()).GetProperty("objects")[0].GetProperty("actions").GetProperty("upload").GetProperty("href").GetString()!;
        using var cdn = new HttpClient();
        var wrong = (byte[])content.Clone();
        wrong[10] ^= 1;
        Assert.Equal(HttpStatusCode.BadRequest, (await cdn.PutAsync(href, new ByteArrayContent(wrong))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await cdn.PutAsync(href, new ByteArrayContent(content[..100]))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await cdn.PutAsync(href.Replace("size=3000", "size=3001"), new ByteArrayContent(content))).StatusCode);
        using var after = await BatchAsync(alice, Repo, ["basic"], content);
        Assert.True((await after.JsonAsync()).GetProperty("objects")[0].TryGetProperty("actions", out _)); // still missing
        Assert.Equal(HttpStatusCode.OK, (await cdn.PutAsync(href, new ByteArrayContent(content))).StatusCode);
    }

    [Fact]
    public async Task Large_objects_get_multipart_actions_that_join_into_one_object()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var big = RandomNumberGenerator.GetBytes(10_500); // > 10,000: multipart with 4,000-byte parts
        var small = RandomNumberGenerator.GetBytes(5000);
        var sha = Sha256(big);

        using var batch = await BatchAsync(alice, Repo, ["basic", "multipart"], big, small);
        var answer = await batch.JsonAsync();
        Assert.Equal("multipart", answer.GetProperty("transfer").GetString());
        var upload = answer.GetProperty("objects")[0].GetProperty("actions").GetProperty("upload");
        var header = upload.GetProperty("header");
        Assert.Equal("4000", header.GetProperty("chunk_size").GetString());
        var partKeys = header.EnumerateObject().Select(p => p.Name).Where(name => name.All(char.IsAsciiDigit)).ToList();
        Assert.Equal(["00001", "00002", "00003"], partKeys);
        Assert.False(answer.GetProperty("objects")[1].GetProperty("actions").GetProperty("upload").GetProperty("header").TryGetProperty("chunk_size", out _));

        using var cdn = new HttpClient();
        var parts = new JsonArray();
        for (var i = 0; i < partKeys.Count; i++)
        {
            var slice = big.AsSpan(i * 4000, Math.Min(4000, big.Length - i * 4000)).ToArray();
            using var put = await cdn.PutAsync(header.GetProperty(partKeys[i]).GetString(), new ByteArrayContent(slice));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var etag = put.Headers.ETag?.Tag;
            Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(slice))}\"", etag);
            parts.Add(new JsonObject { ["partNumber"] = i + 1, ["etag"] = etag });
        }
        // Not yet complete: the object is not stored.
        using var before = await BatchAsync(alice, Repo, ["basic", "multipart"], big);
        Assert.True((await before.JsonAsync()).GetProperty("objects")[0].TryGetProperty("actions", out _));

        var completion = upload.GetProperty("href").GetString()!;
        var badParts = JsonNode.Parse(parts.ToJsonString())!.AsArray();
        badParts[1]!["etag"] = "\"0000\"";
        using var badComplete = await cdn.PostAsync(completion, new StringContent(new JsonObject { ["oid"] = sha, ["parts"] = badParts }.ToJsonString()));
        Assert.Equal(HttpStatusCode.BadRequest, badComplete.StatusCode);
        using var complete = await cdn.PostAsync(completion, new StringContent(new JsonObject { ["oid"] = sha, ["parts"] = parts }.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        using var retriedComplete = await cdn.PostAsync(completion, new StringContent(new JsonObject { ["oid"] = sha, ["parts"] = parts.DeepClone() }.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, retriedComplete.StatusCode); // idempotent: a retry after a lost answer succeeds

        using var after = await BatchAsync(alice, Repo, ["basic", "multipart"], big);
        Assert.False((await after.JsonAsync()).GetProperty("objects")[0].TryGetProperty("actions", out _));
        using var commit = await CommitAsync(alice, ApiRepo, "main", [HeaderLine("Big"), LfsFileLine("big.bin", big)]);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        using var follow = hub.CreateHttpClient(TestHub.AliceToken, followRedirects: true);
        Assert.Equal(big, await follow.GetByteArrayAsync("/alice/up/resolve/main/big.bin"));

        // A client that does not list "multipart" gets one PUT even for big objects.
        var other = RandomNumberGenerator.GetBytes(10_500);
        using var basicOnly = await BatchAsync(alice, Repo, ["basic"], other);
        var basicAnswer = await basicOnly.JsonAsync();
        Assert.Equal("basic", basicAnswer.GetProperty("transfer").GetString());
        Assert.False(basicAnswer.GetProperty("objects")[0].GetProperty("actions").GetProperty("upload").GetProperty("header").TryGetProperty("chunk_size", out _));
    }

    [Fact]
    public async Task Batch_reports_per_object_errors_and_verify_needs_the_object()
    {
        await using var hub = await StartAsync();
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var body = new JsonObject
        {
            ["operation"] = "upload",
            ["transfers"] = new JsonArray("basic"),
            ["hash_algo"] = "sha_256", // JS spelling
            ["objects"] = new JsonArray(new JsonObject { ["oid"] = "xyz", ["size"] = 1 }),
        };
        using var batch = await alice.PostAsync("/alice/up.git/info/lfs/objects/batch", new StringContent(body.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(422, (await batch.JsonAsync()).GetProperty("objects")[0].GetProperty("error").GetProperty("code").GetInt32());

        using var verify = await alice.PostAsync("/alice/up.git/info/lfs/objects/verify", JsonContent.Create(new JsonObject { ["oid"] = new string('a', 64), ["size"] = 1 }));
        Assert.Equal(HttpStatusCode.NotFound, verify.StatusCode);
        using var missingRepo = await BatchAsync(alice, "alice/none", ["basic"], [1]);
        Assert.Equal(HttpStatusCode.NotFound, missingRepo.StatusCode);
    }

    [Fact]
    public async Task Datasets_use_the_prefixed_lfs_and_commit_urls()
    {
        await using var hub = await StartAsync();
        await hub.Store.CreateRepoAsync("dataset", "alice/rows");
        using var alice = hub.CreateHttpClient(TestHub.AliceToken);
        var parquet = RandomNumberGenerator.GetBytes(2000);
        using var batch = await BatchAsync(alice, "datasets/alice/rows", ["basic"], parquet);
        await UploadAllAsync(await batch.JsonAsync(), new Dictionary<string, byte[]> { [Sha256(parquet)] = parquet });
        using var commit = await CommitAsync(alice, "datasets/alice/rows", "main", [HeaderLine("Add rows"), LfsFileLine("data/train.parquet", parquet)]);
        var result = await commit.JsonAsync();
        Assert.StartsWith($"{hub.Endpoint}/datasets/alice/rows/commit/", result.GetProperty("commitUrl").GetString());
        Assert.True(hub.Store.ListFiles("dataset", "alice/rows").Single(f => f.Path == "data/train.parquet").IsLfs);
    }
}
