using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>
/// The write protocol spoken by hand over a raw HttpClient (what the official clients send, spec §5.1), so the
/// emulator's answers can be checked one request at a time.
/// </summary>
internal static class WriteProtocol
{
    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string GitBlobSha1(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));

    public static Task<HttpResponseMessage> CreateRepoAsync(HttpClient client, string name, string? organization = "alice", string? type = null, string? visibility = null)
    {
        var body = new JsonObject { ["name"] = name, ["organization"] = organization };
        if (type is not null) body["type"] = type;
        if (visibility is not null) body["visibility"] = visibility;
        return client.PostAsync("/api/repos/create", JsonContent.Create(body));
    }

    public static Task<HttpResponseMessage> PreuploadAsync(HttpClient client, string repoPath, string revision, params (string Path, byte[] Content)[] files) =>
        client.PostAsync($"/api/{repoPath}/preupload/{Uri.EscapeDataString(revision)}", JsonContent.Create(new JsonObject
        {
            ["files"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject
            {
                ["path"] = f.Path,
                ["sample"] = Convert.ToBase64String(f.Content.AsSpan(0, Math.Min(512, f.Content.Length))),
                ["size"] = f.Content.Length,
            }).ToArray()),
        }));

    /// <summary>The LFS batch call as Python sends it (JS spells hash_algo "sha_256").</summary>
    public static async Task<HttpResponseMessage> BatchAsync(HttpClient client, string repoUrlPath, string[] transfers, params byte[][] objects)
    {
        var body = new JsonObject
        {
            ["operation"] = "upload",
            ["transfers"] = new JsonArray(transfers.Select(t => (JsonNode)t).ToArray()),
            ["objects"] = new JsonArray(objects.Select(o => (JsonNode)new JsonObject { ["oid"] = Sha256(o), ["size"] = o.Length }).ToArray()),
            ["hash_algo"] = "sha256",
            ["ref"] = new JsonObject { ["name"] = "main" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{repoUrlPath}.git/info/lfs/objects/batch")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.git-lfs+json");
        request.Headers.Accept.ParseAdd("application/vnd.git-lfs+json");
        return await client.SendAsync(request);
    }

    /// <summary>Uploads every object the batch answer has an upload action for, with a client that sends no token.</summary>
    public static async Task UploadAllAsync(JsonElement batch, IReadOnlyDictionary<string, byte[]> contentBySha)
    {
        using var cdn = new HttpClient();
        foreach (var item in batch.GetProperty("objects").EnumerateArray())
        {
            if (!item.TryGetProperty("actions", out var actions))
            {
                continue;
            }
            var upload = actions.GetProperty("upload");
            var bytes = contentBySha[item.GetProperty("oid").GetString()!];
            using var put = await cdn.PutAsync(upload.GetProperty("href").GetString(), new ByteArrayContent(bytes));
            Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
        }
    }

    public static string HeaderLine(string summary, string? description = "", string? parentCommit = null)
    {
        var value = new JsonObject { ["summary"] = summary };
        if (description is not null) value["description"] = description;
        if (parentCommit is not null) value["parentCommit"] = parentCommit;
        return Line("header", value);
    }

    public static string FileLine(string path, byte[] content) =>
        Line("file", new JsonObject { ["content"] = Convert.ToBase64String(content), ["path"] = path, ["encoding"] = "base64" });

    public static string LfsFileLine(string path, byte[] content) =>
        Line("lfsFile", new JsonObject { ["path"] = path, ["algo"] = "sha256", ["oid"] = Sha256(content), ["size"] = content.Length });

    public static string DeletedFileLine(string path) => Line("deletedFile", new JsonObject { ["path"] = path });

    public static string DeletedFolderLine(string path) => Line("deletedFolder", new JsonObject { ["path"] = path });

    /// <summary>Python style: every line ends with "\n". JS style (<paramref name="trailingNewline"/> false): joined with "\n".</summary>
    public static Task<HttpResponseMessage> CommitAsync(HttpClient client, string repoPath, string revision, IEnumerable<string> lines,
        bool trailingNewline = true, bool createPr = false)
    {
        var list = lines.ToList();
        var body = trailingNewline ? string.Concat(list.Select(line => line + "\n")) : string.Join("\n", list);
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return client.PostAsync($"/api/{repoPath}/commit/{Uri.EscapeDataString(revision)}{(createPr ? "?create_pr=1" : "")}", content);
    }

    private static string Line(string key, JsonObject value) => new JsonObject { ["key"] = key, ["value"] = value }.ToJsonString();
}
