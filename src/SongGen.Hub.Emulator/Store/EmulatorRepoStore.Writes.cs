using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator;

/// <summary>A file a commit adds or replaces: bytes already in the object store, and whether it must be LFS.</summary>
internal sealed record CommitAdd(string Path, StoredObject Object, bool ForceLfs);

/// <summary>A deletion in a commit: one file, or every file under a folder.</summary>
internal sealed record CommitDelete(string Path, bool IsFolder);

/// <summary>What the commit endpoint asks of the store (the NDJSON body, decoded and its objects stored).</summary>
internal sealed class CommitRequest
{
    /// <summary>A branch (<c>main</c>, <c>refs/heads/main</c>) or <c>refs/pr/N</c>; with <see cref="CreatePullRequest"/> the PR's base branch.</summary>
    public required string Revision { get; init; }
    public bool CreatePullRequest { get; init; }
    /// <summary>5 to 40 hex digits: the head the client based its change on (412 when the branch moved since).</summary>
    public string? ParentCommit { get; init; }
    public required string Title { get; init; }
    public string Description { get; init; } = "";
    public required string Author { get; init; }
    public IReadOnlyList<CommitAdd> Adds { get; init; } = [];
    public IReadOnlyList<CommitDelete> Deletes { get; init; } = [];
    public DateTimeOffset? Date { get; init; }
}

/// <summary>The commit made, and the pull request number when one was opened or appended to.</summary>
internal readonly record struct CommitOutcome(string CommitId, int? PullRequestNumber);

