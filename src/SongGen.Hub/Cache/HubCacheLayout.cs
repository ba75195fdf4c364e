using System.Security.Cryptography;
using System.Text;

namespace SongGen.Hub;

/// <summary>
/// The Hugging Face cache layout, byte-compatible with Python's <c>huggingface_hub</c>:
/// <code>
/// &lt;root&gt;/CACHEDIR.TAG
/// &lt;root&gt;/.locks/models--org--name/&lt;etag&gt;.lock
/// &lt;root&gt;/models--org--name/blobs/&lt;etag&gt;
/// &lt;root&gt;/models--org--name/refs/main                    (commit, no newline; refs/refs/pr/1 nests)
/// &lt;root&gt;/models--org--name/snapshots/&lt;commit&gt;/sub/config.json -> ../../../blobs/&lt;etag&gt;
/// &lt;root&gt;/models--org--name/.no_exist/&lt;commit&gt;/missing.txt   (empty marker)
/// &lt;root&gt;/models--org--name/trees/&lt;commit&gt;.json
/// </code>
/// Every name that came from the server (path, revision, etag, commit) is validated before it is joined.
/// </summary>
public sealed class HubCacheLayout(string root)
{
    /// <summary>Python's text (<c>_local_folder.py CACHEDIR_TAG_CONTENT</c>) for both the hub cache and local dirs.</summary>
    internal const string CacheDirTagContent =
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        + "# This file is a cache directory tag created by huggingface_hub.\n"
        + "# For information about cache directory tags, see:\n"
        + "#\thttps://bford.info/cachedir/\n";

    internal const string LocksFolderName = ".locks";
    internal const string CacheDirTagName = "CACHEDIR.TAG";

    /// <summary>The cache root (<c>HF_HUB_CACHE</c>), as a full path.</summary>
    public string Root { get; } = RepoFilePath.FullRoot(root);

    public string RepoFolder(RepoId repo) => Path.Combine(Root, SafeFolderName(repo));

    public string BlobsFolder(RepoId repo) => Path.Combine(RepoFolder(repo), "blobs");

    public string RefsFolder(RepoId repo) => Path.Combine(RepoFolder(repo), "refs");

    public string SnapshotsFolder(RepoId repo) => Path.Combine(RepoFolder(repo), "snapshots");

    public string BlobPath(RepoId repo, string etag) =>
        Path.Combine(BlobsFolder(repo), RepoFilePath.ValidateSegment(etag, "etag"));

    /// <summary>Where a download of <paramref name="etag"/> is written before it is moved to its blob path (<c>blobs/&lt;etag&gt;.incomplete</c>).</summary>
    public string IncompleteBlobPath(RepoId repo, string etag) => BlobPath(repo, etag) + ".incomplete";

    public string SnapshotFolder(RepoId repo, string commit) =>
        Path.Combine(SnapshotsFolder(repo), RepoFilePath.ValidateSegment(commit, "commit"));

    /// <summary>The pointer of <paramref name="repoPath"/> in a snapshot (the symlink, or the copy when symlinks are off).</summary>
    public string SnapshotFilePath(RepoId repo, string commit, string repoPath) =>
        RepoFilePath.ResolveUnder(SnapshotFolder(repo, commit), repoPath);

    /// <summary><c>refs/&lt;revision&gt;</c>; a revision with slashes nests (<c>refs/pr/1</c> → <c>refs/refs/pr/1</c>).</summary>
    public string RefPath(RepoId repo, string revision) => RepoFilePath.ResolveUnder(RefsFolder(repo), revision);

    /// <summary>The negative-cache marker: <c>.no_exist/&lt;commit&gt;/&lt;path&gt;</c>.</summary>
    public string NoExistPath(RepoId repo, string commit, string repoPath) =>
        RepoFilePath.ResolveUnder(Path.Combine(RepoFolder(repo), ".no_exist", RepoFilePath.ValidateSegment(commit, "commit")), repoPath);

    public string LocksFolder(RepoId repo) => Path.Combine(Root, LocksFolderName, SafeFolderName(repo));

