using System.Text.RegularExpressions;
using SongGen.Hub.Api;

namespace SongGen.Hub;

/// <summary>
/// File and snapshot downloads into a cache laid out exactly as Python's <c>huggingface_hub</c> (blobs named by etag,
/// relative symlinks in <c>snapshots/&lt;commit&gt;</c>, refs without newline, <c>.no_exist</c> markers, <c>.locks</c>),
/// or into a plain local folder. Offline mode resolves revisions from <c>refs/</c>.
/// </summary>
public sealed partial class HubDownloader
{
    private readonly HubClient _client;

    public HubDownloader(HubClient client)
    {
        _client = client;
        Cache = new HubCacheLayout(client.Options.CacheDir);
    }

    public HubCacheLayout Cache { get; }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    public static bool IsCommitHash(string revision) => CommitHash().IsMatch(revision);

    // ---------------------------------------------------------------- single file

    /// <summary>
    /// Downloads one file (Python's <c>hf_hub_download</c>) and returns its path: the snapshot pointer in the cache, or
    /// the file in <paramref name="localDir"/>. Falls back to the cache when the Hub cannot be reached.
    /// </summary>
    public async Task<string> DownloadFileAsync(RepoId repo, string path, string? revision = null, string? localDir = null,
        IProgress<DownloadEvent>? progress = null, bool force = false, CancellationToken cancellationToken = default)
    {
        RepoFilePath.Validate(path);
        var rev = revision ?? "main";
        var tracker = new DownloadProgressTracker(progress, _client.Options.TimeProvider);

        if (localDir is null && !force && IsCommitHash(rev) && File.Exists(Cache.SnapshotFilePath(repo, rev, path)))
            return Cache.SnapshotFilePath(repo, rev, path);
        if (_client.Options.Offline) return FromCacheOrThrow(repo, path, rev, localDir, null);

        HubFileMetadata metadata;
        try
        {
            metadata = await _client.GetFileMetadataAsync(repo, path, rev, cancellationToken).ConfigureAwait(false);
        }
        catch (EntryNotFoundException ex) when (ex.CommitHash is { } commit && IsCommitHash(commit) && localDir is null)
        {
            Cache.EnsureCacheDirTag();
            if (!string.Equals(rev, commit, StringComparison.Ordinal)) Cache.WriteRef(repo, rev, commit);
            Cache.MarkNoExist(repo, commit, path);
            throw;
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            return FromCacheOrThrow(repo, path, rev, localDir, ex);
        }

        tracker.Planned(1, metadata.Size);
        var entry = new PlannedFile(path, metadata.Size, metadata.Etag, ContentHasher.IsSha256Etag(metadata.Etag), false);
        var url = metadata.IsRedirect ? metadata.Location : _client.ResolveUrl(repo, path, metadata.CommitHash);
        string result;
        if (localDir is not null)
            result = await FetchIntoLocalDirAsync(repo, localDir, metadata.CommitHash, entry, url, force, tracker, cancellationToken).ConfigureAwait(false);
        else
        {
            Cache.EnsureCacheDirTag();
            if (!string.Equals(rev, metadata.CommitHash, StringComparison.Ordinal)) Cache.WriteRef(repo, rev, metadata.CommitHash);
            result = await FetchIntoCacheAsync(repo, metadata.CommitHash, entry, url, force, tracker, cancellationToken).ConfigureAwait(false);
        }
        tracker.Completed();
        return result;
    }

    // ---------------------------------------------------------------- snapshot

    /// <summary>Resolves the revision, lists the files the patterns keep and says which are already present. No file moves.</summary>
    public async Task<SnapshotPlan> PlanSnapshotAsync(SnapshotRequest request, CancellationToken cancellationToken = default)
    {
        var rev = request.Revision ?? "main";
        if (_client.Options.Offline) return PlanFromCache(request, rev, "offline mode is on (HF_HUB_OFFLINE)", null);
        try
        {
            return await PlanOnlineAsync(request, rev, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken) && request.LocalDir is null)
        {
            // As Python's snapshot_download: a Hub that cannot be reached leaves the cached snapshot usable.
            return PlanFromCache(request, rev, $"the Hub could not be reached ({ex.Message})", ex);
        }
    }

