using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// Repository administration: <c>POST /api/repos/create</c>, <c>DELETE /api/repos/delete</c>,
/// <c>PUT /api/{type}s/{id}/settings</c>, <c>POST|DELETE /api/{type}s/{id}/branch/{branch}</c> and
/// <c>POST /api/{type}s/{id}/tag/{revision}</c> / <c>DELETE /api/{type}s/{id}/tag/{tag}</c>.
/// </summary>
internal sealed class RepoAdminEndpoint(EmulatorServices services)
{
    private EmulatorRepoStore Store => services.Store;

    /// <summary>
    /// Body <c>{"name","organization"?,"type"?,"visibility"?|"private"?,"files"?}</c>. Python omits <c>type</c> for models
    /// and may send <c>organization: null</c> (the caller's namespace); JS sends files to put in the first commit.
    /// </summary>
    public async Task CreateAsync(HubCall call)
    {
        if (call.User is null)
        {
            await WriteAccess.CheckAsync(call, "", "create a repo"); // answers 401
            return;
        }
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        if (!TryReadRepoName(call, body, out var kind, out var repoId, out var problem))
        {
            await HubResponses.BadRequestAsync(call, problem);
            return;
        }
        var ns = repoId.Split('/')[0];
        if (!await WriteAccess.CheckAsync(call, ns, $"create a {kind.Singular()} under the namespace '{ns}'"))
        {
            return;
        }
        var visibility = WriteAccess.String(body, "visibility");
        if (visibility is not (null or "public" or "private"))
        {
            await HubResponses.BadRequestAsync(call, $"Invalid visibility '{visibility}': expected \"public\" or \"private\".");
            return;
        }
        var isPrivate = visibility == "private" || visibility is null && WriteAccess.Bool(body, "private") == true;
        var files = new List<EmulatorFile>();
        if (body["files"] is JsonArray fileArray)
        {
            foreach (var item in fileArray.OfType<JsonObject>())
            {
                if (!CommitEndpoint.TryDecodeContent(item, out var path, out var bytes, out var error))
                {
                    await HubResponses.BadRequestAsync(call, error);
                    return;
                }
                if (!CommitEndpoint.IsValidPath(path))
                {
                    await HubResponses.ErrorAsync(call.Http, StatusCodes.Status422UnprocessableEntity, null, $"Invalid path in repo: '{path}'");
                    return;
                }
                files.Add(EmulatorFile.FromBytes(path, bytes));
            }
        }
        var url = $"{HubBase(call)}/{kind.UrlPrefix()}{repoId}";
        try
        {
            await Store.CreateRepoAsync(kind.Singular(), repoId, isPrivate, owner: ns, ct: call.Aborted);
        }
        catch (StoreRejection rejection) when (rejection.StatusCode == StatusCodes.Status409Conflict)
        {
            // Python's create_repo(exist_ok=True) treats 409 as success and reads the url.
            call.Http.Response.Headers["X-Error-Message"] = $"You already created this {kind.Singular()} repo";
            await HubResponses.JsonAsync(call, new JsonObject { ["error"] = $"You already created this {kind.Singular()} repo", ["url"] = url },
                StatusCodes.Status409Conflict);
            return;
        }
        if (files.Count > 0)
        {
            await Store.CommitAsync(kind.Singular(), repoId, "main", files, message: "Add files with repo creation", author: call.User!, ct: call.Aborted);
        }
        var objectId = Store.Find(kind, repoId)!.ObjectId;
        await HubResponses.JsonAsync(call, new JsonObject { ["url"] = url, ["name"] = repoId, ["id"] = objectId });
    }

    /// <summary>Body <c>{"name","organization"?,"type"?}</c>; answers 200 "OK".</summary>
    public async Task DeleteAsync(HubCall call)
    {
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        if (!TryReadRepoName(call, body, out var kind, out var repoId, out var problem))
        {
            await HubResponses.BadRequestAsync(call, problem);
            return;
        }
        var parts = repoId.Split('/');
        if (await WriteAccess.FindWritableAsync(call, Store, kind, parts[0], parts[1], $"delete the {kind.Singular()} {repoId}") is null)
        {
            return;
        }
        try
        {
            await Store.DeleteRepoAsync(kind.Singular(), repoId);
        }
        catch (StoreRejection rejection)
        {
            await WriteAccess.RejectAsync(call, rejection);
            return;
        }
        await HubResponses.TextAsync(call.Http, StatusCodes.Status200OK, "OK");
    }