    // RepoId's positional constructor skips Parse's checks; a hand-made id must not smuggle separators into the path.
    private static string SafeFolderName(RepoId repo) => RepoFilePath.ValidateSegment(repo.CacheFolderName, "repo folder name");

    /// <summary><c>&lt;root&gt;/.locks/&lt;repo folder&gt;/&lt;etag&gt;.lock</c>, the file Python's filelock flocks while downloading a blob.</summary>
    public string LockPath(RepoId repo, string etag) =>
        Path.Combine(LocksFolder(repo), RepoFilePath.ValidateSegment(etag, "etag") + ".lock");

    public string TreeCachePath(RepoId repo, string commit) =>
        Path.Combine(RepoFolder(repo), "trees", RepoFilePath.ValidateSegment(commit, "commit") + ".json");

    /// <summary>Whether <paramref name="revision"/> is a full commit hash as Python recognises it (<c>^[0-9a-f]{40}$</c>).</summary>
    public static bool IsCommitHash(string? revision) =>
        revision is { Length: 40 } && revision.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>The commit that <c>refs/&lt;revision&gt;</c> names, or null when the ref is absent or empty (surrounding whitespace ignored).</summary>
    public string? ReadRef(RepoId repo, string revision)
    {
        string path = RefPath(repo, revision);
        if (!File.Exists(path))
            return null;
        string commit = File.ReadAllText(path).Trim();
        return commit.Length == 0 ? null : commit;
    }

    /// <summary>
    /// Records that <paramref name="revision"/> points at <paramref name="commit"/>, as Python does: nothing when the
    /// revision is the commit itself or the file already holds exactly that text (a read-only shared cache stays
    /// usable); otherwise an atomic replace through <c>&lt;ref&gt;.&lt;8 hex&gt;.tmp</c>. No trailing newline: Python's
    /// download path reads refs without stripping.
    /// </summary>
    public void WriteRef(RepoId repo, string revision, string commit)
    {
        RepoFilePath.ValidateSegment(commit, "commit");
        if (revision == commit)
            return;
        string path = RefPath(repo, revision);
        if (File.Exists(path) && File.ReadAllText(path) == commit)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = TempSibling(path);
        try
        {
            File.WriteAllBytes(temp, Encoding.UTF8.GetBytes(commit));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            TryDelete(temp); // no-op after a successful move
        }
    }

    /// <summary>Offline revision resolution: a 40-hex commit as is, else the commit its ref names (null when not cached).</summary>
    public string? ResolveCommitOffline(RepoId repo, string revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        return IsCommitHash(revision) ? revision : ReadRef(repo, revision);
    }

    /// <summary>
    /// The cached file for <paramref name="repoPath"/> at <paramref name="revision"/> without any request, or null
    /// (Python's first step of <c>hf_hub_download</c> and <c>try_to_load_from_cache</c>).
    /// </summary>
    public string? TryGetCachedFile(RepoId repo, string revision, string repoPath)
    {
        string? commit = ResolveCommitOffline(repo, revision);
        if (commit is null)
            return null;
        string pointer = SnapshotFilePath(repo, commit, repoPath);
        return File.Exists(pointer) ? pointer : null; // File.Exists follows the link: a broken one is a miss
    }

    /// <summary>
    /// Writes <c>&lt;root&gt;/CACHEDIR.TAG</c> if absent so backup tools skip the cache. Best effort, like Python: a
    /// read-only cache is still usable.
    /// </summary>
    public void EnsureCacheDirTag() => WriteCacheDirTag(Root);