public sealed partial class EmulatorRepoStore
{
    /// <summary>Deletes a repository and its history. Stored objects stay (they are shared by content).</summary>
    public Task DeleteRepoAsync(string type, string repoId)
    {
        var kind = RepoKinds.Parse(type);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            _repos.Remove((kind, repoId));
            if (Directory.Exists(entry.Folder))
            {
                Directory.Delete(entry.Folder, recursive: true);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Renames a repository (history, refs and id kept); the new namespace becomes its owner. Refused with 409 when
    /// the target exists.
    /// </summary>
    public Task MoveRepoAsync(string type, string fromRepoId, string toRepoId)
    {
        var kind = RepoKinds.Parse(type);
        ValidateRepoId(toRepoId);
        lock (_gate)
        {
            var entry = Require(kind, fromRepoId);
            if (_repos.ContainsKey((kind, toRepoId)))
            {
                throw StoreRejection.Conflict($"A {kind.Singular()} repository called {toRepoId} already exists.");
            }
            var document = entry.Document;
            document.RepoId = toRepoId;
            document.Owner = toRepoId.Split('/')[0];
            var moved = new RepoEntry(document, RepoFolder(kind, toRepoId));
            Save(moved);
            _repos.Remove((kind, fromRepoId));
            _repos[(kind, toRepoId)] = moved;
            if (Directory.Exists(entry.Folder))
            {
                Directory.Delete(entry.Folder, recursive: true);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Deletes a branch; the default branch cannot be deleted.</summary>
    public Task DeleteBranchAsync(string type, string repoId, string branch)
    {
        Mutate(type, repoId, document =>
        {
            var name = StripPrefix(branch, "refs/heads/");
            if (name == document.DefaultBranch)
            {
                throw new StoreRejection(403, null, $"Cannot delete refs/heads/{name}: it is the default branch");
            }
            if (!document.Branches.Remove(name))
            {
                throw StoreRejection.RevisionNotFound(branch);
            }
        });
        return Task.CompletedTask;
    }

    public Task DeleteTagAsync(string type, string repoId, string tag)
    {
        Mutate(type, repoId, document =>
        {
            if (!document.Tags.Remove(StripPrefix(tag, "refs/tags/")))
            {
                throw StoreRejection.RevisionNotFound(tag);
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>
    /// Creates (or with <paramref name="overwrite"/> moves) a branch at <paramref name="startingPoint"/> (default: the
    /// default branch's head), or on a new commit without files and parents when <paramref name="empty"/>.
    /// </summary>
    internal string CreateBranch(RepoKind kind, string repoId, string branch, string? startingPoint, bool empty, bool overwrite, string author)
    {
        var name = StripPrefix(branch, "refs/heads/");
        ValidateRefName(name);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            var document = entry.Document;
            if (document.Branches.ContainsKey(name) && !overwrite)
            {
                throw StoreRejection.Conflict($"Reference refs/heads/{name} already exists");
            }
            string target;
            if (empty)
            {
                var commit = CommitOnto(document, parent: null, [], [], "Create empty branch " + name, "", author, Truncate(DateTimeOffset.UtcNow));
                target = commit.Id;
            }
            else
            {
                target = ResolveOrThrow(entry, startingPoint ?? document.DefaultBranch).Id;
            }
            document.Branches[name] = target;
            Save(entry);
            return target;
        }
    }

    /// <summary>Makes a commit from the commit endpoint's request; see <see cref="CommitRequest"/>.</summary>
    internal CommitOutcome ApplyCommit(RepoKind kind, string repoId, CommitRequest request)
    {
        var when = Truncate(request.Date ?? DateTimeOffset.UtcNow);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            var document = entry.Document;
            var snapshot = entry.Snapshot();
            PullRequestDocument? pullRequest = null;
            string? branch = null;
            CommitDocument parent;
            if (request.CreatePullRequest)
            {
                var baseBranch = StripPrefix(request.Revision, "refs/heads/");
                if (!document.Branches.TryGetValue(baseBranch, out var baseHead))
                {
                    throw StoreRejection.RevisionNotFound(request.Revision);
                }
                // With create_pr the parent commit is the PR's base and may be older than the branch head.
                parent = request.ParentCommit is { } wanted
                    ? FindCommitByPrefix(snapshot, wanted) ?? throw StoreRejection.BadRequest($"Invalid parentCommit: {wanted} is not a commit of {repoId}")
                    : document.Commits[baseHead];
            }
            else if (RepoSnapshot.TryParsePullRequestRef(request.Revision, out var number))
            {
                pullRequest = document.PullRequests.FirstOrDefault(pr => pr.Number == number)
                    ?? throw StoreRejection.RevisionNotFound(request.Revision);
                parent = document.Commits[pullRequest.Commit];
                RequireFreshParent(request.ParentCommit, parent);
            }
            else
            {
                branch = StripPrefix(request.Revision, "refs/heads/");
                if (!document.Branches.TryGetValue(branch, out var head))
                {
                    throw StoreRejection.RevisionNotFound(request.Revision);
                }
                parent = document.Commits[head];
                RequireFreshParent(request.ParentCommit, parent);
            }
            var deleted = new List<string>();
            foreach (var delete in request.Deletes)
            {
                var path = delete.Path.TrimEnd('/');
                var exists = delete.IsFolder
                    ? parent.Files.Keys.Any(key => RepoPaths.IsUnder(key, path))
                    : parent.Files.ContainsKey(path);
                if (!exists)
                {
                    throw StoreRejection.EntryNotFound(delete.IsFolder
                        ? $"A folder with this name doesn't exist: {path}"
                        : $"A file with this name doesn't exist: {path}");
                }
                deleted.Add(path);
            }
            RequireNoFileFolderClash(parent, deleted, request.Adds);
            var commit = CommitOnto(document, parent, request.Adds.ToList(), deleted, request.Title, request.Description, request.Author, when);
            int? prNumber = null;
            if (request.CreatePullRequest)
            {
                prNumber = document.PullRequests.Count == 0 ? 1 : document.PullRequests.Max(pr => pr.Number) + 1;
                document.PullRequests.Add(new PullRequestDocument { Number = prNumber.Value, Title = request.Title, Author = request.Author, Commit = commit.Id });
            }
            else if (pullRequest is not null)
            {
                pullRequest.Commit = commit.Id;
                prNumber = pullRequest.Number;
            }
            else
            {
                document.Branches[branch!] = commit.Id;
                if (branch == document.DefaultBranch)
                {
                    document.LastModified = when;
                }
            }
            Save(entry);
            return new CommitOutcome(commit.Id, prNumber);
        }
    }

    /// <summary>Size of the LFS object with that SHA-256, or null when none was uploaded or committed as LFS.</summary>
    internal long? StoredLfsSize(string sha256) => Objects.LfsSize(sha256);

    private static void RequireNoFileFolderClash(CommitDocument parent, List<string> deleted, IReadOnlyList<CommitAdd> adds)
    {
        var files = parent.Files.Keys.Where(key => !deleted.Any(gone => key == gone || RepoPaths.IsUnder(key, gone)))
            .Concat(adds.Select(add => add.Path))
            .ToHashSet(StringComparer.Ordinal);
        var folders = files.SelectMany(RepoPaths.Ancestors).ToHashSet(StringComparer.Ordinal);
        if (adds.FirstOrDefault(add => folders.Contains(add.Path)) is { } onFolder)
        {
            throw new StoreRejection(422, null, $"Cannot add the file '{onFolder.Path}': a folder with that path exists.");
        }
        if (adds.FirstOrDefault(add => RepoPaths.Ancestors(add.Path).Any(files.Contains)) is { } underFile)
        {
            throw new StoreRejection(422, null, $"Cannot add '{underFile.Path}': one of its parent folders is a file.");
        }
    }

    private static void RequireFreshParent(string? parentCommit, CommitDocument head)
    {
        if (parentCommit is not null && !head.Id.StartsWith(parentCommit, StringComparison.Ordinal))
        {
            throw new StoreRejection(412, null, "The branch was updated since you opened this page. Please refresh and try again.");
        }
    }

    private static CommitDocument? FindCommitByPrefix(RepoSnapshot snapshot, string prefix)
    {
        var matches = snapshot.Commits.Values.Where(commit => commit.Id.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    private static string StripPrefix(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
}
