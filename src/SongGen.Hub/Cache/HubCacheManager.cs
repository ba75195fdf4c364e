namespace SongGen.Hub;

/// <summary>
/// The engine of <c>songgen cache ls|verify|rm|prune</c> over a Python-compatible cache. Reading never throws for a
/// damaged cache: what Python reports as <c>CorruptedCacheException</c> comes back as <see cref="CacheWarning"/>s.
/// Deleting is two-step (plan, then <see cref="Execute"/>) so the CLI can show a dry run, and never follows a symlink:
/// a link is removed, never what it points at.
/// </summary>
public sealed class HubCacheManager(HubCacheLayout layout)
{
    public HubCacheManager(string root)
        : this(new HubCacheLayout(root))
    {
    }

    public HubCacheLayout Layout { get; } = layout ?? throw new ArgumentNullException(nameof(layout));

    // ---------------------------------------------------------------- scan

    /// <summary>Every cached repo with its revisions, refs and sizes, plus warnings for anything damaged.</summary>
    public HubCacheScan Scan()
    {
        var warnings = new List<CacheWarning>();
        var repos = ScanAll(warnings).Select(r => r.ToPublic()).ToList();
        return new HubCacheScan(Layout.Root, repos, warnings);
    }

    /// <summary>As <see cref="Scan()"/> for one repo (no repo in the result when it is not cached).</summary>
    public HubCacheScan Scan(RepoId repo)
    {
        var warnings = new List<CacheWarning>();
        var repos = new List<CachedRepo>();
        if (ScanRepo(repo, warnings) is { } scanned)
            repos.Add(scanned.ToPublic());
        return new HubCacheScan(Layout.Root, repos, warnings);
    }

