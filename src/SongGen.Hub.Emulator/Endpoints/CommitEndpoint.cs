using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>POST /api/{type}s/{id}/commit/{rev}[?create_pr=1]</c>, <c>Content-Type: application/x-ndjson</c>: one JSON object
/// per line, <c>{"key":"header","value":{"summary","description"?,"parentCommit"?}}</c> first, then any of
/// <c>file</c> (<c>content</c> base64 or utf-8), <c>lfsFile</c> (<c>oid</c> = SHA-256 of bytes already uploaded through
/// the LFS batch; <c>size</c> optional), <c>deletedFile</c>, <c>deletedFolder</c>. Lines end with "\n" (Python, also
/// after the last line) or are only separated by it (JS); "\r\n" works too.
/// Answers <c>{"success","commitOid","commitUrl","hookOutput"}</c> plus <c>pullRequestUrl</c> (…/discussions/N) for a
/// pull request; 412 when <c>parentCommit</c> is not the branch head any more; 404 EntryNotFound when deleting a
/// missing path; 422 for an invalid path; 400 for a regular file of <see cref="EmulatorRepoStore.LfsThreshold"/> bytes
/// or more, or an <c>lfsFile</c> whose object was never uploaded.
/// </summary>
internal sealed partial class CommitEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind, string ns, string name, string revision)
    {
        if (await WriteAccess.FindWritableAsync(call, services.Store, kind, ns, name, $"commit to {ns}/{name}") is not { } repo)
        {
            return;
        }
        string text;
        using (var reader = new StreamReader(call.Http.Request.Body, Encoding.UTF8))
        {
            text = await reader.ReadToEndAsync(call.Aborted);
        }
        var parsed = await ParseAsync(call, text);
        if (parsed is null)
        {
            return;
        }
        var request = new CommitRequest
        {
            Revision = revision,
            CreatePullRequest = call.Query.Flag("create_pr"),
            ParentCommit = parsed.ParentCommit,
            Title = parsed.Summary,
            Description = parsed.Description,
            Author = call.User!,
            Adds = parsed.Adds,
            Deletes = parsed.Deletes,
        };
        CommitOutcome outcome;
        try
        {
            outcome = services.Store.ApplyCommit(kind, repo.RepoId, request);
        }
        catch (StoreRejection rejection)
        {
            await WriteAccess.RejectAsync(call, rejection);
            return;
        }
        var repoUrl = $"{RepoAdminEndpoint.HubBase(call)}/{kind.UrlPrefix()}{repo.RepoId}";
        var answer = new JsonObject
        {
            ["success"] = true,
            ["commitOid"] = outcome.CommitId,
            ["commitUrl"] = $"{repoUrl}/commit/{outcome.CommitId}",
            ["hookOutput"] = "",
        };
        if (request.CreatePullRequest && outcome.PullRequestNumber is { } number)
        {
            answer["pullRequestUrl"] = $"{repoUrl}/discussions/{number}";
        }
        await HubResponses.JsonAsync(call, answer);
    }

    /// <summary>Paths the Hub accepts: relative, "/"-separated, no empty, "." or ".." segment, no backslash.</summary>
    public static bool IsValidPath(string path)
    {
        try
        {
            RepoPaths.Normalize(path);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Decodes <c>{"path","content","encoding":"base64"|"utf-8"}</c> (commit <c>file</c> lines and create-repo files).</summary>
    public static bool TryDecodeContent(JsonObject value, out string path, out byte[] content, out string error)
    {
        path = WriteAccess.String(value, "path") ?? "";
        content = [];
        error = "";
        var text = WriteAccess.String(value, "content");
        if (path.Length == 0 || text is null)
        {
            error = "A file needs \"path\" and \"content\".";
            return false;
        }
        switch (WriteAccess.String(value, "encoding") ?? "base64")
        {
            case "base64":
                try
                {
                    content = Convert.FromBase64String(text);
                }
                catch (FormatException)
                {
                    error = $"The content of '{path}' is not valid base64.";
                    return false;
                }
                break;
            case "utf-8" or "utf8":
                content = Encoding.UTF8.GetBytes(text);
                break;
            case var other:
                error = $"Unknown encoding '{other}' for '{path}': expected base64 or utf-8.";
                return false;
        }
        return true;
    }

    private sealed record ParsedCommit(string Summary, string Description, string? ParentCommit, List<CommitAdd> Adds, List<CommitDelete> Deletes);

    /// <summary>The decoded body with regular contents stored, or null after answering 400/422.</summary>
    private async Task<ParsedCommit?> ParseAsync(HubCall call, string text)
    {
        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Trim().Length > 0).ToList();
        JsonObject? header = null;
        var adds = new List<CommitAdd>();
        var deletes = new List<CommitDelete>();
        for (var index = 0; index < lines.Count; index++)
        {
            JsonObject value;
            string key;
            try
            {
                if (JsonNode.Parse(lines[index]) is not JsonObject line || WriteAccess.String(line, "key") is not { } lineKey
                    || line["value"] is not JsonObject lineValue)
                {
                    await HubResponses.BadRequestAsync(call, $"Line {index + 1} of the commit body is not {{\"key\": …, \"value\": {{…}}}}.");
                    return null;
                }
                key = lineKey;
                value = lineValue;
            }
            catch (JsonException exception)
            {
                await HubResponses.BadRequestAsync(call, $"Line {index + 1} of the commit body is not JSON: {exception.Message}");
                return null;
            }
            if (key == "header")
            {
                if (index != 0)
                {
                    await HubResponses.BadRequestAsync(call, "The header must be the first line of the commit body.");
                    return null;
                }
                header = value;
                continue;
            }
            if (header is null)
            {
                await HubResponses.BadRequestAsync(call, "The commit body must start with a header line.");
                return null;
            }
            var path = WriteAccess.String(value, "path") ?? "";
            var checkedPath = key == "deletedFolder" ? path.TrimEnd('/') : path;
            if (!IsValidPath(checkedPath))
            {
                await HubResponses.ErrorAsync(call.Http, StatusCodes.Status422UnprocessableEntity, null, $"Invalid path in repo: '{path}'");
                return null;
            }
            switch (key)
            {
                case "file":
                    if (!TryDecodeContent(value, out _, out var content, out var error))
                    {
                        await HubResponses.BadRequestAsync(call, error);
                        return null;
                    }
                    if (content.LongLength >= services.Store.LfsThreshold)
                    {
                        await HubResponses.BadRequestAsync(call, $"Your push was rejected because '{path}' is {content.LongLength} bytes, "
                            + $"more than the {services.Store.LfsThreshold} bytes allowed for regular files. Upload it with LFS (lfsFile).");
                        return null;
                    }
                    var stored = await services.Store.Objects.IngestAsync(EmulatorFile.FromBytes(path, content), call.Aborted);
                    adds.Add(new CommitAdd(path, stored, ForceLfs: false));
                    break;
                case "lfsFile":
                    if (await ReadLfsFileAsync(call, path, value) is not { } lfsObject)
                    {
                        return null;
                    }
                    adds.Add(new CommitAdd(path, lfsObject, ForceLfs: true));
                    break;
                case "deletedFile":
                    deletes.Add(new CommitDelete(path, IsFolder: false));
                    break;
                case "deletedFolder":
                    deletes.Add(new CommitDelete(checkedPath, IsFolder: true));
                    break;
                default:
                    await HubResponses.BadRequestAsync(call, $"Unknown commit line key '{key}' (header, file, lfsFile, deletedFile, deletedFolder).");
                    return null;
            }
        }
        if (header is null)
        {
            await HubResponses.BadRequestAsync(call, "Empty commit body: expected NDJSON lines starting with a header.");
            return null;
        }
        var summary = WriteAccess.String(header, "summary")?.Trim() ?? "";
        if (summary.Length == 0)
        {
            await HubResponses.BadRequestAsync(call, "The commit header needs a non-empty \"summary\".");
            return null;
        }
        var parent = WriteAccess.String(header, "parentCommit");
        if (parent is not null && !CommitPrefix().IsMatch(parent))
        {
            await HubResponses.BadRequestAsync(call, $"Invalid parentCommit '{parent}': expected 5 to 40 hex digits.");
            return null;
        }
        return new ParsedCommit(summary, WriteAccess.String(header, "description") ?? "", parent, adds, deletes);
    }

    private async Task<StoredObject?> ReadLfsFileAsync(HubCall call, string path, JsonObject value)
    {
        var algo = WriteAccess.String(value, "algo") ?? "sha256";
        var oid = WriteAccess.String(value, "oid") ?? "";
        if (algo != "sha256" || !Sha256Hex().IsMatch(oid))
        {
            await HubResponses.BadRequestAsync(call, $"lfsFile '{path}' needs \"algo\": \"sha256\" and a 64-hex \"oid\".");
            return null;
        }
        if (services.Store.StoredLfsSize(oid) is not { } storedSize)
        {
            await HubResponses.BadRequestAsync(call, $"The LFS object {oid} of '{path}' was never uploaded: upload it through the LFS batch API before committing.");
            return null;
        }
        if (value["size"] is JsonValue sizeValue && (!sizeValue.TryGetValue<long>(out var size) || size != storedSize))
        {
            await HubResponses.BadRequestAsync(call, $"lfsFile '{path}' says size {sizeValue.ToJsonString()} but the uploaded object {oid} has {storedSize} bytes.");
            return null;
        }
        // The git blob id of the content is not needed for LFS files (their oid is the pointer's).
        return new StoredObject(oid, "", storedSize);
    }

    [GeneratedRegex("^[0-9a-f]{5,40}$")]
    private static partial Regex CommitPrefix();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    internal static partial Regex Sha256Hex();
}