    /// <summary>Body <c>{"fromRepo","toRepo","type"?}</c> (Python <c>move_repo</c>); needs write access to both namespaces.</summary>
    public async Task MoveAsync(HubCall call)
    {
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        var type = WriteAccess.String(body, "type") ?? "model";
        var from = WriteAccess.String(body, "fromRepo") ?? "";
        var to = WriteAccess.String(body, "toRepo") ?? "";
        if (!RepoKinds.TryParse(type, out var kind) || from.Split('/') is not [var fromNs, var fromName] || to.Split('/') is not [var toNs, _])
        {
            await HubResponses.BadRequestAsync(call, "Expected {\"fromRepo\": \"ns/name\", \"toRepo\": \"ns/name\", \"type\": \"model|dataset|space\"}.");
            return;
        }
        if (await WriteAccess.FindWritableAsync(call, Store, kind, fromNs, fromName, $"move {from}") is null
            || !await WriteAccess.CheckAsync(call, toNs, $"move a repo into the namespace '{toNs}'"))
        {
            return;
        }
        try
        {
            await Store.MoveRepoAsync(kind.Singular(), from, to);
        }
        catch (StoreRejection rejection)
        {
            await WriteAccess.RejectAsync(call, rejection);
            return;
        }
        catch (ArgumentException exception)
        {
            await HubResponses.BadRequestAsync(call, exception.Message);
            return;
        }
        await HubResponses.JsonAsync(call, new JsonObject { ["url"] = $"{HubBase(call)}/{kind.UrlPrefix()}{to}" });
    }

    /// <summary>Body <c>{"private"?: bool, "visibility"?: "public"|"private", "gated"?: "auto"|"manual"|false}</c>.</summary>
    public async Task SettingsAsync(HubCall call, RepoKind kind, string ns, string name)
    {
        if (await WriteAccess.FindWritableAsync(call, Store, kind, ns, name, $"change the settings of {ns}/{name}") is not { } repo)
        {
            return;
        }
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        bool? isPrivate = WriteAccess.String(body, "visibility") switch
        {
            "private" => true,
            "public" => false,
            _ => WriteAccess.Bool(body, "private"),
        };
        var gatedNode = body["gated"];
        string? gated = null;
        var changeGated = gatedNode is not null;
        if (gatedNode is JsonValue value)
        {
            if (value.TryGetValue<bool>(out var flag) && !flag)
            {
                gated = null;
            }
            else if (value.TryGetValue<string>(out var mode) && mode is "auto" or "manual")
            {
                gated = mode;
            }
            else
            {
                await HubResponses.BadRequestAsync(call, "Invalid gated value: expected \"auto\", \"manual\" or false.");
                return;
            }
        }
        if (isPrivate is { } makePrivate)
        {
            await Store.SetPrivateAsync(kind.Singular(), repo.RepoId, makePrivate);
        }
        if (changeGated)
        {
            await Store.SetGatedAsync(kind.Singular(), repo.RepoId, gated);
        }
        var updated = Store.Find(kind, repo.RepoId)!;
        await HubResponses.JsonAsync(call, new JsonObject
        {
            ["private"] = updated.Private,
            ["gated"] = updated.Gated is null ? JsonValue.Create(false) : JsonValue.Create(updated.Gated),
        });
    }

    /// <summary>Body <c>{"startingPoint"?, "emptyBranch"?, "overwrite"?}</c> (JS sends <c>{}</c> without a revision).</summary>
    public async Task CreateBranchAsync(HubCall call, RepoKind kind, string ns, string name, string branch)
    {
        if (await WriteAccess.FindWritableAsync(call, Store, kind, ns, name, $"create a branch in {ns}/{name}") is not { } repo)
        {
            return;
        }
        if (await WriteAccess.ReadJsonObjectAsync(call, allowEmpty: true) is not { } body)
        {
            return;
        }
        await RunAsync(call, () =>
        {
            var target = Store.CreateBranch(kind, repo.RepoId, branch, WriteAccess.String(body, "startingPoint"),
                empty: WriteAccess.Bool(body, "emptyBranch") == true, overwrite: WriteAccess.Bool(body, "overwrite") == true, call.User!);
            var shortName = branch.StartsWith("refs/heads/", StringComparison.Ordinal) ? branch["refs/heads/".Length..] : branch;
            return new JsonObject { ["name"] = shortName, ["ref"] = "refs/heads/" + shortName, ["targetCommit"] = target };
        });
    }

    public Task DeleteBranchAsync(HubCall call, RepoKind kind, string ns, string name, string branch) =>
        DeleteRefAsync(call, kind, ns, name, $"delete a branch of {ns}/{name}", repoId => Store.DeleteBranchAsync(kind.Singular(), repoId, branch));

