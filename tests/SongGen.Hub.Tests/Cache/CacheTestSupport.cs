using System.Security.Cryptography;
using System.Text;

namespace SongGen.Hub.Tests.Cache;

/// <summary>A fresh folder under the temp directory, deleted (without following symlinks) on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "songgen-hubcore-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
                HubCacheManager.DeleteWithoutFollowingLinks(Path);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Builds real cache trees on disk, the way Python's downloader leaves them.</summary>
internal sealed class CacheBuilder(string root)
{
    public HubCacheLayout Layout { get; } = new(root);

    public static string GitBlobSha1(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Writes <c>blobs/&lt;etag&gt;</c> (git SHA-1 for regular files, SHA-256 for LFS ones) and returns the etag.</summary>
    public string Blob(RepoId repo, string text, bool lfs = false)
    {
        byte[] content = Encoding.UTF8.GetBytes(text);
        string etag = lfs ? Sha256(content) : GitBlobSha1(content);
        string path = Layout.BlobPath(repo, etag);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return etag;
    }

    /// <summary>A blob plus its snapshot symlink.</summary>
    public string File_(RepoId repo, string commit, string repoPath, string text, bool lfs = false)
    {
        string etag = Blob(repo, text, lfs);
        Layout.LinkIntoSnapshot(Layout.BlobPath(repo, etag), Layout.SnapshotFilePath(repo, commit, repoPath), useSymlinks: true);
        return etag;
    }

    public CacheBuilder Ref(RepoId repo, string name, string commit)
    {
        Layout.WriteRef(repo, name, commit);
        return this;
    }

    public static string Commit(char c) => new(c, 40);
}
