using System.Net;
using System.Text.Json;
using SongGen.Hub.Api;

namespace SongGen.Hub;

/// <summary>The repository side of the write API: create, delete, settings, branches and tags.</summary>
public sealed partial class HubClient
{
    /// <summary>
    /// Creates a repository and returns its URL. With <paramref name="existOk"/> an existing repository is fine (409, or a
    /// 401/403 for a repo the token can see anyway, as Python's <c>create_repo(exist_ok=True)</c>).
    /// </summary>
    /// <exception cref="HubConflictException">It exists and <paramref name="existOk"/> is false.</exception>
    /// <exception cref="HubUnauthorizedException">No token, or one that may not create repositories in that namespace.</exception>
    public async Task<Uri> CreateRepoAsync(RepoId repo, bool isPrivate = false, bool existOk = false, CancellationToken cancellationToken = default)
    {
        RequireToken("create " + repo);
        var body = new CreateRepoRequest
        {
            Name = repo.Name,
            Organization = repo.Namespace.Length > 0 ? repo.Namespace : null,
            Type = repo.Type == RepoType.Model ? null : repo.Type.Singular(),
            Private = isPrivate,
        };
        var what = $"creating {repo.Type.Singular()} {repo.Id}";
        using var response = await Api.CreateRepoAsync(body, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status == 409)
        {
            if (!existOk)
                throw new HubConflictException($"{repo.Type.Singular()} {repo.Id} already exists (409); pass exist_ok (--exist-ok) to accept it",
                    response.StatusCode);
            return RepoUrl(repo);
        }
        if (existOk && status is 401 or 402 or 403)
        {
            // A namespace the token may not create in, but the repo may already be there and readable.
            try
            {
                await GetRepoInfoAsync(repo, cancellationToken: cancellationToken).ConfigureAwait(false);
                return RepoUrl(repo);
            }
            catch (RepositoryNotFoundException)
            {
            }
        }
        await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
        var created = await ReadJsonAsync(response, HubJsonContext.Default.CreateRepoResponse, what, cancellationToken).ConfigureAwait(false);
        return created.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed : RepoUrl(repo);
    }

    /// <summary>Deletes a repository. With <paramref name="missingOk"/> a repository that is not there is fine.</summary>
    public async Task DeleteRepoAsync(RepoId repo, bool missingOk = false, CancellationToken cancellationToken = default)
    {
        RequireToken("delete " + repo);
        var body = new DeleteRepoRequest
        {
            Name = repo.Name,
            Organization = repo.Namespace.Length > 0 ? repo.Namespace : null,
            Type = repo.Type == RepoType.Model ? null : repo.Type.Singular(),
        };
        using var response = await Api.DeleteRepoAsync(body, cancellationToken).ConfigureAwait(false);
        try
        {
            await HubErrorMapper.EnsureSuccessAsync(response, $"deleting {repo.Type.Singular()} {repo.Id}", cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryNotFoundException) when (missingOk)
        {
        }
    }

    /// <summary>Changes visibility and/or gating. <paramref name="gated"/>: <c>auto</c>, <c>manual</c> or <c>false</c> (open); null leaves it.</summary>
    public async Task UpdateRepoSettingsAsync(RepoId repo, bool? isPrivate = null, string? gated = null, CancellationToken cancellationToken = default)
    {
        RequireToken("change the settings of " + repo);
        if (gated is not null and not ("auto" or "manual" or "false"))
            throw new ArgumentException($"gated must be auto, manual or false, not '{gated}'", nameof(gated));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (isPrivate is { } p) json.WriteBoolean("private", p);
            if (gated is "false") json.WriteBoolean("gated", false);
            else if (gated is not null) json.WriteString("gated", gated);
            json.WriteEndObject();
        }
        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await Api.UpdateSettingsAsync(repo.Type.Plural(), repo.Id, content, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, $"settings of {repo.Type.Singular()} {repo.Id}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a branch at <paramref name="startingPoint"/> (a revision; default the default branch's head).</summary>
    /// <exception cref="HubConflictException">The branch exists and <paramref name="existOk"/> is false.</exception>
    public async Task CreateBranchAsync(RepoId repo, string branch, string? startingPoint = null, bool existOk = false, CancellationToken cancellationToken = default)
    {
        RequireToken("create a branch in " + repo);
        ValidateRefName(branch, "branch");
        using var response = await Api.CreateBranchAsync(repo.Type.Plural(), repo.Id, branch, new CreateBranchRequest { StartingPoint = startingPoint }, cancellationToken)
            .ConfigureAwait(false);
        if (existOk && response.StatusCode == HttpStatusCode.Conflict) return;
        await HubErrorMapper.EnsureSuccessAsync(response, $"branch '{branch}' of {repo}", cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteBranchAsync(RepoId repo, string branch, CancellationToken cancellationToken = default)
    {
        RequireToken("delete a branch of " + repo);
        ValidateRefName(branch, "branch");
        using var response = await Api.DeleteBranchAsync(repo.Type.Plural(), repo.Id, branch, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, $"branch '{branch}' of {repo}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tags <paramref name="revision"/> (default: the default branch's head).</summary>
    /// <exception cref="HubConflictException">The tag exists and <paramref name="existOk"/> is false.</exception>
    public async Task CreateTagAsync(RepoId repo, string tag, string? revision = null, string? message = null, bool existOk = false,
        CancellationToken cancellationToken = default)
    {
        RequireToken("create a tag in " + repo);
        ValidateRefName(tag, "tag");
        using var response = await Api.CreateTagAsync(repo.Type.Plural(), repo.Id, revision ?? DefaultRevision, new CreateTagRequest { Tag = tag, Message = message },
            cancellationToken).ConfigureAwait(false);
        if (existOk && response.StatusCode == HttpStatusCode.Conflict) return;
        await HubErrorMapper.EnsureSuccessAsync(response, $"tag '{tag}' of {Describe(repo, revision ?? DefaultRevision)}", cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteTagAsync(RepoId repo, string tag, CancellationToken cancellationToken = default)
    {
        RequireToken("delete a tag of " + repo);
        ValidateRefName(tag, "tag");
        using var response = await Api.DeleteTagAsync(repo.Type.Plural(), repo.Id, tag, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, $"tag '{tag}' of {repo}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the repository exists and the token may see it (404 and 401 both mean no, as the JS client).</summary>
    public async Task<bool> RepoExistsAsync(RepoId repo, CancellationToken cancellationToken = default)
    {
        try
        {
            await GetRepoInfoAsync(repo, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (GatedRepoException)
        {
            return true;
        }
        catch (RepositoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The repository's page: <c>{endpoint}/[datasets/]{id}</c>.</summary>
    public Uri RepoUrl(RepoId repo) => new($"{Options.Endpoint.AbsoluteUri.TrimEnd('/')}/{RepoUrlPath(repo)}");

    /// <summary>Refuses a write before any request when no token is set; <paramref name="action"/> completes "A token is needed to …".</summary>
    internal void RequireToken(string action)
    {
        if (string.IsNullOrEmpty(Options.Token))
            throw new HubUnauthorizedException($"A token is needed to {action}: set HF_TOKEN (a write token), write it to the token file, or pass --token");
    }

    private static void ValidateRefName(string name, string kind)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains("..", StringComparison.Ordinal) || name.StartsWith('/') || name.EndsWith('/')
            || name.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
            throw new ArgumentException($"'{name}' is not a valid {kind} name", nameof(name));
    }
}
