namespace SongGen.Hub;

/// <summary>What to sync: a local folder and a folder of a repo at a revision.</summary>
public sealed record SyncRequest(SyncDirection Direction, string LocalDir, RepoId Repo)
{
    public string? Revision { get; init; }
    /// <summary>Folder in the repo; empty: the root.</summary>
    public string PathInRepo { get; init; } = "";
    /// <summary>Mirror deletions: remove on the target what the source lacks.</summary>
    public bool Delete { get; init; }
}

/// <summary>What applying a plan did.</summary>
public sealed record SyncOutcome(SyncPlan Plan, CommitResult? Commit, int Downloaded, int DeletedLocal);

/// <summary>
/// rsync-like sync between a local folder and a repo folder. The plan compares sizes first, then content ids (sha256
/// for files the Hub stores as LFS, git blob sha1 for regular ones; never the pointer oid) against one pinned commit.
/// Push uploads only what differs (in one or more commits based on the pinned commit, so a concurrent change is a
/// conflict, never an overwrite); pull fetches only what differs through the cache, then into the folder.
/// </summary>
public sealed class HubSync(HubClient client)
{
    /// <summary>Repository bookkeeping the Hub keeps itself; never synced.</summary>
    private const string GitAttributes = ".gitattributes";

    public async Task<SyncPlan> PlanAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        var repo = request.Repo;
        var revision = request.Revision ?? "main";
        var localDir = Path.GetFullPath(request.LocalDir);
        if (request.Direction == SyncDirection.Push && !Directory.Exists(localDir))
            throw new DirectoryNotFoundException($"{localDir}: no such folder to push");
        var prefix = HubCommitter.NormalizePrefix(request.PathInRepo);

        var info = await client.GetRepoInfoAsync(repo, revision, cancellationToken: cancellationToken).ConfigureAwait(false);
        var commit = info.Sha;
        if (commit is not null && !HubCacheLayout.IsCommitHash(commit))
            throw new HubProtocolException($"The Hub gave '{commit}' as the commit of {HubClient.Describe(repo, revision)}: not a 40-hex commit id");
        var remote = commit is null ? new Dictionary<string, Api.TreeEntry>(StringComparer.Ordinal)
            : await ListRemoteAsync(repo, commit, prefix, cancellationToken).ConfigureAwait(false);
        var local = Directory.Exists(localDir)
            ? HubCommitter.ListLocalFiles(localDir)
                // The repo's own .gitattributes is left out of the remote side, so a local copy at the root is too.
                .Where(p => prefix.Length > 0 || p != GitAttributes)
                .ToDictionary(p => p, p => new FileInfo(Path.Combine(localDir, p)), StringComparer.Ordinal)
            : new Dictionary<string, FileInfo>(StringComparer.Ordinal);