    private List<RepoScan> ScanAll(List<CacheWarning> warnings)
    {
        var result = new List<RepoScan>();
        if (!Directory.Exists(Layout.Root))
            return result;
        IEnumerable<DirectoryInfo> folders;
        try
        {
            folders = new DirectoryInfo(Layout.Root).EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (IsIoError(e))
        {
            warnings.Add(new CacheWarning(CacheWarningKind.Unreadable, Layout.Root, $"Cannot list the cache folder {Layout.Root}: {e.Message}"));
            return result;
        }
        foreach (DirectoryInfo folder in folders)
        {
            // .locks and other hidden folders are not repos; files (CACHEDIR.TAG, version.txt) are skipped.
            if (folder.Name.StartsWith('.'))
                continue;
            if (TryParseRepoFolder(folder.Name) is not { } repo)
            {
                warnings.Add(new CacheWarning(CacheWarningKind.NotARepoFolder, folder.FullName,
                    $"Not a Hugging Face cache repo folder (expected models--org--name, datasets--… or spaces--…): {folder.FullName}"));
                continue;
            }
            if (ScanRepo(repo, warnings) is { } scanned)
                result.Add(scanned);
        }
        return result;
    }

    /// <summary>Parses <c>models--org--name</c>, <c>datasets--name</c>, <c>spaces--org--name</c>; null for anything else.</summary>
    public static RepoId? TryParseRepoFolder(string folderName)
    {
        ArgumentNullException.ThrowIfNull(folderName);
        int separator = folderName.IndexOf("--", StringComparison.Ordinal);
        if (separator <= 0)
            return null;
        RepoType type;
        switch (folderName[..separator])
        {
            case "models": type = RepoType.Model; break;
            case "datasets": type = RepoType.Dataset; break;
            case "spaces": type = RepoType.Space; break;
            default: return null;
        }
        string id = folderName[(separator + 2)..].Replace("--", "/", StringComparison.Ordinal);
        try
        {
            RepoId repo = RepoId.Parse(id, type);
            return repo.CacheFolderName == folderName ? repo : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private RepoScan? ScanRepo(RepoId repo, List<CacheWarning> warnings)
    {
        string folder = Layout.RepoFolder(repo);
        if (!Directory.Exists(folder))
            return null;
        try
        {
            return ScanExistingRepo(repo, folder, warnings);
        }
        catch (Exception e) when (IsIoError(e))
        {
            warnings.Add(new CacheWarning(CacheWarningKind.Unreadable, folder, $"Cannot read cached repo {folder}: {e.Message}"));
            return null;
        }
    }

    private RepoScan ScanExistingRepo(RepoId repo, string folder, List<CacheWarning> warnings)
    {
        var scan = new RepoScan(repo, folder);

        string refsFolder = Layout.RefsFolder(repo);
        if (Directory.Exists(refsFolder))
        {
            foreach (FileInfo refFile in new DirectoryInfo(refsFolder).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal))
            {
                if (IsLeftoverTemp(refFile.Name) || refFile.Name == ".DS_Store")
                    continue;
                string name = Path.GetRelativePath(refsFolder, refFile.FullName).Replace(Path.DirectorySeparatorChar, '/');
                scan.Refs[name] = File.ReadAllText(refFile.FullName).Trim();
            }
        }

        string snapshots = Layout.SnapshotsFolder(repo);
        if (Directory.Exists(snapshots))
        {
            foreach (FileSystemInfo entry in new DirectoryInfo(snapshots).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry.Name == ".DS_Store")
                    continue;
                if (entry is not DirectoryInfo revisionFolder || entry.LinkTarget is not null)
                {
                    warnings.Add(new CacheWarning(CacheWarningKind.FileInSnapshotsFolder, entry.FullName,
                        $"Snapshots folder corrupted: found a file where only commit folders belong: {entry.FullName}"));
                    continue;
                }
                var revision = new RevisionScan(revisionFolder.Name, revisionFolder.FullName, revisionFolder.LastWriteTimeUtc);
                foreach (SnapshotEntry file in WalkSnapshot(revisionFolder))
                {
                    if (file.IsSymlink && !file.TargetIsFile)
                    {
                        string problem = Directory.Exists(file.TargetPath) ? "Symlink to a folder, not a blob" : "Broken symlink";
                        warnings.Add(new CacheWarning(CacheWarningKind.BrokenSymlink, file.PointerPath, $"{problem}: {file.PointerPath} -> {file.TargetPath}"));
                        continue;
                    }
                    revision.Files.Add(file);
                }
                scan.Revisions.Add(revision);
            }
        }
        else
        {
            warnings.Add(new CacheWarning(CacheWarningKind.MissingSnapshotsFolder, snapshots, $"No snapshots folder in cached repo: {snapshots}"));
        }

        var commits = scan.Revisions.Select(r => r.Commit).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, commit) in scan.Refs)
        {
            if (!commits.Contains(commit))
            {
                warnings.Add(new CacheWarning(CacheWarningKind.DanglingRef, Path.Combine(refsFolder, name),
                    $"Ref '{name}' of {repo} points at commit '{commit}', which has no snapshot folder."));
            }
        }

