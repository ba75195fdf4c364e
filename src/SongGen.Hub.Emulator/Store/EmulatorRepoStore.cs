using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator;

/// <summary>
/// The emulator's repositories, persisted under a root folder:
/// <c>{root}/repos/{models|datasets|spaces}/{namespace}/{name}/repo.json</c> (refs, commits, file maps, metadata) and
/// <c>{root}/objects/{aa}/{sha256}</c> (content-addressed bytes). Only one store should use a root at a time.
/// Thread-safe. Repo types are "model", "dataset" or "space" (plural spellings are accepted too).
/// </summary>
public sealed partial class EmulatorRepoStore
{
    public const long DefaultLfsThreshold = 10L * 1024 * 1024;
    private const int MaxCardBytes = 1 << 20;

    private readonly Lock _gate = new();
    private readonly Dictionary<(RepoKind Kind, string RepoId), RepoEntry> _repos = [];
    private readonly ConcurrentDictionary<string, ModelCard> _cardsByReadmeSha = new(StringComparer.Ordinal);

    private EmulatorRepoStore(string root, long lfsThreshold)
    {
        Root = Path.GetFullPath(root);
        LfsThreshold = lfsThreshold;
        Objects = new ObjectStore(Root);
        LoadAll();
    }

    /// <summary>Opens (or creates) the store under <paramref name="root"/>, loading every persisted repository.</summary>
    public static EmulatorRepoStore Open(string root, long lfsThreshold = DefaultLfsThreshold)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        return new EmulatorRepoStore(root, lfsThreshold);
    }

    public string Root { get; }

    /// <summary>Files of at least this many bytes are stored as LFS even when no .gitattributes pattern matches.</summary>
    public long LfsThreshold { get; }

    internal ObjectStore Objects { get; }

    /// <summary>
    /// Creates a repository with the Hub's usual first commit ("initial commit" adding the default .gitattributes).
    /// <paramref name="owner"/> defaults to the namespace; only the owner (and approved users) see a private repo or
    /// download from a gated one.
    /// </summary>
    public Task CreateRepoAsync(string type, string repoId, bool isPrivate = false, string? gated = null, string? owner = null,
        DateTimeOffset? createdAt = null, CancellationToken ct = default)
    {
        var kind = RepoKinds.Parse(type);
        ValidateRepoId(repoId);
        ValidateGated(gated);
        var date = Truncate(createdAt ?? DateTimeOffset.UtcNow);
        var attributes = Encoding.UTF8.GetBytes(GitAttributes.HubDefault);
        var stored = new StoredObject(Convert.ToHexStringLower(SHA256.HashData(attributes)), GitObjects.BlobOid(attributes), attributes.Length);
        WriteObjectIfMissing(stored.Sha256, attributes);
        lock (_gate)
        {
            if (_repos.ContainsKey((kind, repoId)))
            {
                throw StoreRejection.Conflict($"You already created this {kind.Singular()} repo: {repoId}");
            }
            var document = new RepoDocument
            {
                ObjectId = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"{kind.Singular()}:{repoId}")))[..24],
                Type = kind.Singular(),
                RepoId = repoId,
                Owner = owner ?? repoId.Split('/')[0],
                Private = isPrivate,
                Gated = gated,
                CreatedAt = date,
                LastModified = date,
            };
            var entry = new RepoEntry(document, RepoFolder(kind, repoId));
            var files = new Dictionary<string, FileDocument>(StringComparer.Ordinal)
            {
                [GitAttributes.FileName] = new() { Size = stored.Size, Oid = stored.GitBlobOid, Sha256 = stored.Sha256 },
            };
            var commit = BuildCommit(files, parent: null, "initial commit", "", document.Owner, date);
            document.Commits[commit.Id] = commit;
            document.Branches[document.DefaultBranch] = commit.Id;
            Save(entry);
            _repos[(kind, repoId)] = entry;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Commits files (added or replaced) and deletions (a file path, or a folder path to delete everything under it) to
    /// a branch, creating the branch from the default branch if it does not exist. A branch named <c>refs/pr/N</c>
    /// appends to that pull request. Returns the new 40-hex commit id.
    /// </summary>
    public async Task<string> CommitAsync(string type, string repoId, string branch, IEnumerable<EmulatorFile> files,
        IEnumerable<string>? deletes = null, string message = "Upload files with the emulator", string author = "alice",
        string? description = null, DateTimeOffset? date = null, CancellationToken ct = default)
    {
        var kind = RepoKinds.Parse(type);
        ArgumentException.ThrowIfNullOrEmpty(branch);
        lock (_gate)
        {
            Require(kind, repoId);
        }
        var added = await IngestAsync(files, ct);
        var deleted = (deletes ?? []).Select(d => RepoPaths.Normalize(d.TrimEnd('/'))).ToList();
        var when = Truncate(date ?? DateTimeOffset.UtcNow);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            var document = entry.Document;
            PullRequestDocument? pullRequest = null;
            string parentId;
            if (RepoSnapshot.TryParsePullRequestRef(branch, out var number))
            {
                pullRequest = document.PullRequests.FirstOrDefault(pr => pr.Number == number)
                    ?? throw new InvalidOperationException($"{repoId} has no pull request {number}.");
                parentId = pullRequest.Commit;
            }
            else
            {
                parentId = document.Branches.GetValueOrDefault(branch) ?? document.Branches[document.DefaultBranch];
            }
            var commit = CommitOnto(document, document.Commits[parentId], added, deleted, message, description ?? "", author, when);
            if (pullRequest is not null)
            {
                pullRequest.Commit = commit.Id;
            }
            else
            {
                document.Branches[branch] = commit.Id;
                if (branch == document.DefaultBranch)
                {
                    document.LastModified = when; // the Hub's lastModified follows the default branch
                }
            }
            Save(entry);
            return commit.Id;
        }
    }

    /// <summary>Opens pull request N (numbered from 1) with one commit on top of the default branch; readable as revision <c>refs/pr/N</c>.</summary>
    public async Task<int> CreatePullRequestAsync(string type, string repoId, IEnumerable<EmulatorFile> files,
        IEnumerable<string>? deletes = null, string message = "Pull request from the emulator", string author = "alice",
        string? description = null, DateTimeOffset? date = null, CancellationToken ct = default)
    {
        var kind = RepoKinds.Parse(type);
        lock (_gate)
        {
            Require(kind, repoId);
        }
        var added = await IngestAsync(files, ct);
        var deleted = (deletes ?? []).Select(d => RepoPaths.Normalize(d.TrimEnd('/'))).ToList();
        var when = Truncate(date ?? DateTimeOffset.UtcNow);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            var document = entry.Document;
            var baseCommit = document.Commits[document.Branches[document.DefaultBranch]];
            var commit = CommitOnto(document, baseCommit, added, deleted, message, description ?? "", author, when);
            var number = document.PullRequests.Count == 0 ? 1 : document.PullRequests.Max(pr => pr.Number) + 1;
            document.PullRequests.Add(new PullRequestDocument { Number = number, Title = message, Author = author, Commit = commit.Id });
            Save(entry);
            return number;
        }
    }

    /// <summary>Creates a branch at a revision (default: the default branch). Returns the commit id it points to.</summary>
    public Task<string> CreateBranchAsync(string type, string repoId, string branch, string? fromRevision = null) =>
        CreateRefAsync(type, repoId, branch, fromRevision, "refs/heads/", document => document.Branches);

    /// <summary>Creates a tag at a revision (default: the default branch). Returns the commit id it points to.</summary>
    public Task<string> CreateTagAsync(string type, string repoId, string tag, string? revision = null) =>
        CreateRefAsync(type, repoId, tag, revision, "refs/tags/", document => document.Tags);

    private Task<string> CreateRefAsync(string type, string repoId, string name, string? revision, string refPrefix,
        Func<RepoDocument, IDictionary<string, string>> refs)
    {
        var kind = RepoKinds.Parse(type);
        ValidateRefName(name);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            var existing = refs(entry.Document);
            if (existing.ContainsKey(name))
            {
                throw StoreRejection.Conflict($"Reference {refPrefix}{name} already exists");
            }
            var target = ResolveOrThrow(entry, revision ?? entry.Document.DefaultBranch);
            existing[name] = target.Id;
            Save(entry);
            return Task.FromResult(target.Id);
        }
    }

    public Task UpdateMetadataAsync(string type, string repoId, EmulatorRepoMetadata update)
    {
        ArgumentNullException.ThrowIfNull(update);
        Mutate(type, repoId, document =>
        {
            var stats = document.Metadata;
            stats.Downloads = update.Downloads ?? stats.Downloads;
            stats.DownloadsAllTime = update.DownloadsAllTime ?? stats.DownloadsAllTime;
            stats.Likes = update.Likes ?? stats.Likes;
            stats.TrendingScore = update.TrendingScore ?? stats.TrendingScore;
            stats.Tags = update.Tags?.ToList() ?? stats.Tags;
            stats.PipelineTag = update.PipelineTag ?? stats.PipelineTag;
            stats.LibraryName = update.LibraryName ?? stats.LibraryName;
            document.CreatedAt = update.CreatedAt is { } created ? Truncate(created) : document.CreatedAt;
            document.LastModified = update.LastModified is { } modified ? Truncate(modified) : document.LastModified;
        });
        return Task.CompletedTask;
    }

    public Task SetPrivateAsync(string type, string repoId, bool isPrivate)
    {
        Mutate(type, repoId, document => document.Private = isPrivate);
        return Task.CompletedTask;
    }

    /// <summary>null (not gated), "auto" or "manual".</summary>
    public Task SetGatedAsync(string type, string repoId, string? gated)
    {
        ValidateGated(gated);
        Mutate(type, repoId, document => document.Gated = gated);
        return Task.CompletedTask;
    }

    /// <summary>Lets a user download from a gated repo (and see it while private).</summary>
    public Task ApproveAccessAsync(string type, string repoId, string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        Mutate(type, repoId, document =>
        {
            if (!document.ApprovedUsers.Contains(user))
            {
                document.ApprovedUsers.Add(user);
            }
        });
        return Task.CompletedTask;
    }

    public bool RepoExists(string type, string repoId)
    {
        var kind = RepoKinds.Parse(type);
        lock (_gate)
        {
            return _repos.ContainsKey((kind, repoId));
        }
    }

    /// <summary>The commit id a revision (branch, tag, refs/pr/N, HEAD, commit) points to, or null.</summary>
    public string? ResolveRevision(string type, string repoId, string revision) =>
        Find(RepoKinds.Parse(type), repoId)?.Resolve(revision)?.Id;

    /// <summary>The files at a revision, in path order; empty if the repo or revision does not exist.</summary>
    public IReadOnlyList<EmulatorFileInfo> ListFiles(string type, string repoId, string revision = "main")
    {
        var commit = Find(RepoKinds.Parse(type), repoId)?.Resolve(revision);
        if (commit is null)
        {
            return [];
        }
        return commit.Files
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new EmulatorFileInfo(pair.Key, pair.Value.Size, pair.Value.Oid, pair.Value.Sha256, pair.Value.Lfs is not null))
            .ToList();
    }

    /// <summary>Ids of the repositories of one type, in creation order.</summary>
    public IReadOnlyList<string> ListRepoIds(string type) =>
        Snapshots(RepoKinds.Parse(type)).Select(snapshot => snapshot.RepoId).ToList();

    internal RepoSnapshot? Find(RepoKind kind, string repoId)
    {
        lock (_gate)
        {
            return _repos.TryGetValue((kind, repoId), out var entry) ? entry.Snapshot() : null;
        }
    }

    /// <summary>Every repository of a kind, oldest first.</summary>
    internal IReadOnlyList<RepoSnapshot> Snapshots(RepoKind kind)
    {
        lock (_gate)
        {
            return _repos.Where(pair => pair.Key.Kind == kind)
                .Select(pair => pair.Value.Snapshot())
                .OrderBy(snapshot => snapshot.CreatedAt)
                .ThenBy(snapshot => snapshot.RepoId, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>The README.md front matter at a commit (cached by content).</summary>
    internal ModelCard CardAt(CommitDocument commit)
    {
        if (!commit.Files.TryGetValue("README.md", out var readme) || readme.Size > MaxCardBytes)
        {
            return ModelCard.Empty;
        }
        return _cardsByReadmeSha.GetOrAdd(readme.Sha256, sha => Objects.Contains(sha)
            ? ModelCard.Parse(Encoding.UTF8.GetString(Objects.ReadAllBytes(sha)))
            : ModelCard.Empty);
    }

    private async Task<List<CommitAdd>> IngestAsync(IEnumerable<EmulatorFile> files, CancellationToken ct)
    {
        var added = new List<CommitAdd>();
        foreach (var file in files)
        {
            added.Add(new CommitAdd(file.Path, await Objects.IngestAsync(file, ct), ForceLfs: false));
        }
        return added;
    }

    private CommitDocument CommitOnto(RepoDocument document, CommitDocument? parent, List<CommitAdd> added,
        List<string> deleted, string title, string description, string author, DateTimeOffset date)
    {
        var files = parent is null
            ? new Dictionary<string, FileDocument>(StringComparer.Ordinal)
            : new Dictionary<string, FileDocument>(parent.Files, StringComparer.Ordinal);
        foreach (var path in deleted)
        {
            var doomed = files.Keys.Where(key => key == path || RepoPaths.IsUnder(key, path)).ToList();
            doomed.ForEach(key => files.Remove(key));
            if (doomed.Count == 0)
            {
                throw new InvalidOperationException($"Cannot delete '{path}' from {document.RepoId}: no such file or folder.");
            }
        }
        // A .gitattributes committed now decides for the other files of the same commit.
        var attributesAdd = added.LastOrDefault(file => file.Path == GitAttributes.FileName);
        var attributesSha = attributesAdd?.Object.Sha256 ?? files.GetValueOrDefault(GitAttributes.FileName)?.Sha256;
        var attributes = attributesSha is null ? GitAttributes.Empty : GitAttributes.Parse(Encoding.UTF8.GetString(Objects.ReadAllBytes(attributesSha)));
        foreach (var (path, stored, forceLfs) in added)
        {
            files[path] = ToFileDocument(path, stored, attributes, forceLfs);
        }
        var commit = BuildCommit(files, parent, title, description, author, date);
        document.Commits[commit.Id] = commit;
        return commit;
    }

    private FileDocument ToFileDocument(string path, StoredObject stored, GitAttributes attributes, bool forceLfs)
    {
        var isLfs = forceLfs || path != GitAttributes.FileName && (stored.Size >= LfsThreshold || attributes.IsLfs(path));
        if (!isLfs)
        {
            return new FileDocument { Size = stored.Size, Oid = stored.GitBlobOid, Sha256 = stored.Sha256 };
        }
        Objects.MarkLfs(stored.Sha256);
        var pointer = GitObjects.LfsPointerBytes(stored.Sha256, stored.Size);
        return new FileDocument
        {
            Size = stored.Size,
            Oid = GitObjects.BlobOid(pointer),
            Sha256 = stored.Sha256,
            Lfs = new LfsDocument { Sha256 = stored.Sha256, Size = stored.Size, PointerSize = pointer.Length },
        };
    }

    private static CommitDocument BuildCommit(Dictionary<string, FileDocument> files, CommitDocument? parent, string title,
        string description, string author, DateTimeOffset date)
    {
        var orderedFiles = files.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        var trees = ComputeTrees(orderedFiles);
        var parents = parent is null ? new List<string>() : [parent.Id];
        var fullMessage = description.Length == 0 ? title : title + "\n\n" + description;
        return new CommitDocument
        {
            Id = GitObjects.CommitOid(trees[""], parents, author, date, fullMessage),
            Parents = parents,
            Title = title,
            Description = description,
            Author = author,
            Date = date,
            Trees = trees,
            Files = orderedFiles,
        };
    }

    /// <summary>Git tree ids of every folder, computed bottom-up so each folder can use its subfolders' ids.</summary>
    private static Dictionary<string, string> ComputeTrees(Dictionary<string, FileDocument> files)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var path in files.Keys)
        {
            folders.UnionWith(RepoPaths.Ancestors(path));
        }
        var trees = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in folders.OrderByDescending(f => f.Length == 0 ? 0 : f.Count(c => c == '/') + 1))
        {
            var entries = files.Where(pair => RepoPaths.Parent(pair.Key) == folder)
                .Select(pair => (RepoPaths.Name(pair.Key), false, pair.Value.Oid))
                .Concat(folders.Where(sub => sub.Length > 0 && RepoPaths.Parent(sub) == folder)
                    .Select(sub => (RepoPaths.Name(sub), true, trees[sub])));
            trees[folder] = GitObjects.TreeOid(entries);
        }
        return trees.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
    }

    private void Mutate(string type, string repoId, Action<RepoDocument> change)
    {
        var kind = RepoKinds.Parse(type);
        lock (_gate)
        {
            var entry = Require(kind, repoId);
            change(entry.Document);
            Save(entry);
        }
    }

    private RepoEntry Require(RepoKind kind, string repoId) =>
        _repos.TryGetValue((kind, repoId), out var entry)
            ? entry
            : throw new StoreRejection(404, "RepoNotFound", $"The {kind.Singular()} repo {repoId} does not exist.");

    private static CommitDocument ResolveOrThrow(RepoEntry entry, string revision) =>
        entry.Snapshot().Resolve(revision) ?? throw StoreRejection.RevisionNotFound(revision);

    private string RepoFolder(RepoKind kind, string repoId) => Path.Combine(Root, "repos", kind.Plural(), repoId.Replace('/', Path.DirectorySeparatorChar));

    private static void Save(RepoEntry entry)
    {
        entry.Invalidate();
        Directory.CreateDirectory(entry.Folder);
        var path = Path.Combine(entry.Folder, "repo.json");
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(entry.Document, StoreJsonContext.Default.RepoDocument));
        File.Move(temp, path, overwrite: true); // atomic: a crash never leaves half a repo.json
    }

    private void LoadAll()
    {
        foreach (var kind in RepoKinds.All)
        {
            var kindFolder = Path.Combine(Root, "repos", kind.Plural());
            if (!Directory.Exists(kindFolder))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(kindFolder, "repo.json", SearchOption.AllDirectories))
            {
                var document = JsonSerializer.Deserialize(File.ReadAllBytes(file), StoreJsonContext.Default.RepoDocument)
                    ?? throw new InvalidDataException($"Empty repo file {file}.");
                if (document.FormatVersion != RepoDocument.CurrentFormatVersion)
                {
                    throw new InvalidDataException($"{file} has format version {document.FormatVersion}; this emulator reads {RepoDocument.CurrentFormatVersion}.");
                }
                _repos[(kind, document.RepoId)] = new RepoEntry(document, Path.GetDirectoryName(file)!);
            }
        }
        // Roots written before LFS objects were indexed: index the LFS files of every commit.
        var lfsObjects = _repos.Values.SelectMany(entry => entry.Document.Commits.Values)
            .SelectMany(commit => commit.Files.Values)
            .Where(file => file.Lfs is not null)
            .Select(file => file.Sha256)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var sha256 in lfsObjects.Where(Objects.Contains))
        {
            Objects.MarkLfs(sha256);
        }
    }

    private void WriteObjectIfMissing(string sha256, byte[] content)
    {
        var path = Objects.PathOf(sha256);
        if (File.Exists(path))
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, content);
        try { File.Move(temp, path); } catch (IOException) when (File.Exists(path)) { File.Delete(temp); }
    }

    // The Hub reports milliseconds; keeping the same precision makes persisted and served dates identical.
    private static DateTimeOffset Truncate(DateTimeOffset date) =>
        new(date.UtcTicks - date.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private static void ValidateRepoId(string repoId)
    {
        ArgumentException.ThrowIfNullOrEmpty(repoId);
        var parts = repoId.Split('/');
        if (parts.Length != 2 || parts.Any(part => part.Length == 0 || part is "." or ".." || part.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            throw new ArgumentException($"Invalid repo id '{repoId}': expected namespace/name.", nameof(repoId));
        }
    }

    private static void ValidateRefName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.StartsWith("refs/", StringComparison.Ordinal) || name == "HEAD" || name.Contains("..") || name.Contains(' '))
        {
            throw new ArgumentException($"Invalid ref name '{name}'.", nameof(name));
        }
    }

    private static void ValidateGated(string? gated)
    {
        if (gated is not (null or "auto" or "manual"))
        {
            throw new ArgumentException("gated must be null, \"auto\" or \"manual\".", nameof(gated));
        }
    }

    /// <summary>A repository document, its folder, and a snapshot rebuilt after each change.</summary>
    private sealed class RepoEntry(RepoDocument document, string folder)
    {
        private RepoSnapshot? _snapshot;

        public RepoDocument Document { get; } = document;
        public string Folder { get; } = folder;

        public void Invalidate() => _snapshot = null;

        public RepoSnapshot Snapshot() => _snapshot ??= new RepoSnapshot
        {
            Kind = RepoKinds.Parse(Document.Type),
            RepoId = Document.RepoId,
            ObjectId = Document.ObjectId,
            Owner = Document.Owner,
            Private = Document.Private,
            Gated = Document.Gated,
            ApprovedUsers = Document.ApprovedUsers.ToHashSet(StringComparer.Ordinal),
            CreatedAt = Document.CreatedAt,
            LastModified = Document.LastModified,
            Downloads = Document.Metadata.Downloads,
            DownloadsAllTime = Document.Metadata.DownloadsAllTime,
            Likes = Document.Metadata.Likes,
            TrendingScore = Document.Metadata.TrendingScore,
            ExtraTags = Document.Metadata.Tags.ToList(),
            PipelineTagOverride = Document.Metadata.PipelineTag,
            LibraryNameOverride = Document.Metadata.LibraryName,
            DefaultBranch = Document.DefaultBranch,
            Branches = new Dictionary<string, string>(Document.Branches, StringComparer.Ordinal),
            Tags = new Dictionary<string, string>(Document.Tags, StringComparer.Ordinal),
            PullRequests = Document.PullRequests.Select(pr => new PullRequestDocument
            {
                Number = pr.Number, Title = pr.Title, Author = pr.Author, Status = pr.Status, Commit = pr.Commit,
            }).ToList(),
            Commits = new Dictionary<string, CommitDocument>(Document.Commits, StringComparer.Ordinal),
        };
    }
}
