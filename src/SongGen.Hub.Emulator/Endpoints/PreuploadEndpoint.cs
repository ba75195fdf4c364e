using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>POST /api/{type}s/{id}/preupload/{rev}[?create_pr=1]</c> with
/// <c>{"files":[{"path","sample"(base64 of the first 512 bytes),"size"}],"gitIgnore"?,"gitAttributes"?}</c>.
/// Every file gets <c>shouldIgnore</c> (Python indexes it unconditionally) and <c>uploadMode</c>; files that exist at
/// the revision also get <c>oid</c> (SHA-256 for LFS files, git blob id otherwise) so clients can skip unchanged ones.
/// A file is LFS when it matches a <c>filter=lfs</c> pattern (of the request's <c>gitAttributes</c>, else of the
/// revision's .gitattributes), is at least <see cref="EmulatorRepoStore.LfsThreshold"/> bytes, or its sample has a NUL
/// byte; empty files and .gitattributes itself are always regular.
/// </summary>
internal sealed class PreuploadEndpoint(EmulatorServices services)
{
    /// <summary>The real Hub takes up to 1000 files per call (Python sends 256, JS 100).</summary>
    public const int MaxFilesPerCall = 1000;

    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, string revision)
    {
        if (await WriteAccess.FindWritableAsync(call, services.Store, kind, ns, name, $"upload to {ns}/{name}") is not { } repo)
        {
            return;
        }
        if (repo.Resolve(revision) is not { } commit)
        {
            await HubResponses.RevisionNotFoundAsync(call, revision);
            return;
        }
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        if (body["files"] is not JsonArray files)
        {
            await HubResponses.BadRequestAsync(call, "Expected {\"files\": [{\"path\", \"sample\", \"size\"}, …]}.");
            return;
        }
        if (files.Count > MaxFilesPerCall)
        {
            await HubResponses.BadRequestAsync(call, $"Too many files in one preupload call ({files.Count}); send at most {MaxFilesPerCall}.");
            return;
        }
        var attributes = WriteAccess.String(body, "gitAttributes") is { } attributesText
            ? GitAttributes.Parse(attributesText)
            : ReadAt(commit, GitAttributes.FileName) is { } storedAttributes ? GitAttributes.Parse(storedAttributes) : GitAttributes.Empty;
        var ignore = WriteAccess.String(body, "gitIgnore") is { } ignoreText
            ? GitIgnore.Parse(ignoreText)
            : ReadAt(commit, GitIgnore.FileName) is { } storedIgnore ? GitIgnore.Parse(storedIgnore) : GitIgnore.Empty;

        var answers = new JsonArray();
        foreach (var item in files)
        {
            if (item is not JsonObject file || WriteAccess.String(file, "path") is not { } path
                || file["size"] is not JsonValue sizeValue || !sizeValue.TryGetValue<long>(out var size) || size < 0)
            {
                await HubResponses.BadRequestAsync(call, "Each file needs \"path\" (string) and \"size\" (bytes).");
                return;
            }
            if (!CommitEndpoint.IsValidPath(path))
            {
                await HubResponses.ErrorAsync(call.Http, StatusCodes.Status422UnprocessableEntity, null, $"Invalid path in repo: '{path}'");
                return;
            }
            byte[] sample;
            try
            {
                sample = Convert.FromBase64String(WriteAccess.String(file, "sample") ?? "");
            }
            catch (FormatException)
            {
                await HubResponses.BadRequestAsync(call, $"The sample of '{path}' is not valid base64.");
                return;
            }
            var answer = new JsonObject
            {
                ["path"] = path,
                ["uploadMode"] = IsLfs(path, size, sample, attributes) ? "lfs" : "regular",
                ["shouldIgnore"] = ignore.IsIgnored(path),
            };
            if (commit.Files.TryGetValue(path, out var existing))
            {
                answer["oid"] = existing.Lfs is { } lfs ? lfs.Sha256 : existing.Oid;
            }
            answers.Add(answer);
        }
        await HubResponses.JsonAsync(call, new JsonObject { ["files"] = answers, ["commitOid"] = commit.Id });
    }

    private bool IsLfs(string path, long size, byte[] sample, GitAttributes attributes) =>
        path != GitAttributes.FileName && size > 0
        && (attributes.IsLfs(path) || size >= services.Store.LfsThreshold || Array.IndexOf(sample, (byte)0) >= 0);

    private string? ReadAt(CommitDocument commit, string path) =>
        commit.Files.TryGetValue(path, out var file) && file.Lfs is null && services.Store.Objects.Contains(file.Sha256)
            ? Encoding.UTF8.GetString(services.Store.Objects.ReadAllBytes(file.Sha256))
            : null;
}