    /// <summary>Body <c>{"tag", "message"?}</c>; the URL names the revision to tag.</summary>
    public async Task CreateTagAsync(HubCall call, RepoKind kind, string ns, string name, string revision)
    {
        if (await WriteAccess.FindWritableAsync(call, Store, kind, ns, name, $"create a tag in {ns}/{name}") is not { } repo)
        {
            return;
        }
        if (await WriteAccess.ReadJsonObjectAsync(call) is not { } body)
        {
            return;
        }
        if (WriteAccess.String(body, "tag") is not { Length: > 0 } tag)
        {
            await HubResponses.BadRequestAsync(call, "Missing \"tag\" in the body.");
            return;
        }
        await RunAsync(call, () =>
        {
            var target = Store.CreateTagAsync(kind.Singular(), repo.RepoId, tag, revision).GetAwaiter().GetResult();
            return new JsonObject { ["name"] = tag, ["ref"] = "refs/tags/" + tag, ["targetCommit"] = target };
        });
    }

    public Task DeleteTagAsync(HubCall call, RepoKind kind, string ns, string name, string tag) =>
        DeleteRefAsync(call, kind, ns, name, $"delete a tag of {ns}/{name}", repoId => Store.DeleteTagAsync(kind.Singular(), repoId, tag));

    /// <summary>Deletes a branch or tag for a caller who may write to the repo; answers <c>{}</c>.</summary>
    private async Task DeleteRefAsync(HubCall call, RepoKind kind, string ns, string name, string purpose, Func<string, Task> delete)
    {
        if (await WriteAccess.FindWritableAsync(call, Store, kind, ns, name, purpose) is not { } repo)
        {
            return;
        }
        await RunAsync(call, () =>
        {
            delete(repo.RepoId).GetAwaiter().GetResult();
            return [];
        });
    }

    /// <summary>
    /// <c>GET /api/{type}s/{id}/auth-check[/write]</c> (Python <c>auth_check</c>): 200 <c>{}</c> when the caller may read
    /// (download, for gated repos) or write; otherwise the error a real call would get.
    /// </summary>
    public async Task AuthCheckAsync(HubCall call, RepoKind kind, string ns, string name, bool write)
    {
        RepoSnapshot? repo = write
            ? await WriteAccess.FindWritableAsync(call, Store, kind, ns, name, $"write to {ns}/{name}")
            : await RepoLookup.FindVisibleAsync(call, Store, kind, ns, name);
        if (repo is null)
        {
            return;
        }
        if (!write && !repo.CanDownload(call.User))
        {
            await HubResponses.ErrorAsync(call.Http, call.User is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden,
                "GatedRepo", $"Access to {kind.Singular()} {repo.RepoId} is restricted.");
            return;
        }
        await HubResponses.JsonAsync(call, new JsonObject());
    }

    /// <summary>The Hub's own address as the caller reached it (response URLs must point back to this emulator).</summary>
    public static string HubBase(HubCall call) => $"{call.Http.Request.Scheme}://{call.Http.Request.Host}";

    private static async Task RunAsync(HubCall call, Func<JsonObject> change)
    {
        JsonObject result;
        try
        {
            result = change();
        }
        catch (StoreRejection rejection)
        {
            await WriteAccess.RejectAsync(call, rejection);
            return;
        }
        catch (ArgumentException exception)
        {
            await HubResponses.BadRequestAsync(call, exception.Message);
            return;
        }
        await HubResponses.JsonAsync(call, result);
    }

    private static bool TryReadRepoName(HubCall call, JsonObject body, out RepoKind kind, out string repoId, out string problem)
    {
        repoId = "";
        problem = "";
        var type = WriteAccess.String(body, "type") ?? "model";
        if (!RepoKinds.TryParse(type, out kind))
        {
            problem = $"Invalid repo type '{type}': expected model, dataset or space.";
            return false;
        }
        var name = WriteAccess.String(body, "name");
        if (string.IsNullOrEmpty(name))
        {
            problem = "Missing \"name\" in the body.";
            return false;
        }
        var organization = WriteAccess.String(body, "organization");
        if (organization is null && name.Contains('/'))
        {
            repoId = name;
        }
        else
        {
            var ns = organization ?? call.User;
            if (ns is null)
            {
                problem = "Missing \"organization\": anonymous callers must name the namespace.";
                return false;
            }
            repoId = ns + "/" + name;
        }
        var parts = repoId.Split('/');
        if (parts.Length != 2 || parts.Any(part => part.Length == 0 || part.Length > 96 || part is "." or ".."
            || part.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            problem = $"Invalid repo name '{repoId}': use letters, digits, '-', '_' and '.' in namespace/name.";
            return false;
        }
        return true;
    }
}
