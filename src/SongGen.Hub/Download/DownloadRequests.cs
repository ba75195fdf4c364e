namespace SongGen.Hub;

/// <summary>A snapshot download: every file of a revision that the patterns keep.</summary>
public sealed record SnapshotRequest(RepoId Repo)
{
    /// <summary>Branch, tag, commit or <c>refs/pr/N</c>. Default <c>main</c>.</summary>
    public string? Revision { get; init; }
    /// <summary>Keep files matching at least one (Python fnmatch: <c>*</c> crosses <c>/</c>). Empty: all.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    /// <summary>Write plain files here instead of the cache (with <c>.cache/huggingface</c> bookkeeping), like <c>--local-dir</c>.</summary>
    public string? LocalDir { get; init; }
    /// <summary>Fetch again even if present.</summary>
    public bool Force { get; init; }
}

/// <summary>One file of a plan: what it is and whether it would move.</summary>
public sealed record PlannedFile(string Path, long Size, string Etag, bool IsLfs, bool AlreadyPresent)
{
    /// <summary>Git object id from the tree (for LFS files, that of the pointer); kept for the tree cache.</summary>
    public string GitOid { get; init; } = Etag;
}

/// <summary>What a snapshot download would do (the <c>--dry-run</c> answer) and, after the run, what it did.</summary>
public sealed record SnapshotPlan(RepoId Repo, string Revision, string Commit, IReadOnlyList<PlannedFile> Files)
{
    /// <summary>Every file of the commit, before the patterns (for <c>trees/&lt;commit&gt;.json</c>); null when planned offline.</summary>
    public IReadOnlyList<TreeCacheEntry>? Listing { get; init; }

    /// <summary>Planned from the cache alone (offline, or the Hub could not be reached): nothing will be fetched.</summary>
    public bool FromCacheOnly { get; init; }

    public long TotalBytes => Files.Sum(f => f.Size);
    public long BytesToDownload => Files.Where(f => !f.AlreadyPresent).Sum(f => f.Size);
}

public sealed record SnapshotResult(SnapshotPlan Plan, string Folder);