    private async Task<SnapshotPlan> PlanOnlineAsync(SnapshotRequest request, string rev, CancellationToken cancellationToken)
    {
        var repo = request.Repo;
        string commit;
        IReadOnlyList<TreeEntry> files;
        if (IsCommitHash(rev) && Cache.ReadTreeCache(repo, rev) is { } cachedTree)
        {
            // A commit never changes: its cached listing is enough (Python does the same with trees/<commit>.json).
            commit = rev;
            files = cachedTree.Select(kv => new TreeEntry
            {
                Type = "file", Path = kv.Key, Size = kv.Value.Size, Oid = kv.Value.BlobId,
                Lfs = kv.Value.LfsSha256 is { } sha ? new TreeEntryLfs { Oid = sha, Size = kv.Value.LfsSize ?? kv.Value.Size } : null,
            }).ToList();
        }
        else
        {
            commit = IsCommitHash(rev) ? rev
                : (await _client.GetRepoInfoAsync(repo, rev, cancellationToken: cancellationToken).ConfigureAwait(false)).Sha
                  ?? throw new HubProtocolException($"The Hub gave no commit (sha) for {HubClient.Describe(repo, rev)}");
            if (!IsCommitHash(commit)) throw new HubProtocolException($"The Hub gave '{commit}' as the commit of {HubClient.Describe(repo, rev)}: not a 40-hex commit id");
            var list = new List<TreeEntry>();
            await foreach (var entry in _client.ListTreeAsync(repo, commit, recursive: true, cancellationToken: cancellationToken).ConfigureAwait(false))
                if (entry.IsFile) list.Add(entry);
            files = list;
        }

        // Every name is checked before anything is written, so a hostile listing leaves the disk untouched. The etag
        // names the blob file, so it is a name too (checked here even when Force skips the presence test below).
        foreach (var file in files)
        {
            RepoFilePath.Validate(file.Path);
            if (file.ExpectedEtag is { } etag) RepoFilePath.ValidateSegment(etag, "etag");
        }
        var kept = FilePatterns.Filter(files, f => f.Path, AllowList(request), request.Exclude)
            .Select(f =>
            {
                var etag = f.ExpectedEtag ?? throw new HubProtocolException($"The tree of {HubClient.Describe(repo, commit)} gives no oid for '{f.Path}'");
                return new PlannedFile(f.Path, f.Size, etag, f.Lfs is not null, !request.Force && IsPresent(request, commit, f.Path, etag)) { GitOid = f.Oid ?? etag };
            })
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return new SnapshotPlan(repo, rev, commit, kept)
        {
            Listing = files.All(f => f.Oid is not null)
                ? files.Select(f => new TreeCacheEntry(f.Path, f.Size, f.Oid!, f.Lfs?.Oid, f.Lfs?.Size)).ToList()
                : null,
        };
    }

