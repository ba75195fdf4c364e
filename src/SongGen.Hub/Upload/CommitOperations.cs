namespace SongGen.Hub;

/// <summary>One change in a commit: add or replace a file, or delete a file or folder.</summary>
public abstract record CommitOperation
{
    private protected CommitOperation(string pathInRepo) => PathInRepo = RepoFilePath.Validate(pathInRepo.TrimEnd('/'));

    /// <summary>Path in the repository, '/' separated.</summary>
    public string PathInRepo { get; }
}

/// <summary>Adds or replaces a file, from a local file or from bytes in memory.</summary>
public sealed record CommitAdd : CommitOperation
{
    private readonly byte[]? _content;

    private CommitAdd(string pathInRepo, string? localPath, byte[]? content) : base(pathInRepo)
    {
        LocalPath = localPath;
        _content = content;
    }

    /// <summary>The local file, or null for content given in memory.</summary>
    public string? LocalPath { get; }

    public static CommitAdd FromFile(string pathInRepo, string localPath)
    {
        var full = Path.GetFullPath(localPath);
        if (!File.Exists(full)) throw new FileNotFoundException($"{full}: no such file to upload", full);
        return new CommitAdd(pathInRepo, full, null);
    }

    public static CommitAdd FromBytes(string pathInRepo, byte[] content) => new(pathInRepo, null, content.ToArray());

    /// <summary>Opens the content for reading from the start (a fresh stream each call: retries read it again).</summary>
    internal Stream Open() => _content is not null
        ? new MemoryStream(_content, writable: false)
        : new FileStream(LocalPath!, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan, BufferSize = 0,
        });

    internal long CurrentSize => _content?.LongLength ?? new FileInfo(LocalPath!).Length;

    internal string Describe() => LocalPath ?? $"<{_content!.Length} bytes in memory>";
}

/// <summary>Deletes a file, or with <see cref="IsFolder"/> everything under a folder.</summary>
public sealed record CommitDelete : CommitOperation
{
    public CommitDelete(string pathInRepo, bool isFolder = false) : base(pathInRepo) => IsFolder = isFolder;

    public bool IsFolder { get; }
}

/// <summary>A commit to make: what changes, where, and how it is described.</summary>
public sealed record CommitRequest(RepoId Repo, IReadOnlyList<CommitOperation> Operations)
{
    /// <summary>Title of the commit. Split commits add " (part N)".</summary>
    public string Message { get; init; } = "Upload with songgen";

    public string Description { get; init; } = "";

    /// <summary>Branch to commit to (or <c>refs/pr/N</c>). Default <c>main</c>.</summary>
    public string? Revision { get; init; }

    /// <summary>Open a pull request against <see cref="Revision"/> instead of committing to it.</summary>
    public bool CreatePullRequest { get; init; }

    /// <summary>
    /// The commit this change is based on. The Hub refuses the commit (412) when the branch moved since, so nothing made
    /// meanwhile is overwritten. Null: the branch head read when the upload starts (see <see cref="PinParent"/>).
    /// </summary>
    public string? ParentCommit { get; init; }

    /// <summary>Base the commit on the head read at the start when <see cref="ParentCommit"/> is null. Default true.</summary>
    public bool PinParent { get; init; } = true;
}

/// <summary>What a commit did.</summary>
public sealed record CommitResult
{
    /// <summary>The branch head after the upload: the last commit made, or the unchanged head when nothing was to do.</summary>
    public string? CommitOid { get; init; }

    /// <summary>Every commit made, in order (more than one when the change was split).</summary>
    public IReadOnlyList<string> Commits { get; init; } = [];

    /// <summary>Every file was already on the Hub as it is here: no commit was made.</summary>
    public bool NothingToCommit => Commits.Count == 0;

    public Uri? CommitUrl { get; init; }
    public Uri? PullRequestUrl { get; init; }
    /// <summary><c>refs/pr/N</c> when a pull request was opened.</summary>
    public string? PullRequestRevision { get; init; }

    public int FilesAdded { get; init; }
    public int FilesUnchanged { get; init; }
    public int FilesIgnored { get; init; }
    public int FilesDeleted { get; init; }
    /// <summary>LFS objects actually sent (those the Hub already held are not).</summary>
    public int LfsObjectsSent { get; init; }
    public long LfsBytesSent { get; init; }
}
