using System.Security.Cryptography;

namespace SongGen.Hub.Emulator.Store;

/// <summary>What the store learned about some bytes while copying them in.</summary>
internal readonly record struct StoredObject(string Sha256, string GitBlobOid, long Size);

/// <summary>
/// Content-addressed bytes under <c>{root}/objects/{sha256[0..2]}/{sha256}</c>. Every file body the emulator serves is
/// streamed from here; ingesting hashes (SHA-256 and the git blob SHA-1) while copying, in one pass when the length
/// is known up front.
/// </summary>
internal sealed class ObjectStore
{
    private const int CopyBufferSize = 1 << 20;
    private readonly string _objectsRoot;
    private readonly string _tempRoot;
    private readonly string _lfsIndexRoot;

    public ObjectStore(string root)
    {
        _objectsRoot = Path.Combine(root, "objects");
        _tempRoot = Path.Combine(_objectsRoot, "tmp");
        _lfsIndexRoot = Path.Combine(_objectsRoot, "lfs");
        Directory.CreateDirectory(_tempRoot);
    }

    public string PathOf(string sha256) => Path.Combine(_objectsRoot, sha256[..2], sha256);

    public bool Contains(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>
    /// Records that these bytes are held as an LFS object (uploaded through the LFS API, or stored as an LFS file of
    /// some commit). Regular file contents share the object folder but do not count: on the Hub, git blobs and LFS
    /// storage are separate, so committing bytes as a regular file does not make them an uploaded LFS object.
    /// </summary>
    public void MarkLfs(string sha256)
    {
        var marker = Path.Combine(_lfsIndexRoot, sha256[..2], sha256);
        if (!File.Exists(marker))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            File.WriteAllBytes(marker, []);
        }
    }

    /// <summary>Size of the LFS object with this SHA-256, or null when it is not held as one (see <see cref="MarkLfs"/>).</summary>
    public long? LfsSize(string sha256)
    {
        var path = PathOf(sha256);
        return File.Exists(Path.Combine(_lfsIndexRoot, sha256[..2], sha256)) && File.Exists(path) ? new FileInfo(path).Length : null;
    }

    public FileStream OpenRead(string sha256) =>
        new(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);

    public byte[] ReadAllBytes(string sha256) => File.ReadAllBytes(PathOf(sha256));

    public async Task<StoredObject> IngestAsync(EmulatorFile file, CancellationToken ct)
    {
        var tempPath = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        try
        {
            StoredObject stored;
            await using (var source = file.OpenRead())
            {
                long? knownLength = source.CanSeek ? source.Length - source.Position : null;
                stored = await CopyAndHashAsync(source, tempPath, knownLength, ct);
            }
            MoveIntoPlace(tempPath, stored.Sha256);
            return stored;
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }
    }

    /// <summary>A fresh path in the ingest folder (same file system as the objects, so moving it in is atomic).</summary>
    public string NewTempPath() => Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));

    /// <summary>Where the parts of one multipart upload wait for their completion call.</summary>
    public string UploadFolder(string uploadId) => Path.Combine(_tempRoot, "uploads", uploadId);

    /// <summary>Moves a fully written and verified temp file to its content address (or drops it if already there).</summary>
    public void MoveIntoPlace(string tempPath, string sha256)
    {
        var finalPath = PathOf(sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
        if (File.Exists(finalPath))
        {
            File.Delete(tempPath);
            return;
        }
        // Same content ingested concurrently ends in the same bytes, so losing the race is harmless.
        try { File.Move(tempPath, finalPath); } catch (IOException) when (File.Exists(finalPath)) { File.Delete(tempPath); }
    }

    private static async Task<StoredObject> CopyAndHashAsync(Stream source, string tempPath, long? knownLength, CancellationToken ct)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var gitSha1 = knownLength is { } length ? GitObjects.StartBlobHash(length) : null;
        var buffer = new byte[CopyBufferSize];
        long total = 0;
        await using (var target = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous))
        {
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                sha256.AppendData(buffer, 0, read);
                gitSha1?.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
                total += read;
            }
        }
        if (knownLength is { } expected && expected != total)
        {
            throw new IOException($"The stream announced {expected} bytes but gave {total}.");
        }
        var blobOid = gitSha1 is not null
            ? Convert.ToHexStringLower(gitSha1.GetHashAndReset())
            : await GitBlobOidOfFileAsync(tempPath, total, buffer, ct); // length was unknown: second pass
        return new StoredObject(Convert.ToHexStringLower(sha256.GetHashAndReset()), blobOid, total);
    }

    private static async Task<string> GitBlobOidOfFileAsync(string path, long length, byte[] buffer, CancellationToken ct)
    {
        using var hash = GitObjects.StartBlobHash(length);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