    /// <summary>Downloads every kept file of a revision (Python's <c>snapshot_download</c>) and returns the snapshot folder (or the local dir).</summary>
    public async Task<SnapshotResult> SnapshotDownloadAsync(SnapshotRequest request, IProgress<DownloadEvent>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var plan = await PlanSnapshotAsync(request, cancellationToken).ConfigureAwait(false);
        var repo = request.Repo;
        var folder = request.LocalDir is { } local ? Path.GetFullPath(local) : Cache.SnapshotFolder(repo, plan.Commit);
        var tracker = new DownloadProgressTracker(progress, _client.Options.TimeProvider);
        tracker.Planned(plan.Files.Count, plan.TotalBytes);
        if (plan.FromCacheOnly)
        {
            foreach (var file in plan.Files) tracker.FileSkipped(file.Path, file.Size, "from the cache (offline or Hub unreachable)");
            tracker.Completed();
            return new SnapshotResult(plan, folder);
        }

        if (request.LocalDir is null)
        {
            Cache.EnsureCacheDirTag();
            if (!string.Equals(plan.Revision, plan.Commit, StringComparison.Ordinal)) Cache.WriteRef(repo, plan.Revision, plan.Commit);
            Directory.CreateDirectory(folder);
        }

        var failures = new List<Exception>();
        Exception? repoWide = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(plan.Files,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _client.Options.Download.MaxConcurrentFiles), CancellationToken = stop.Token },
                async (file, token) =>
                {
                    if (file.AlreadyPresent)
                    {
                        tracker.FileSkipped(file.Path, file.Size, "already present");
                        if (request.LocalDir is null) EnsureLinked(repo, plan.Commit, file);
                        return;
                    }
                    var url = _client.ResolveUrl(repo, file.Path, plan.Commit);
                    try
                    {
                        if (request.LocalDir is { } dir)
                            await FetchIntoLocalDirAsync(repo, dir, plan.Commit, file, url, request.Force, tracker, token).ConfigureAwait(false);
                        else
                            await FetchIntoCacheAsync(repo, plan.Commit, file, url, request.Force, tracker, token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        tracker.FileFailed(file.Path, ex.Message);
                        lock (failures) failures.Add(ex);
                        // Refused access (gated, private, bad token) fails every other file the same way: stop and say so.
                        if (ex is RepositoryNotFoundException or HubUnauthorizedException && Interlocked.CompareExchange(ref repoWide, ex, null) is null)
                            await stop.CancelAsync().ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (repoWide is not null && !cancellationToken.IsCancellationRequested)
        {
        }

        if (repoWide is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(repoWide);
        if (failures.Count == 1) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        if (failures.Count > 1)
            throw new HubException($"{failures.Count} of {plan.Files.Count} files of {HubClient.Describe(repo, plan.Revision)} failed; first: {failures[0].Message}",
                inner: new AggregateException(failures));

        // The listing of the whole commit, not just the files kept: it is what the commit holds (Python reads it to tell a
        // complete snapshot, and the next plan at this commit reads it instead of asking the Hub).
        if (request.LocalDir is null && plan.Listing is { } listing)
            Cache.WriteTreeCache(repo, plan.Commit, listing);
        tracker.Completed();
        return new SnapshotResult(plan, folder);
    }

    // ---------------------------------------------------------------- placing files

    private async Task<string> FetchIntoCacheAsync(RepoId repo, string commit, PlannedFile file, Uri url, bool force,
        DownloadProgressTracker tracker, CancellationToken cancellationToken)
    {
        var pointer = Cache.SnapshotFilePath(repo, commit, file.Path);
        var blob = Cache.BlobPath(repo, file.Etag);
        if (!force && File.Exists(pointer) && File.Exists(blob))
        {
            tracker.FileSkipped(file.Path, file.Size, "already in the cache");
            return pointer;
        }
        // The blob's lock is held until the pointer links it, so a concurrent prune cannot take the blob in between.
        await using var held = await HubFileLock.AcquireAsync(Cache.LockPath(repo, file.Etag), _client.Options.TimeProvider,
            _client.Options.Download.LockTimeout, cancellationToken).ConfigureAwait(false);
        // Another process may have finished the blob while we waited for its lock.
        if (force || !File.Exists(blob))
        {
            if (force && File.Exists(blob)) File.Delete(blob);
            var fetcher = new BlobFetcher(_client, tracker);
            await fetcher.FetchAsync(new BlobTarget(file.Path, url, file.Etag, file.Size, blob, blob, ContentAddressed: true), cancellationToken)
                .ConfigureAwait(false);
            Cache.LinkIntoSnapshot(blob, pointer, useSymlinks: !_client.Options.DisableSymlinks);
            tracker.FileCompleted(file.Path);
        }
        else
        {
            Cache.LinkIntoSnapshot(blob, pointer, useSymlinks: !_client.Options.DisableSymlinks);
            tracker.FileSkipped(file.Path, file.Size, "blob already in the cache");
        }
        return pointer;
    }

    private async Task<string> FetchIntoLocalDirAsync(RepoId repo, string localDir, string commit, PlannedFile file, Uri url, bool force,
        DownloadProgressTracker tracker, CancellationToken cancellationToken)
    {
        var target = RepoFilePath.ResolveUnder(localDir, file.Path);
        if (!force && IsLocalDirCurrent(localDir, commit, file))
        {
            tracker.FileSkipped(file.Path, file.Size, "already in the local dir");
            return target;
        }
        LocalDirMetadata.EnsureHuggingFaceFolder(localDir);
        var lockPath = LocalDirMetadata.LockPath(localDir, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        await using var held = await HubFileLock.AcquireAsync(lockPath, _client.Options.TimeProvider, _client.Options.Download.LockTimeout, cancellationToken)
            .ConfigureAwait(false);
        var incomplete = LocalDirMetadata.IncompletePath(localDir, file.Path, file.Etag);
        var tempBase = incomplete[..^".incomplete".Length];
        var fetcher = new BlobFetcher(_client, tracker);
        await fetcher.FetchAsync(new BlobTarget(file.Path, url, file.Etag, file.Size, target, tempBase, ContentAddressed: false), cancellationToken)
            .ConfigureAwait(false);
        LocalDirMetadata.Write(localDir, file.Path, commit, file.Etag);
        tracker.FileCompleted(file.Path);
        return target;
    }

    private bool IsPresent(SnapshotRequest request, string commit, string path, string etag) =>
        request.LocalDir is { } dir
            ? IsLocalDirCurrent(dir, commit, new PlannedFile(path, 0, etag, false, false))
            : File.Exists(Cache.BlobPath(request.Repo, etag)) && File.Exists(Cache.SnapshotFilePath(request.Repo, commit, path));

    /// <summary>The local file is current when its metadata names the same etag (and the file was not touched since).</summary>
    private static bool IsLocalDirCurrent(string localDir, string commit, PlannedFile file)
    {
        var target = RepoFilePath.ResolveUnder(localDir, file.Path);
        if (!File.Exists(target)) return false;
        var metadata = LocalDirMetadata.Read(localDir, file.Path);
        return metadata is not null && (metadata.Etag == file.Etag || metadata.Commit == commit && metadata.Etag == file.Etag);
    }

    private void EnsureLinked(RepoId repo, string commit, PlannedFile file)
    {
        var pointer = Cache.SnapshotFilePath(repo, commit, file.Path);
        if (!File.Exists(pointer)) Cache.LinkIntoSnapshot(Cache.BlobPath(repo, file.Etag), pointer, useSymlinks: !_client.Options.DisableSymlinks);
    }

    // ---------------------------------------------------------------- offline

    private string FromCacheOrThrow(RepoId repo, string path, string revision, string? localDir, Exception? cause)
    {
        var why = cause is null ? "offline mode is on (HF_HUB_OFFLINE)" : $"the Hub could not be reached ({cause.Message})";
        if (localDir is not null)
        {
            var local = RepoFilePath.ResolveUnder(localDir, path);
            if (File.Exists(local)) return local;
            throw new CacheMissException($"'{path}' is not in {localDir} and {why}", cause);
        }
        var commit = Cache.ResolveCommitOffline(repo, revision)
                     ?? throw new CacheMissException($"{HubClient.Describe(repo, revision)} is not in the cache ({Cache.Root}) and {why}", cause);
        var pointer = Cache.SnapshotFilePath(repo, commit, path);
        if (File.Exists(pointer)) return pointer;
        if (Cache.IsMarkedNoExist(repo, commit, path))
            throw new EntryNotFoundException($"'{path}' does not exist in {HubClient.Describe(repo, revision)} (cached answer) and {why}") { CommitHash = commit };
        throw new CacheMissException($"'{path}' of {HubClient.Describe(repo, revision)} is not in the cache ({Cache.Root}) and {why}", cause);
    }

    private SnapshotPlan PlanFromCache(SnapshotRequest request, string revision, string why, Exception? cause)
    {
        var repo = request.Repo;
        if (request.LocalDir is { } dir)
            throw new CacheMissException($"A local-dir snapshot of {repo} in {dir} needs the Hub, and {why}", cause);
        var commit = Cache.ResolveCommitOffline(repo, revision)
                     ?? throw new CacheMissException($"{HubClient.Describe(repo, revision)} is not in the cache ({Cache.Root}) and {why}", cause);
        var folder = Cache.SnapshotFolder(repo, commit);
        if (!Directory.Exists(folder))
            throw new CacheMissException($"The cache knows {HubClient.Describe(repo, revision)} as commit {commit} but has no snapshot of it ({folder}), and {why}", cause);
        var tree = Cache.ReadTreeCache(repo, commit);
        List<PlannedFile> files;
        if (tree is not null)
        {
            files = FilePatterns.Filter(tree, kv => kv.Key, AllowList(request), request.Exclude)
                .Select(kv => new PlannedFile(kv.Key, kv.Value.Size, kv.Value.Etag, kv.Value.LfsSha256 is not null,
                    File.Exists(Cache.SnapshotFilePath(repo, commit, kv.Key))) { GitOid = kv.Value.BlobId })
                .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
            var missing = files.Where(f => !f.AlreadyPresent).Select(f => f.Path).ToList();
            if (missing.Count > 0)
                throw new CacheMissException($"The cached snapshot of {HubClient.Describe(repo, revision)} is incomplete ({missing.Count} files missing, e.g. '{missing[0]}') and {why}", cause);
        }
        else
        {
            // No listing cached (e.g. written by single-file downloads): serve what the snapshot folder has.
            files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
                .Where(p => FilePatterns.ShouldKeep(p, AllowList(request), request.Exclude))
                .Select(p => new PlannedFile(p, new FileInfo(Path.Combine(folder, p)).Length, "", false, true))
                .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        }
        return new SnapshotPlan(repo, revision, commit, files) { FromCacheOnly = true };
    }

    /// <summary>An empty include list means "everything" here (for Python an empty allow list keeps nothing).</summary>
    private static IReadOnlyList<string>? AllowList(SnapshotRequest request) => request.Include.Count > 0 ? request.Include : null;

    /// <summary>Failures after which Python falls back to the cache: no connection, timeouts, 5xx, rate limits.</summary>
    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) => !cancellationToken.IsCancellationRequested && ex switch
    {
        UnsafeRepoPathException => false, // an IOException, but a refusal of hostile input, never an outage
        HttpRequestException or IOException or HubServerException or RateLimitedException => true,
        Refit.ApiRequestException { InnerException: { } inner } => IsUnreachable(inner, cancellationToken), // Refit wraps what HttpClient.SendAsync throws
        OperationCanceledException => true,
        HubException { InnerException: Polly.Timeout.TimeoutRejectedException } => true,
        _ => false,
    };
}