        string blobs = Layout.BlobsFolder(repo);
        if (Directory.Exists(blobs))
        {
            foreach (FileSystemInfo entry in new DirectoryInfo(blobs).EnumerateFileSystemInfos())
            {
                if (entry is not FileInfo blob || entry.LinkTarget is not null)
                    continue;
                if (IsIncompleteName(blob.Name))
                    scan.Incomplete.Add(new IncompleteDownload(blob.FullName, EtagOfIncomplete(blob.Name), blob.Length, blob.LastWriteTimeUtc));
                else
                    scan.Blobs.Add(blob);
            }
        }
        return scan;
    }

    /// <summary>All entries of a snapshot, depth first, without following symlinked folders.</summary>
    private static IEnumerable<SnapshotEntry> WalkSnapshot(DirectoryInfo revisionFolder)
    {
        var pending = new Stack<DirectoryInfo>();
        pending.Push(revisionFolder);
        var found = new List<SnapshotEntry>();
        while (pending.Count > 0)
        {
            DirectoryInfo folder = pending.Pop();
            foreach (FileSystemInfo entry in folder.EnumerateFileSystemInfos())
            {
                string repoPath = Path.GetRelativePath(revisionFolder.FullName, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null)
                {
                    FileSystemInfo? target = ResolveLink(entry);
                    found.Add(new SnapshotEntry(repoPath, entry.FullName, IsSymlink: true,
                        target?.FullName ?? Path.GetFullPath(entry.LinkTarget, folder.FullName),
                        target is FileInfo { Exists: true }));
                }
                else if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                }
                else
                {
                    found.Add(new SnapshotEntry(repoPath, entry.FullName, IsSymlink: false, entry.FullName, TargetIsFile: true));
                }
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.RepoPath, b.RepoPath));
        return found;
    }

    private static FileSystemInfo? ResolveLink(FileSystemInfo link)
    {
        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException)
        {
            return null; // a link cycle or too many levels
        }
    }

    // ---------------------------------------------------------------- verify

    /// <summary>
    /// Re-hashes the content behind every file of <paramref name="revision"/> (a ref, a commit or a unique commit
    /// prefix; null = every cached revision) and compares it with its blob name, which is its etag: SHA-256 for 64 hex,
    /// git blob SHA-1 for 40 hex. Copies (no symlinks) are checked against the cached tree listing when there is one.
    /// A blob shared by several files or revisions is hashed once.
    /// </summary>
    /// <param name="progress">Receives the byte count of each hashed chunk.</param>
    public async Task<CacheVerifyResult> VerifyAsync(RepoId repo, string? revision, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var warnings = new List<string>();
        var scanWarnings = new List<CacheWarning>();
        RepoScan? scan = ScanRepo(repo, scanWarnings);
        if (scan is null)
        {
            warnings.Add($"{repo} is not in the cache {Layout.Root}.");
            warnings.AddRange(scanWarnings.Select(w => w.Message));
            return new CacheVerifyResult(repo, [], [], 0, warnings);
        }

        List<RevisionScan> revisions;
        if (revision is null)
        {
            revisions = scan.Revisions;
        }
        else if (ResolveRevision(scan, revision, warnings) is { } commit && scan.Revisions.Find(r => r.Commit == commit) is { } found)
        {
            revisions = [found];
        }
        else
        {
            revisions = [];
        }

        string blobsFolder = Layout.BlobsFolder(repo);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal); // content file + algorithm → digest
        var results = new List<FileVerifyResult>();
        long hashed = 0;
        var counting = new CountingProgress(progress, bytes => hashed += bytes);
        foreach (RevisionScan rev in revisions)
        {
            IReadOnlyDictionary<string, TreeCacheEntry>? tree = null;
            bool treeLoaded = false;
            // Broken links were dropped from the scan's file list; verify walks the snapshot again to report them.
            foreach (SnapshotEntry entry in WalkSnapshot(new DirectoryInfo(rev.Folder)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (entry.IsSymlink && !entry.TargetIsFile)
                {
                    bool inBlobs = string.Equals(Path.GetDirectoryName(entry.TargetPath), blobsFolder, RepoFilePath.PathComparison);
                    results.Add(inBlobs
                        ? new FileVerifyResult(rev.Commit, entry.RepoPath, entry.PointerPath, FileVerifyStatus.MissingBlob,
                            Expected: Path.GetFileName(entry.TargetPath), Detail: $"blob {entry.TargetPath} is missing")
                        : new FileVerifyResult(rev.Commit, entry.RepoPath, entry.PointerPath, FileVerifyStatus.BrokenLink,
                            Detail: $"symlink target {entry.TargetPath} does not exist or is not a file"));
                    continue;
                }

                string blobName = Path.GetFileName(entry.TargetPath);
                string? expected = entry.IsSymlink && IsEtagName(blobName) ? blobName : null;
                if (expected is null)
                {
                    if (!treeLoaded)
                    {
                        tree = Layout.ReadTreeCache(repo, rev.Commit);
                        treeLoaded = true;
                    }
                    if (tree is not null && tree.TryGetValue(entry.RepoPath, out TreeCacheEntry? listed) && IsEtagName(listed.Etag))
                        expected = listed.Etag.ToLowerInvariant();
                }
                if (expected is null)
                {
                    string why = entry.IsSymlink
                        ? $"blob name '{blobName}' is neither a SHA-256 nor a git SHA-1"
                        : "a copy, not a link to a blob, and no cached tree listing names its hash";
                    results.Add(new FileVerifyResult(rev.Commit, entry.RepoPath, entry.PointerPath, FileVerifyStatus.Unverifiable, Detail: why));
                    continue;
                }

                string key = (ContentHasher.IsSha256Etag(expected) ? "sha256:" : "git:") + entry.TargetPath;
                if (!hashes.TryGetValue(key, out string? actual))
                {
                    try
                    {
                        actual = await ContentHasher.HashFileAsync(entry.TargetPath, expected, counting, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsIoError(e))
                    {
                        results.Add(new FileVerifyResult(rev.Commit, entry.RepoPath, entry.PointerPath, FileVerifyStatus.MissingBlob,
                            Expected: expected, Detail: $"cannot read {entry.TargetPath}: {e.Message}"));
                        continue;
                    }
                    hashes[key] = actual;
                }
                bool ok = string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
                results.Add(new FileVerifyResult(rev.Commit, entry.RepoPath, entry.PointerPath,
                    ok ? FileVerifyStatus.Ok : FileVerifyStatus.HashMismatch, expected, actual,
                    ok ? null : $"content of {entry.TargetPath} hashes to {actual}, expected {expected}"));
            }
        }
        return new CacheVerifyResult(repo, revisions.Select(r => r.Commit).ToList(), results, hashed, warnings);
    }

    private static bool IsEtagName(string name) => ContentHasher.IsSha256Etag(name) || ContentHasher.IsGitSha1(name);

    /// <summary>Forwards chunk sizes synchronously (the BCL <c>Progress&lt;T&gt;</c> posts to a context, out of order).</summary>
    private sealed class CountingProgress(IProgress<long>? inner, Action<long> count) : IProgress<long>
    {
        public void Report(long value)
        {
            count(value);
            inner?.Report(value);
        }
    }

    // ---------------------------------------------------------------- plans

    /// <summary>
    /// Plans <c>rm</c>: without a revision the whole repo folder and its <c>.locks</c> folder; with one, its snapshot,
    /// bookkeeping, the refs naming it and the blobs no other snapshot uses. Removing every revision removes the repo
    /// (as Python's <c>delete_revisions</c>). A revision that is not cached becomes a plan warning.
    /// </summary>
    public CacheDeletePlan PlanRemove(RepoId repo, string? revision) =>
        revision is null ? PlanRemove(repo, Array.Empty<string>()) : PlanRemove(repo, [revision]);

    /// <summary>As <see cref="PlanRemove(RepoId, string?)"/> for several revisions at once (an empty list = the whole repo).</summary>
    public CacheDeletePlan PlanRemove(RepoId repo, IReadOnlyCollection<string> revisions)
    {
        ArgumentNullException.ThrowIfNull(revisions);
        var warnings = new List<string>();
        var scanWarnings = new List<CacheWarning>();
        RepoScan? scan = ScanRepo(repo, scanWarnings);
        if (scan is null)
        {
            warnings.Add($"{repo} is not in the cache {Layout.Root}.");
            warnings.AddRange(scanWarnings.Select(w => w.Message));
            return new CacheDeletePlan([], warnings);
        }
        if (revisions.Count == 0)
            return new CacheDeletePlan(WholeRepoDeletions(scan), warnings);

        var commits = new HashSet<string>(StringComparer.Ordinal);
        var deletions = new List<CacheDeletion>();
        foreach (string revision in revisions)
        {
            if (ResolveRevision(scan, revision, warnings) is not { } commit)
                continue;
            if (scan.Revisions.Exists(r => r.Commit == commit))
            {
                commits.Add(commit);
            }
            else
            {
                // The ref names a commit that was never (fully) downloaded: dropping the ref is all there is to do.
                foreach (var (name, target) in scan.Refs)
                {
                    if (target == commit)
                        deletions.Add(Deletion(CacheDeletionKind.Ref, repo, Layout.RefPath(repo, name)));
                }
            }
        }
        if (commits.Count > 0 && commits.Count == scan.Revisions.Count)
            return new CacheDeletePlan(WholeRepoDeletions(scan), warnings);

        deletions.AddRange(RevisionDeletions(scan, commits, pruneUnreferencedBlobs: false));
        return new CacheDeletePlan(Distinct(deletions), warnings);
    }

    /// <summary>
    /// Plans <c>prune</c> over the whole cache: detached revisions (no ref names them), blobs no remaining snapshot
    /// links to, and partial downloads. Blobs and partial downloads whose <c>.locks</c> file is held right now (a
    /// download in progress, here or in Python) are left alone.
    /// </summary>
    public CacheDeletePlan PlanPrune()
    {
        var warnings = new List<string>();
        var deletions = new List<CacheDeletion>();
        foreach (RepoScan scan in ScanAll([]))
        {
            var referenced = scan.Refs.Values.ToHashSet(StringComparer.Ordinal);
            var detached = scan.Revisions.Where(r => !referenced.Contains(r.Commit)).Select(r => r.Commit).ToHashSet(StringComparer.Ordinal);
            deletions.AddRange(RevisionDeletions(scan, detached, pruneUnreferencedBlobs: true));
            foreach (IncompleteDownload partial in scan.Incomplete)
            {
                if (HubFileLock.IsHeld(Layout.LockPath(scan.Repo, partial.Etag)))
                    warnings.Add($"Skipping {partial.Path}: a download of {partial.Etag} is running.");
                else
                    deletions.Add(new CacheDeletion(CacheDeletionKind.IncompleteDownload, scan.Repo, partial.Path, partial.Size, partial.Etag));
            }
        }
        return new CacheDeletePlan(Distinct(deletions), warnings);
    }

    private List<CacheDeletion> WholeRepoDeletions(RepoScan scan)
    {
        var deletions = new List<CacheDeletion> { Deletion(CacheDeletionKind.Repo, scan.Repo, scan.Folder) };
        string locks = Layout.LocksFolder(scan.Repo);
        if (Directory.Exists(locks))
            deletions.Add(Deletion(CacheDeletionKind.Locks, scan.Repo, locks));
        return deletions;
    }

    /// <summary>Snapshots, bookkeeping and refs of <paramref name="commits"/>, and the blobs left without a referrer.</summary>
    private List<CacheDeletion> RevisionDeletions(RepoScan scan, HashSet<string> commits, bool pruneUnreferencedBlobs)
    {
        var deletions = new List<CacheDeletion>();
        RepoId repo = scan.Repo;
        foreach (RevisionScan revision in scan.Revisions.Where(r => commits.Contains(r.Commit)))
        {
            deletions.Add(Deletion(CacheDeletionKind.Snapshot, repo, revision.Folder));
            foreach (string metadata in new[] { Path.Combine(scan.Folder, ".no_exist", revision.Commit), Layout.TreeCachePath(repo, revision.Commit) })
            {
                if (File.Exists(metadata) || Directory.Exists(metadata))
                    deletions.Add(Deletion(CacheDeletionKind.RevisionMetadata, repo, metadata));
            }
            foreach (var (name, target) in scan.Refs)
            {
                if (target == revision.Commit)
                    deletions.Add(Deletion(CacheDeletionKind.Ref, repo, Layout.RefPath(repo, name)));
            }
        }

        var stillUsed = new HashSet<string>(RepoFilePath.PathComparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        foreach (RevisionScan revision in scan.Revisions.Where(r => !commits.Contains(r.Commit)))
        {
            foreach (SnapshotEntry file in revision.Files)
                stillUsed.Add(file.TargetPath);
        }
        var candidates = pruneUnreferencedBlobs
            ? scan.Blobs.Select(b => b.FullName)
            : scan.Revisions.Where(r => commits.Contains(r.Commit)).SelectMany(r => r.Files).Where(f => f.IsSymlink).Select(f => f.TargetPath);
        string blobsFolder = Layout.BlobsFolder(repo);
        foreach (string blob in candidates.Distinct())
        {
            // Only blobs of this repo's blobs/ folder: a link may point anywhere, deletion must not.
            if (stillUsed.Contains(blob) || !string.Equals(Path.GetDirectoryName(blob), blobsFolder, RepoFilePath.PathComparison))
                continue;
            string etag = Path.GetFileName(blob);
            // A blob that is downloaded but not yet linked is unreferenced for a moment; its lock is held meanwhile.
            if (pruneUnreferencedBlobs && HubFileLock.IsHeld(Layout.LockPath(repo, etag)))
                continue;
            deletions.Add(Deletion(CacheDeletionKind.Blob, repo, blob, etag));
        }
        return deletions;
    }

    /// <summary>The commit <paramref name="revision"/> names: a snapshot folder, a ref, or a unique commit prefix (≥ 4 hex).</summary>
    private string? ResolveRevision(RepoScan scan, string revision, List<string> warnings)
    {
        if (scan.Revisions.Exists(r => r.Commit == revision))
            return revision;
        if (scan.Refs.TryGetValue(revision, out string? commit))
            return commit;
        if (revision.Length >= 4 && revision.All(char.IsAsciiHexDigit))
        {
            var matches = scan.Revisions.Where(r => r.Commit.StartsWith(revision, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1)
                return matches[0].Commit;
            if (matches.Count > 1)
            {
                warnings.Add($"Revision '{revision}' of {scan.Repo} is ambiguous: {string.Join(", ", matches.Select(m => m.Commit))}.");
                return null;
            }
        }
        warnings.Add($"Revision '{revision}' of {scan.Repo} is not in the cache.");
        return null;
    }

    private CacheDeletion Deletion(CacheDeletionKind kind, RepoId repo, string path, string? etag = null) =>
        new(kind, repo, path, PhysicalSize(path), etag);

    private static List<CacheDeletion> Distinct(List<CacheDeletion> deletions) =>
        deletions.DistinctBy(d => d.Path).OrderBy(d => d.Kind).ThenBy(d => d.Path, StringComparer.Ordinal).ToList();

    /// <summary>Bytes of the regular files at or under <paramref name="path"/>; symlinks count nothing and are not followed.</summary>
    private static long PhysicalSize(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
                return 0;
            if (info.Exists)
                return info.Length;
            var folder = new DirectoryInfo(path);
            if (!folder.Exists)
                return 0;
            long total = 0;
            foreach (FileSystemInfo entry in folder.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is null)
                    total += entry is FileInfo file ? file.Length : PhysicalSize(entry.FullName);
            }
            return total;
        }
        catch (Exception e) when (IsIoError(e))
        {
            return 0;
        }
    }

    // ---------------------------------------------------------------- execute

    /// <summary>
    /// Applies a plan: snapshots and refs before blobs (so readers see a missing revision, not broken links). Every path
    /// must lie inside the cache root and not below a symlinked folder; symlinks are removed, never followed (a repo
    /// folder that is a link to another disk loses the link, not the data). Blobs and partial downloads whose lock is
    /// held are skipped. Failures are collected, not thrown.
    /// </summary>
    public CacheDeleteResult Execute(CacheDeletePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        int deleted = 0;
        long freed = 0;
        var skipped = new List<CacheDeletion>();
        var failures = new List<CacheDeleteFailure>();
        foreach (CacheDeletion deletion in plan.Deletions.OrderBy(d => d.Kind))
        {
            string path = Path.GetFullPath(deletion.Path);
            if (!RepoFilePath.IsStrictlyUnder(Layout.Root, path))
            {
                failures.Add(new CacheDeleteFailure(deletion.Path, $"refusing to delete a path outside the cache {Layout.Root}"));
                continue;
            }
            if (LinkedAncestor(path) is { } link)
            {
                failures.Add(new CacheDeleteFailure(deletion.Path, $"refusing to delete through the symlink {link}"));
                continue;
            }
            HubFileLock? guard = null;
            try
            {
                if (deletion is { Kind: CacheDeletionKind.Blob or CacheDeletionKind.IncompleteDownload, Etag: { } etag })
                {
                    string lockPath = Layout.LockPath(deletion.Repo, etag);
                    if (File.Exists(lockPath))
                    {
                        guard = HubFileLock.TryAcquire(lockPath);
                        if (guard is null)
                        {
                            skipped.Add(deletion);
                            continue;
                        }
                    }
                }
                if (!Exists(path))
                {
                    failures.Add(new CacheDeleteFailure(deletion.Path, "already gone"));
                    continue;
                }
                DeleteWithoutFollowingLinks(path);
                if (deletion.Kind == CacheDeletionKind.Ref)
                    RemoveEmptyParents(path, Layout.RefsFolder(deletion.Repo));
                deleted++;
                freed += deletion.Bytes;
            }
            catch (Exception e) when (IsIoError(e))
            {
                failures.Add(new CacheDeleteFailure(deletion.Path, e.Message));
            }
            finally
            {
                guard?.Dispose();
            }
        }
        return new CacheDeleteResult(deleted, freed, skipped, failures);
    }

    /// <summary>The first folder between the cache root and <paramref name="path"/> that is a symlink (a path through it leaves the cache).</summary>
    private string? LinkedAncestor(string path)
    {
        for (string? folder = Path.GetDirectoryName(path);
             folder is not null && RepoFilePath.IsStrictlyUnder(Layout.Root, folder);
             folder = Path.GetDirectoryName(folder))
        {
            if (new DirectoryInfo(folder).LinkTarget is not null)
                return folder;
        }
        return null;
    }

    private static bool Exists(string path)
    {
        var info = new FileInfo(path); // lstat: true for a broken link too
        return info.Exists || info.LinkTarget is not null || Directory.Exists(path);
    }

    internal static void DeleteWithoutFollowingLinks(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || info.Exists)
        {
            DeleteEntry(info);
            return;
        }
        var folder = new DirectoryInfo(path);
        foreach (FileSystemInfo entry in folder.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo child && entry.LinkTarget is null)
                DeleteWithoutFollowingLinks(child.FullName);
            else
                DeleteEntry(entry);
        }
        folder.Delete(recursive: false);
    }

    private static void DeleteEntry(FileSystemInfo entry)
    {
        if (entry.Attributes.HasFlag(FileAttributes.ReadOnly) && entry.LinkTarget is null)
            entry.Attributes &= ~FileAttributes.ReadOnly; // Windows refuses to delete read-only files
        // A link to a folder is a directory entry on Windows; on Unix unlink removes any link.
        if (entry is DirectoryInfo link && OperatingSystem.IsWindows())
            link.Delete(recursive: false);
        else
            File.Delete(entry.FullName);
    }

    private static void RemoveEmptyParents(string deletedPath, string stopAt)
    {
        string stop = Path.GetFullPath(stopAt);
        for (string? folder = Path.GetDirectoryName(deletedPath);
             folder is not null && RepoFilePath.IsStrictlyUnder(stop, folder) && !Directory.EnumerateFileSystemEntries(folder).Any();
             folder = Path.GetDirectoryName(folder))
        {
            Directory.Delete(folder);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static bool IsIoError(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>Partial downloads: <c>&lt;etag&gt;.incomplete</c>, <c>&lt;etag&gt;.&lt;8 hex&gt;.incomplete</c> and sidecars <c>&lt;etag&gt;.incomplete.*</c>.</summary>
    internal static bool IsIncompleteName(string name) =>
        name.EndsWith(".incomplete", StringComparison.Ordinal) || name.Contains(".incomplete.", StringComparison.Ordinal);

    private static string EtagOfIncomplete(string name) => name[..name.IndexOf('.', StringComparison.Ordinal)];

    /// <summary>Our and Python's atomic-write temp names: <c>&lt;name&gt;.&lt;8 hex&gt;.tmp</c>.</summary>
    private static bool IsLeftoverTemp(string name) =>
        name.Length > 13 && name.EndsWith(".tmp", StringComparison.Ordinal) && name[^13] == '.'
        && !name.AsSpan(name.Length - 12, 8).ContainsAnyExcept("0123456789abcdef");

    private sealed record SnapshotEntry(string RepoPath, string PointerPath, bool IsSymlink, string TargetPath, bool TargetIsFile);

    private sealed class RevisionScan(string commit, string folder, DateTime folderModified)
    {
        public string Commit { get; } = commit;
        public string Folder { get; } = folder;
        public DateTime FolderModified { get; } = folderModified;
        public List<SnapshotEntry> Files { get; } = [];
    }

    private sealed class RepoScan(RepoId repo, string folder)
    {
        public RepoId Repo { get; } = repo;
        public string Folder { get; } = folder;
        public SortedDictionary<string, string> Refs { get; } = new(StringComparer.Ordinal);
        public List<RevisionScan> Revisions { get; } = [];
        public List<FileInfo> Blobs { get; } = [];
        public List<IncompleteDownload> Incomplete { get; } = [];

        public CachedRepo ToPublic()
        {
            var content = new Dictionary<string, FileInfo>(StringComparer.Ordinal); // each physical file once
            FileInfo Content(string path)
            {
                if (!content.TryGetValue(path, out FileInfo? info))
                    content[path] = info = new FileInfo(path);
                return info;
            }

            var revisions = new List<CachedRevision>();
            foreach (RevisionScan revision in Revisions)
            {
                var files = revision.Files.Select(f =>
                {
                    FileInfo blob = Content(f.TargetPath);
                    return new CachedFile(f.RepoPath, f.PointerPath, f.TargetPath, blob.Length, f.IsSymlink,
                        blob.LastWriteTimeUtc, blob.LastAccessTimeUtc);
                }).ToList();
                var refs = Refs.Where(r => r.Value == revision.Commit).Select(r => r.Key).ToList();
                long size = files.DistinctBy(f => f.BlobPath).Sum(f => f.Size);
                DateTimeOffset modified = files.Count > 0 ? files.Max(f => f.LastModified) : revision.FolderModified;
                revisions.Add(new CachedRevision(revision.Commit, revision.Folder, refs, files, size, modified));
            }

            int referencedCount = content.Count;
            DateTimeOffset lastModified, lastAccessed;
            if (referencedCount > 0)
            {
                lastModified = content.Values.Max(f => f.LastWriteTimeUtc);
                lastAccessed = content.Values.Max(f => f.LastAccessTimeUtc);
            }
            else
            {
                var folderInfo = new DirectoryInfo(Folder);
                lastModified = folderInfo.LastWriteTimeUtc;
                lastAccessed = folderInfo.LastAccessTimeUtc;
            }

            long unreferenced = Blobs.Where(b => !content.ContainsKey(b.FullName)).Sum(b => b.Length);
            long referenced = content.Values.Sum(f => f.Length);
            return new CachedRepo(Repo, Folder, referenced + unreferenced, referencedCount, lastModified, lastAccessed,
                new SortedDictionary<string, string>(Refs, StringComparer.Ordinal), revisions, unreferenced, Incomplete.ToList());
        }
    }
}