    internal static void WriteCacheDirTag(string folder)
    {
        string path = Path.Combine(folder, CacheDirTagName);
        if (File.Exists(path))
            return;
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(CacheDirTagContent));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Makes <paramref name="pointerPath"/> (a snapshot entry) present the content of <paramref name="blobPath"/>,
    /// replacing any existing pointer atomically (temp name + rename).
    /// <para>With <paramref name="useSymlinks"/> it is a relative symlink,
    /// <c>Path.GetRelativePath(dirname(pointer), blob)</c> = Python's <c>os.path.relpath</c> (<c>../../blobs/&lt;etag&gt;</c>,
    /// one more <c>../</c> per sub folder), so the cache can be moved. When symlinks are disabled or the file system
    /// refuses them the blob is copied. Python instead <em>moves</em> a freshly downloaded blob into the snapshot (and
    /// copies only pre-existing blobs), which saves space but leaves <c>blobs/</c> without it, so the next revision that
    /// shares the file downloads it again; we always copy to keep the blob for dedup (<c>hf cache prune</c> reclaims
    /// it).</para>
    /// </summary>
    public void LinkIntoSnapshot(string blobPath, string pointerPath, bool useSymlinks)
    {
        string blob = Path.GetFullPath(blobPath);
        string pointer = Path.GetFullPath(pointerPath);
        if (!File.Exists(blob))
            throw new FileNotFoundException($"Cannot link '{pointer}': blob '{blob}' does not exist.", blob);
        string folder = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(folder);
        string temp = TempSibling(pointer);
        try
        {
            if (useSymlinks)
            {
                string target = Path.GetRelativePath(folder, blob);
                var existing = new FileInfo(pointer);
                if (existing.LinkTarget == target)
                    return;
                if (TryCreateSymlink(temp, target))
                {
                    File.Move(temp, pointer, overwrite: true);
                    return;
                }
            }
            File.Copy(blob, temp, overwrite: true);
            File.Move(temp, pointer, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static bool TryCreateSymlink(string linkPath, string target)
    {
        try
        {
            File.CreateSymbolicLink(linkPath, target);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Windows without Developer Mode, FAT/exFAT, some network shares.
            return false;
        }
    }

    /// <summary>Records that <paramref name="repoPath"/> does not exist at <paramref name="commit"/> (an empty file).</summary>
    public void MarkNoExist(RepoId repo, string commit, string repoPath)
    {
        string path = NoExistPath(repo, commit, repoPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
        }
    }

    public bool IsMarkedNoExist(RepoId repo, string commit, string repoPath) => File.Exists(NoExistPath(repo, commit, repoPath));

    /// <summary>
    /// Writes <c>trees/&lt;commit&gt;.json</c> exactly as Python does (see <see cref="TreeCacheFile"/>), atomically. Like
    /// Python it writes nothing when an entry has a Xet hash that is not 64 hex digits, and ignores I/O failures (the
    /// listing is an optimisation).
    /// </summary>
    public void WriteTreeCache(RepoId repo, string commit, IEnumerable<TreeCacheEntry> entries) =>
        WriteTreeCacheFile(TreeCachePath(repo, commit), entries);

    /// <summary>The cached listing of <paramref name="commit"/>, or null when absent, unreadable, of another format or invalid.</summary>
    public IReadOnlyDictionary<string, TreeCacheEntry>? ReadTreeCache(RepoId repo, string commit) =>
        ReadTreeCacheFile(TreeCachePath(repo, commit));

    /// <summary>One entry of the cached listing of <paramref name="commit"/>, or null.</summary>
    public TreeCacheEntry? ReadTreeCacheEntry(RepoId repo, string commit, string repoPath) =>
        ReadTreeCache(repo, commit) is { } files && files.TryGetValue(repoPath, out TreeCacheEntry? entry) ? entry : null;

    internal static void WriteTreeCacheFile(string path, IEnumerable<TreeCacheEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.ToList();
        if (!TreeCacheFile.IsValid(list))
            return;
        string temp = TempSibling(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temp, Encoding.UTF8.GetBytes(TreeCacheFile.Serialize(list)));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        finally
        {
            TryDelete(temp);
        }
    }

    internal static IReadOnlyDictionary<string, TreeCacheEntry>? ReadTreeCacheFile(string path)
    {
        try
        {
            return File.Exists(path) ? TreeCacheFile.Parse(File.ReadAllText(path, Encoding.UTF8)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary><c>&lt;path&gt;.&lt;8 hex&gt;.tmp</c> next to <paramref name="path"/>: same folder, so the final rename is atomic.</summary>
    internal static string TempSibling(string path) => $"{path}.{RandomNumberGenerator.GetHexString(8, lowercase: true)}.tmp";

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