        var entries = new List<SyncEntry>();
        foreach (var path in local.Keys.Union(remote.Keys).Order(StringComparer.Ordinal))
        {
            var hasLocal = local.TryGetValue(path, out var localFile);
            long localSize = localFile?.Length ?? 0;
            var hasRemote = remote.TryGetValue(path, out var entry);
            var remoteId = entry is null ? null : entry.Lfs?.Oid ?? entry.Oid;
            var isLfs = entry?.Lfs is not null;
            SyncState state;
            string? localId = null;
            if (hasLocal && hasRemote)
            {
                if (localSize != entry!.Size) state = SyncState.Changed;
                else
                {
                    localId = await LocalIdAsync(localDir, path, isLfs, cancellationToken).ConfigureAwait(false);
                    state = string.Equals(localId, remoteId, StringComparison.OrdinalIgnoreCase) ? SyncState.Same : SyncState.Changed;
                }
            }
            else state = hasLocal ? SyncState.LocalOnly : SyncState.RemoteOnly;
            entries.Add(new SyncEntry
            {
                Path = path,
                State = state,
                Action = ActionFor(request.Direction, state, request.Delete),
                LocalSize = hasLocal ? localSize : null,
                LocalModified = localFile?.LastWriteTimeUtc,
                RemoteSize = entry?.Size,
                LocalId = localId,
                RemoteId = remoteId,
                RemoteIsLfs = isLfs,
            });
        }
        entries = await MarkRenamesAsync(localDir, entries, cancellationToken).ConfigureAwait(false);
        return new SyncPlan
        {
            Direction = request.Direction,
            RepoId = repo.Id,
            RepoType = repo.Type.Singular(),
            Revision = revision,
            Commit = commit,
            LocalDir = localDir,
            PathInRepo = prefix,
            Delete = request.Delete,
            Entries = entries,
        };
    }

    /// <summary>
    /// Carries out a plan (fresh or read back from a file). Refused when the branch moved from the plan's pinned commit,
    /// or when the folder no longer matches what the plan saw: make a new plan then.
    /// </summary>
    /// <exception cref="SyncPlanStaleException">The repo or the folder changed since the plan.</exception>
    public async Task<SyncOutcome> ApplyAsync(SyncPlan plan, string? commitMessage = null, IProgress<UploadEvent>? uploadProgress = null,
        IProgress<DownloadEvent>? downloadProgress = null, CancellationToken cancellationToken = default)
    {
        if (plan.Direction == SyncDirection.Diff) throw new ArgumentException("A diff plan has nothing to apply: plan a push or a pull");
        var repo = plan.Repo;
        var head = (await client.GetRepoInfoAsync(repo, plan.Revision, cancellationToken: cancellationToken).ConfigureAwait(false)).Sha;
        if (!string.Equals(head, plan.Commit, StringComparison.OrdinalIgnoreCase))
            throw new SyncPlanStaleException(
                $"The plan was made against {HubClient.Describe(repo, plan.Revision)} at commit {plan.Commit ?? "(none)"}, but the branch is now at {head ?? "(none)"}: make a new plan");
        CheckLocalStillMatches(plan);
        if (plan.IsEmpty) return new SyncOutcome(plan, null, 0, 0);

        return plan.Direction == SyncDirection.Push
            ? await PushAsync(plan, commitMessage, uploadProgress, cancellationToken).ConfigureAwait(false)
            : await PullAsync(plan, downloadProgress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SyncOutcome> PushAsync(SyncPlan plan, string? commitMessage, IProgress<UploadEvent>? progress, CancellationToken cancellationToken)
    {
        var operations = new List<CommitOperation>();
        foreach (var entry in plan.Actions)
        {
            var pathInRepo = plan.PathInRepo + entry.Path;
            operations.Add(entry.Action switch
            {
                SyncAction.Upload => CommitAdd.FromFile(pathInRepo, RepoFilePath.ResolveUnder(plan.LocalDir, entry.Path)),
                SyncAction.DeleteRemote => new CommitDelete(pathInRepo),
                _ => throw new FormatException($"A push plan cannot {entry.Action} '{entry.Path}'"),
            });
        }
        var committer = new HubCommitter(client);
        var result = await committer.CreateCommitAsync(new CommitRequest(plan.Repo, operations)
        {
            Message = commitMessage ?? $"Sync {Path.GetFileName(plan.LocalDir.TrimEnd(Path.DirectorySeparatorChar))} with songgen",
            Revision = plan.Revision,
            // Based on the pinned commit: a change made since the plan is a conflict, never overwritten.
            ParentCommit = plan.Commit,
            PinParent = plan.Commit is not null,
        }, progress, cancellationToken).ConfigureAwait(false);
        return new SyncOutcome(plan, result, 0, 0);
    }

    private async Task<SyncOutcome> PullAsync(SyncPlan plan, IProgress<DownloadEvent>? progress, CancellationToken cancellationToken)
    {
        var repo = plan.Repo;
        var downloader = new HubDownloader(client);
        var downloads = plan.Actions.Where(e => e.Action == SyncAction.Download).ToList();
        Directory.CreateDirectory(plan.LocalDir);
        var downloaded = 0;
        await Parallel.ForEachAsync(downloads,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, client.Options.Download.MaxConcurrentFiles), CancellationToken = cancellationToken },
            async (entry, token) =>
            {
                // Into the cache first (verified, shared with every other use of the repo), then copied into the folder.
                var cached = await downloader.DownloadFileAsync(repo, plan.PathInRepo + entry.Path, plan.Commit, progress: progress, cancellationToken: token)
                    .ConfigureAwait(false);
                var target = RepoFilePath.ResolveUnder(plan.LocalDir, entry.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var temp = target + ".songgen-sync.tmp";
                try
                {
                    File.Copy(cached, temp, overwrite: true);
                    File.Move(temp, target, overwrite: true);
                }
                catch
                {
                    // A temp copy left in the folder would be a local-only file that the next push uploads.
                    File.Delete(temp);
                    throw;
                }
                Interlocked.Increment(ref downloaded);
            }).ConfigureAwait(false);
        var deleted = 0;
        foreach (var entry in plan.Actions.Where(e => e.Action == SyncAction.DeleteLocal))
        {
            var target = RepoFilePath.ResolveUnder(plan.LocalDir, entry.Path);
            if (File.Exists(target))
            {
                File.Delete(target);
                deleted++;
            }
        }
        return new SyncOutcome(plan, null, downloaded, deleted);
    }

    private static SyncAction ActionFor(SyncDirection direction, SyncState state, bool delete) => (direction, state) switch
    {
        (SyncDirection.Push, SyncState.Changed or SyncState.LocalOnly) => SyncAction.Upload,
        (SyncDirection.Push, SyncState.RemoteOnly) when delete => SyncAction.DeleteRemote,
        (SyncDirection.Pull, SyncState.Changed or SyncState.RemoteOnly) => SyncAction.Download,
        (SyncDirection.Pull, SyncState.LocalOnly) when delete => SyncAction.DeleteLocal,
        _ => SyncAction.Skip,
    };

    /// <summary>A path only here and a path only there with the same size and content: a rename, noted on both.</summary>
    private static async Task<List<SyncEntry>> MarkRenamesAsync(string localDir, List<SyncEntry> entries, CancellationToken cancellationToken)
    {
        var remoteOnly = entries.Where(e => e.State == SyncState.RemoteOnly).ToList();
        if (remoteOnly.Count == 0) return entries;
        var result = new List<SyncEntry>(entries);
        var bySize = remoteOnly.GroupBy(e => e.RemoteSize!.Value).ToDictionary(g => g.Key, g => g.ToList());
        for (var i = 0; i < result.Count; i++)
        {
            var entry = result[i];
            if (entry.State != SyncState.LocalOnly || !bySize.TryGetValue(entry.LocalSize!.Value, out var candidates)) continue;
            foreach (var isLfs in candidates.Select(c => c.RemoteIsLfs).Distinct())
            {
                var id = await LocalIdAsync(localDir, entry.Path, isLfs, cancellationToken).ConfigureAwait(false);
                var match = candidates.FirstOrDefault(c => c.RemoteIsLfs == isLfs && string.Equals(c.RemoteId, id, StringComparison.OrdinalIgnoreCase));
                if (match is null) continue;
                result[i] = entry with { RenamedFrom = match.Path, LocalId = id };
                var other = result.FindIndex(e => e.Path == match.Path);
                result[other] = result[other] with { RenamedFrom = entry.Path };
                break;
            }
        }
        return result;
    }

    private static void CheckLocalStillMatches(SyncPlan plan)
    {
        foreach (var entry in plan.Entries)
        {
            if (plan.Direction == SyncDirection.Pull && entry.Action == SyncAction.Download) continue; // overwritten anyway
            var path = RepoFilePath.ResolveUnder(plan.LocalDir, entry.Path);
            var file = new FileInfo(path);
            long? size = file.Exists ? file.Length : null;
            if (size != entry.LocalSize)
                throw new SyncPlanStaleException(
                    $"'{entry.Path}' in {plan.LocalDir} changed since the plan ({Describe(entry.LocalSize)} then, {Describe(size)} now): make a new plan");
            // A same-size edit moves the modification time (as rsync and make assume); plans saved before it was recorded skip this.
            if (file.Exists && entry.LocalModified is { } modified && file.LastWriteTimeUtc != modified)
                throw new SyncPlanStaleException(
                    $"'{entry.Path}' in {plan.LocalDir} was modified since the plan ({modified:O} then, {file.LastWriteTimeUtc:O} now): make a new plan");
        }
    }

    private static string Describe(long? size) => size is { } s ? $"{s} bytes" : "absent";

    private async Task<Dictionary<string, Api.TreeEntry>> ListRemoteAsync(RepoId repo, string commit, string prefix, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Api.TreeEntry>(StringComparer.Ordinal);
        try
        {
            await foreach (var entry in client.ListTreeAsync(repo, commit, prefix.Length == 0 ? null : prefix, recursive: true, cancellationToken: cancellationToken)
                               .ConfigureAwait(false))
            {
                if (!entry.IsFile) continue;
                RepoFilePath.Validate(entry.Path);
                if (!entry.Path.StartsWith(prefix, StringComparison.Ordinal))
                    throw new HubProtocolException($"The tree of '{prefix}' in {HubClient.Describe(repo, commit)} lists '{entry.Path}', outside that folder");
                var relative = entry.Path[prefix.Length..];
                if (prefix.Length == 0 && relative == GitAttributes) continue;
                if (HubCommitter.DefaultIgnorePatterns.Any(p => FilePatterns.IsMatch(relative, p))) continue;
                result[relative] = entry;
            }
        }
        catch (EntryNotFoundException) when (prefix.Length > 0)
        {
            // The folder does not exist in the repo yet.
        }
        return result;
    }

    private static async Task<string> LocalIdAsync(string localDir, string path, bool isLfs, CancellationToken cancellationToken) =>
        await ContentHasher.HashFileAsync(Path.Combine(localDir, path), sha256: isLfs, cancellationToken).ConfigureAwait(false);
}

/// <summary>A saved plan no longer fits: the branch moved from its pinned commit, or the local folder changed.</summary>
public sealed class SyncPlanStaleException(string message) : HubException(message);
