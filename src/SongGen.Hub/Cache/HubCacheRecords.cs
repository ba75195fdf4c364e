namespace SongGen.Hub;

/// <summary>What kind of damage or oddity a cache scan found (Python raises <c>CorruptedCacheException</c> for these).</summary>
public enum CacheWarningKind
{
    /// <summary>A folder in the cache root whose name is not <c>models--…</c>/<c>datasets--…</c>/<c>spaces--…</c>.</summary>
    NotARepoFolder,

    /// <summary>A repo folder without <c>snapshots/</c> (e.g. a first download still running or one that failed).</summary>
    MissingSnapshotsFolder,

    /// <summary>A file directly under <c>snapshots/</c>, where only commit folders belong.</summary>
    FileInSnapshotsFolder,

    /// <summary>A snapshot entry whose symlink target does not exist.</summary>
    BrokenSymlink,

    /// <summary>A ref naming a commit that has no <c>snapshots/&lt;commit&gt;</c> folder.</summary>
    DanglingRef,

    /// <summary>Something could not be read (permissions, I/O error).</summary>
    Unreadable,
}

public sealed record CacheWarning(CacheWarningKind Kind, string Path, string Message)
{
    public override string ToString() => Message;
}

/// <summary>One file of a cached revision.</summary>
/// <param name="RepoPath">Path in the repo, with '/' separators.</param>
/// <param name="PointerPath">The snapshot entry (symlink or copy).</param>
/// <param name="BlobPath">The file holding the content: the resolved symlink target, or the pointer itself for a copy.</param>
/// <param name="Size">Content size in bytes.</param>
/// <param name="IsSymlink">False for copies (symlinks disabled or unsupported).</param>
public sealed record CachedFile(
    string RepoPath,
    string PointerPath,
    string BlobPath,
    long Size,
    bool IsSymlink,
    DateTimeOffset LastModified,
    DateTimeOffset LastAccessed);

/// <summary>A cached commit: <c>snapshots/&lt;commit&gt;</c>.</summary>
/// <param name="Refs">The refs that name this commit (<c>main</c>, <c>refs/pr/1</c>), sorted.</param>
/// <param name="SizeOnDisk">Bytes of the distinct files this revision's entries resolve to.</param>
public sealed record CachedRevision(
    string Commit,
    string SnapshotFolder,
    IReadOnlyList<string> Refs,
    IReadOnlyList<CachedFile> Files,
    long SizeOnDisk,
    DateTimeOffset LastModified)
{
    /// <summary>No ref names this commit: <c>hf cache prune</c> removes it.</summary>
    public bool IsDetached => Refs.Count == 0;
}

/// <summary>A partial download left in <c>blobs/</c> (<c>&lt;etag&gt;.incomplete</c>, <c>&lt;etag&gt;.&lt;8 hex&gt;.incomplete</c>, or a sidecar <c>…incomplete.*</c>).</summary>
public sealed record IncompleteDownload(string Path, string Etag, long Size, DateTimeOffset LastModified);

/// <summary>A cached repository (<c>models--org--name</c>).</summary>
/// <param name="SizeOnDisk">
/// Bytes on disk, each physical file once: every blob in <c>blobs/</c> (referenced or not) plus the files snapshot
/// entries resolve to elsewhere (copies). Symlinks count nothing; partial downloads are in <see cref="IncompleteBytes"/>.
/// </param>
/// <param name="FileCount">Distinct files the snapshots resolve to (Python's <c>nb_files</c>).</param>
/// <param name="LastModified">Latest mtime of those files (the repo folder's when there are none).</param>
/// <param name="LastAccessed">Latest atime of those files (the repo folder's when there are none).</param>
/// <param name="Refs">Ref name → commit, as stored in <c>refs/</c>.</param>
/// <param name="UnreferencedBlobBytes">Bytes of blobs no snapshot points at (<c>prune</c> reclaims them).</param>
public sealed record CachedRepo(
    RepoId Repo,
    string Folder,
    long SizeOnDisk,
    int FileCount,
    DateTimeOffset LastModified,
    DateTimeOffset LastAccessed,
    IReadOnlyDictionary<string, string> Refs,
    IReadOnlyList<CachedRevision> Revisions,
    long UnreferencedBlobBytes,
    IReadOnlyList<IncompleteDownload> IncompleteDownloads)
{
    public long IncompleteBytes => IncompleteDownloads.Sum(i => i.Size);
}

