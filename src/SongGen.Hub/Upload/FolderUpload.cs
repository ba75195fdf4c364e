namespace SongGen.Hub;

/// <summary>Upload of a local folder (Python's <c>upload_folder</c>; <c>hf upload REPO FOLDER [PATH_IN_REPO]</c>).</summary>
public sealed record FolderUploadRequest(RepoId Repo, string LocalFolder)
{
    /// <summary>Folder in the repo the files go under; empty: the root.</summary>
    public string PathInRepo { get; init; } = "";
    /// <summary>Keep local files matching at least one (fnmatch on paths relative to the folder). Empty: all.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    /// <summary>Remote files under <see cref="PathInRepo"/> matching one of these are deleted (unless re-uploaded); never <c>.gitattributes</c>.</summary>
    public IReadOnlyList<string> DeletePatterns { get; init; } = [];
    public string Message { get; init; } = "Upload folder using songgen";
    public string Description { get; init; } = "";
    public string? Revision { get; init; }
    public bool CreatePullRequest { get; init; }
}

public sealed partial class HubCommitter
{
    /// <summary>Paths never uploaded from a folder (Python's <c>DEFAULT_IGNORE_PATTERNS</c>): git and the client's own bookkeeping.</summary>
    public static readonly IReadOnlyList<string> DefaultIgnorePatterns =
        [".git", ".git/*", "*/.git", "**/.git/**", ".cache/huggingface", ".cache/huggingface/*", "*/.cache/huggingface", "**/.cache/huggingface/**"];

    /// <summary>Uploads a folder: only files that differ from the Hub are sent, and nothing at all when none differs.</summary>
    public async Task<CommitResult> UploadFolderAsync(FolderUploadRequest request, IProgress<UploadEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        var folder = Path.GetFullPath(request.LocalFolder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such folder to upload");
        var prefix = NormalizePrefix(request.PathInRepo);
        var locals = ListLocalFiles(folder)
            .Where(rel => FilePatterns.ShouldKeep(rel, request.Include.Count > 0 ? request.Include : null, request.Exclude.Count > 0 ? request.Exclude : null))
            .ToList();
        var operations = new List<CommitOperation>(locals.Select(rel => CommitAdd.FromFile(prefix + rel, Path.Combine(folder, rel))));
        if (request.DeletePatterns.Count > 0)
        {
            var added = operations.Select(o => o.PathInRepo).ToHashSet(StringComparer.Ordinal);
            await foreach (var entry in ListRemoteFilesAsync(request.Repo, request.Revision, prefix, cancellationToken).ConfigureAwait(false))
            {
                var relative = entry[prefix.Length..];
                if (entry == ".gitattributes" || added.Contains(entry)) continue;
                if (request.DeletePatterns.Any(p => FilePatterns.IsMatch(relative, p))) operations.Add(new CommitDelete(entry));
            }
        }
        return await CreateCommitAsync(new CommitRequest(request.Repo, operations)
        {
            Message = request.Message,
            Description = request.Description,
            Revision = request.Revision,
            CreatePullRequest = request.CreatePullRequest,
        }, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Files under a folder, relative with '/' separators, sorted, without <see cref="DefaultIgnorePatterns"/>.</summary>
    public static IReadOnlyList<string> ListLocalFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.None, IgnoreInaccessible = false })
            .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
            .Where(rel => !DefaultIgnorePatterns.Any(p => FilePatterns.IsMatch(rel, p)) && !rel.Split('/').Any(s => s is ".git"))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>"" or "a/b/" from a user's path-in-repo ("a/b", "/a/b/", ".").</summary>
    public static string NormalizePrefix(string? pathInRepo)
    {
        var trimmed = (pathInRepo ?? "").Replace('\\', '/').Trim('/');
        if (trimmed is "" or ".") return "";
        return RepoFilePath.Validate(trimmed) + "/";
    }

    private async IAsyncEnumerable<string> ListRemoteFilesAsync(RepoId repo, string? revision, string prefix,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var entries = new List<string>();
        try
        {
            await foreach (var entry in _client.ListTreeAsync(repo, revision, prefix.Length == 0 ? null : prefix, recursive: true, cancellationToken: cancellationToken)
                               .ConfigureAwait(false))
            {
                if (!entry.IsFile) continue;
                // A listing must stay inside the folder asked for: a path outside it would turn --delete on a stranger's file.
                RepoFilePath.Validate(entry.Path);
                if (!entry.Path.StartsWith(prefix, StringComparison.Ordinal))
                    throw new HubProtocolException($"The tree of '{prefix}' in {repo} lists '{entry.Path}', outside that folder");
                entries.Add(entry.Path);
            }
        }
        catch (EntryNotFoundException) when (prefix.Length > 0)
        {
            // The folder is not in the repo yet: nothing to delete.
        }
        foreach (var e in entries) yield return e;
    }
}
