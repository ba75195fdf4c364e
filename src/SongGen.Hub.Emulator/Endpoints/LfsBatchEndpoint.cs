using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// The Git LFS batch API of a repo, <c>POST /[datasets/|spaces/]{ns}/{name}.git/info/lfs/objects/batch</c>, and the
/// verify call its upload actions name. Uploads need write access; each object comes back with PUT actions on the
/// CDN host (signed URLs, no auth), without actions when the object is already stored (the client skips it), or with
/// a per-object error. Objects larger than <see cref="HubEmulatorOptions.MultipartThreshold"/> get multipart actions
/// when the client lists "multipart": <c>header.chunk_size</c>, one PUT URL per part under the keys "00001", "00002", …
/// and <c>href</c> = the completion URL. Downloads answer signed CDN GET URLs.
/// </summary>
internal sealed class LfsBatchEndpoint(EmulatorServices services)
{
    public const int MaxObjectsPerCall = 1000;

    public async Task BatchAsync(HubCall call, RepoKind kind, string ns, string name)
    {
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        var operation = WriteAccess.String(body, "operation");
        if (operation is not ("upload" or "download"))
        {
            await HubResponses.BadRequestAsync(call, $"Invalid operation '{operation}': expected \"upload\" or \"download\".");
            return;
        }
        RepoSnapshot? repo = operation == "upload"
            ? await WriteAccess.FindWritableAsync(call, services.Store, kind, ns, name, $"upload to {ns}/{name}")
            : await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name);
        if (repo is null)
        {
            return;
        }
        if (operation == "download" && !repo.CanDownload(call.User))
        {
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status403Forbidden, "GatedRepo", $"Access to {repo.RepoId} is restricted.");
            return;
        }
        var hashAlgo = WriteAccess.String(body, "hash_algo");
        if (hashAlgo is not (null or "sha256" or "sha_256"))
        {
            // The Git LFS spec answers 409 for a hash algorithm the server does not speak.
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status409Conflict, null, $"Unsupported hash algorithm '{hashAlgo}': use sha256.");
            return;
        }
        if (body["objects"] is not JsonArray objects || objects.Count > MaxObjectsPerCall)
        {
            await HubResponses.BadRequestAsync(call, $"Expected \"objects\": [{{\"oid\", \"size\"}}, …] with at most {MaxObjectsPerCall} objects.");
            return;
        }
        var transfers = body["transfers"] is JsonArray list
            ? list.Select(node => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "").ToHashSet(StringComparer.Ordinal)
            : ["basic"];
        var multipartAllowed = transfers.Contains("multipart");
        var anyMultipart = false;
        var answers = new JsonArray();
        foreach (var item in objects)
        {
            var oid = item is JsonObject obj ? WriteAccess.String(obj, "oid") ?? "" : "";
            var size = item is JsonObject sized && sized["size"] is JsonValue sizeValue && sizeValue.TryGetValue<long>(out var s) ? s : -1;
            var answer = new JsonObject { ["oid"] = oid, ["size"] = size };
            answers.Add(answer);
            if (!CommitEndpoint.Sha256Hex().IsMatch(oid) || size < 0)
            {
                answer["error"] = Error(422, "Each object needs a 64-hex sha256 \"oid\" and a \"size\" of at least 0.");
                continue;
            }
            var storedSize = services.Store.StoredLfsSize(oid);
            if (operation == "download")
            {
                if (storedSize is null)
                {
                    answer["error"] = Error(404, "Object does not exist");
                    continue;
                }
                var grant = new CdnGrant(oid, storedSize.Value, repo.Kind.UrlPrefix() + repo.RepoId, "");
                answer["authenticated"] = true;
                answer["actions"] = new JsonObject { ["download"] = Action(services.Signer.SignedUrl(services.CdnUrl, grant)) };
                continue;
            }
            if (storedSize is { } stored)
            {
                if (stored != size)
                {
                    answer["error"] = Error(422, $"Size mismatch: an object {oid} of {stored} bytes is already stored.");
                }
                continue; // already stored: no actions, the client skips the upload
            }
            answer["authenticated"] = true;
            var verify = Action($"{RepoAdminEndpoint.HubBase(call)}/{kind.UrlPrefix()}{repo.RepoId}.git/info/lfs/objects/verify");
            if (multipartAllowed && size > services.Options.MultipartThreshold)
            {
                anyMultipart = true;
                answer["actions"] = new JsonObject { ["upload"] = MultipartAction(oid, size), ["verify"] = verify };
            }
            else
            {
                var put = services.Signer.SignedUploadUrl(services.CdnUrl, $"/lfs-upload/{oid}?size={size.ToString(CultureInfo.InvariantCulture)}");
                answer["actions"] = new JsonObject { ["upload"] = Action(put), ["verify"] = verify };
            }
        }
        var reply = new JsonObject { ["transfer"] = anyMultipart ? "multipart" : "basic", ["objects"] = answers, ["hash_algo"] = "sha256" };
        await HubResponses.JsonAsync(call, reply, contentType: HubResponses.GitLfsContentType);
    }

    /// <summary>Body <c>{"oid","size"}</c>: 200 when that object is stored with that size, else 404.</summary>
    public async Task VerifyAsync(HubCall call, RepoKind kind, string ns, string name)
    {
        if (await RepoLookup.FindVisibleAsync(call, services.Store, kind, ns, name) is null)
        {
            return;
        }
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        var oid = WriteAccess.String(body, "oid") ?? "";
        var size = body["size"] is JsonValue value && value.TryGetValue<long>(out var s) ? s : -1;
        if (!CommitEndpoint.Sha256Hex().IsMatch(oid) || services.Store.StoredLfsSize(oid) is not { } stored)
        {
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status404NotFound, null, $"Object {oid} was not uploaded.");
            return;
        }
        if (stored != size)
        {
            await HubResponses.ErrorAsync(call.Http, StatusCodes.Status422UnprocessableEntity, null, $"Object {oid} has {stored} bytes, not {size}.");
            return;
        }
        await HubResponses.JsonAsync(call, new JsonObject { ["message"] = "ok" }, contentType: HubResponses.GitLfsContentType);
    }

    private JsonObject MultipartAction(string oid, long size)
    {
        var chunk = services.Options.MultipartChunkSize;
        var partCount = (int)((size + chunk - 1) / chunk);
        var uploadId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var query = $"?size={size.ToString(CultureInfo.InvariantCulture)}&chunk={chunk.ToString(CultureInfo.InvariantCulture)}";
        var header = new JsonObject { ["chunk_size"] = chunk.ToString(CultureInfo.InvariantCulture) };
        for (var part = 1; part <= partCount; part++)
        {
            var key = part.ToString("D5", CultureInfo.InvariantCulture);
            header[key] = services.Signer.SignedUploadUrl(services.CdnUrl, $"/lfs-upload/{oid}/{uploadId}/part/{part}{query}");
        }
        var completion = services.Signer.SignedUploadUrl(services.CdnUrl, $"/lfs-upload/{oid}/{uploadId}/complete{query}");
        return new JsonObject { ["href"] = completion, ["header"] = header, ["expires_in"] = 3600 };
    }

    private static JsonObject Action(string href) => new() { ["href"] = href, ["header"] = new JsonObject(), ["expires_in"] = 3600 };

    private static JsonObject Error(int code, string message) => new() { ["code"] = code, ["message"] = message };
}