/// <summary>The result of <see cref="HubCacheManager.Scan()"/>: what is cached and what looked wrong. Never throws for damage.</summary>
public sealed record HubCacheScan(string Root, IReadOnlyList<CachedRepo> Repos, IReadOnlyList<CacheWarning> Warnings)
{
    public long SizeOnDisk => Repos.Sum(r => r.SizeOnDisk);
}

public enum FileVerifyStatus
{
    /// <summary>The content hashes to the name of its blob.</summary>
    Ok,

    /// <summary>The content does not hash to the expected etag: corrupted or truncated.</summary>
    HashMismatch,

    /// <summary>The snapshot links to <c>blobs/&lt;etag&gt;</c>, which is gone.</summary>
    MissingBlob,

    /// <summary>The snapshot entry is a symlink to something missing outside <c>blobs/</c>.</summary>
    BrokenLink,

    /// <summary>No expected hash is known (blob name neither 64- nor 40-hex, or a copy without a cached tree listing).</summary>
    Unverifiable,
}

public sealed record FileVerifyResult(
    string Commit,
    string RepoPath,
    string PointerPath,
    FileVerifyStatus Status,
    string? Expected = null,
    string? Actual = null,
    string? Detail = null);

/// <summary>The result of <see cref="HubCacheManager.VerifyAsync"/>.</summary>
/// <param name="Commits">The revisions checked.</param>
/// <param name="Warnings">Why nothing (or less than asked) was checked: repo or revision not cached.</param>
public sealed record CacheVerifyResult(
    RepoId Repo,
    IReadOnlyList<string> Commits,
    IReadOnlyList<FileVerifyResult> Files,
    long BytesHashed,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Files that are damaged: mismatching, missing or broken (unverifiable ones are not failures).</summary>
    public IEnumerable<FileVerifyResult> Failures => Files.Where(f => f.Status is not (FileVerifyStatus.Ok or FileVerifyStatus.Unverifiable));

    public bool HasFailures => Failures.Any();
}

public enum CacheDeletionKind
{
    /// <summary>A whole <c>models--org--name</c> folder.</summary>
    Repo,

    /// <summary>The repo's <c>.locks/models--org--name</c> folder.</summary>
    Locks,

    /// <summary>A <c>snapshots/&lt;commit&gt;</c> folder.</summary>
    Snapshot,

    /// <summary>Bookkeeping of a removed commit: <c>.no_exist/&lt;commit&gt;</c>, <c>trees/&lt;commit&gt;.json</c>.</summary>
    RevisionMetadata,

    /// <summary>A <c>refs/…</c> file.</summary>
    Ref,

    /// <summary>A <c>blobs/&lt;etag&gt;</c> file.</summary>
    Blob,

    /// <summary>A partial download in <c>blobs/</c>.</summary>
    IncompleteDownload,
}

/// <param name="Bytes">Bytes of regular files this deletion frees (symlinks count nothing).</param>
/// <param name="Etag">For blobs and partial downloads: the etag whose lock guards them.</param>
public sealed record CacheDeletion(CacheDeletionKind Kind, RepoId Repo, string Path, long Bytes, string? Etag = null);

/// <summary>What <c>rm</c>/<c>prune</c> would delete; nothing is touched until <see cref="HubCacheManager.Execute"/>.</summary>
public sealed record CacheDeletePlan(IReadOnlyList<CacheDeletion> Deletions, IReadOnlyList<string> Warnings)
{
    public long BytesFreed => Deletions.Sum(d => d.Bytes);

    public bool IsEmpty => Deletions.Count == 0;
}

public sealed record CacheDeleteFailure(string Path, string Message);

/// <param name="Skipped">Deletions not done because a download holds the etag's lock right now.</param>
public sealed record CacheDeleteResult(
    int Deleted,
    long BytesFreed,
    IReadOnlyList<CacheDeletion> Skipped,
    IReadOnlyList<CacheDeleteFailure> Failures);
