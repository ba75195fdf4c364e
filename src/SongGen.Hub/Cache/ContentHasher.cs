using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SongGen.Hub;

/// <summary>
/// Computes the content identity that a Hub etag names: a 64-hex etag is the SHA-256 of the content (LFS/Xet files),
/// a 40-hex etag is the git blob SHA-1, <c>sha1("blob " + size + "\0" + content)</c> (regular files). Feed it the
/// bytes as they arrive (<see cref="Append"/>), then <see cref="FinishHex"/> or <see cref="Matches"/>.
/// </summary>
public sealed class ContentHasher : IDisposable
{
    /// <summary>Read buffer of <see cref="HashFileAsync(string, string, IProgress{long}?, CancellationToken)"/>: large, as verify reads whole caches.</summary>
    internal const int FileBufferSize = 1 << 20;

    private readonly IncrementalHash hash;
    private string? result;

    private ContentHasher(bool isGitBlob, long declaredSize)
    {
        IsGitBlobSha1 = isGitBlob;
        DeclaredSize = declaredSize;
        hash = IncrementalHash.CreateHash(isGitBlob ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256);
        if (isGitBlob)
            hash.AppendData(Encoding.ASCII.GetBytes($"blob {declaredSize.ToString(CultureInfo.InvariantCulture)}\0"));
    }

    /// <summary>True for git blob SHA-1 (40-hex etags), false for SHA-256 (64-hex etags).</summary>
    public bool IsGitBlobSha1 { get; }

    /// <summary>The size given at creation; part of the git blob header. -1 when unknown (SHA-256 only).</summary>
    public long DeclaredSize { get; }

    /// <summary>How many content bytes were appended so far.</summary>
    public long BytesAppended { get; private set; }

    /// <summary>
    /// A hasher for content whose etag is <paramref name="etag"/> (raw header values are normalised first) and whose
    /// size is <paramref name="size"/> (required for git blobs; pass -1 if unknown for SHA-256).
    /// </summary>
    /// <exception cref="ArgumentException">The etag is neither 64 nor 40 hex digits, or a git blob has no size.</exception>
    public static ContentHasher ForEtag(string etag, long size)
    {
        ArgumentNullException.ThrowIfNull(etag);
        string normalized = NormalizeEtag(etag);
        if (IsSha256Etag(normalized))
            return new ContentHasher(isGitBlob: false, size < 0 ? -1 : size);
        if (IsGitSha1(normalized))
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size);
            return new ContentHasher(isGitBlob: true, size);
        }
        throw new ArgumentException($"Etag '{etag}' is neither a SHA-256 (64 hex) nor a git blob SHA-1 (40 hex): its content cannot be verified.", nameof(etag));
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (result is not null)
            throw new InvalidOperationException("The hash is already finished.");
        hash.AppendData(data);
        BytesAppended += data.Length;
    }

    /// <summary>Finishes (once) and returns the lowercase hex digest. For git blobs the header used <see cref="DeclaredSize"/>.</summary>
    public string FinishHex() => result ??= Convert.ToHexStringLower(hash.GetHashAndReset());

    /// <summary>
    /// Finishes if needed and compares with <paramref name="etag"/> (normalised, case-insensitive). A git blob whose
    /// appended length differs from its declared size never matches.
    /// </summary>
    public bool Matches(string etag)
    {
        ArgumentNullException.ThrowIfNull(etag);
        string digest = FinishHex();
        if (DeclaredSize >= 0 && BytesAppended != DeclaredSize)
            return false;
        return string.Equals(digest, NormalizeEtag(etag), StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => hash.Dispose();

    /// <summary>64 hex digits: the SHA-256 of an LFS/Xet file.</summary>
    public static bool IsSha256Etag(string? etag) => IsHex(etag, 64);

    /// <summary>40 hex digits: a git object id (blob SHA-1 of a regular file).</summary>
    public static bool IsGitSha1(string? etag) => IsHex(etag, 40);

    /// <summary>Strips the weak prefix <c>W/</c> and the quotes of an HTTP ETag value, as Python's <c>_normalize_etag</c>.</summary>
    public static string NormalizeEtag(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        string value = raw.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
            value = value[2..];
        return value.Trim('"');
    }

    /// <summary>Hashes a file the way <paramref name="etag"/> says (SHA-256 or git blob SHA-1 of the file's actual length).</summary>
    public static Task<string> HashFileAsync(string path, string etag, CancellationToken cancellationToken = default) =>
        HashFileAsync(path, etag, progress: null, cancellationToken);

    /// <summary>As <see cref="HashFileAsync(string, string, CancellationToken)"/>, reporting each chunk's byte count to <paramref name="progress"/>.</summary>
    public static Task<string> HashFileAsync(string path, string etag, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(etag);
        return HashFileAsync(path, length => ForEtag(etag, length), progress, cancellationToken);
    }

    /// <summary>The content id of a local file: SHA-256 when <paramref name="sha256"/> (LFS), else the git blob SHA-1 (regular).</summary>
    internal static Task<string> HashFileAsync(string path, bool sha256, CancellationToken cancellationToken) =>
        HashFileAsync(path, length => ForContentId(sha256, length), progress: null, cancellationToken);

    /// <summary>
    /// A hasher for the content id the Hub gives a file of <paramref name="size"/> bytes: SHA-256 when
    /// <paramref name="sha256"/> (LFS), else the git blob SHA-1 (regular files).
    /// </summary>
    internal static ContentHasher ForContentId(bool sha256, long size)
    {
        if (!sha256) ArgumentOutOfRangeException.ThrowIfNegative(size);
        return new ContentHasher(isGitBlob: !sha256, sha256 && size < 0 ? -1 : size);
    }

    private static async Task<string> HashFileAsync(string path, Func<long, ContentHasher> create, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0, // our buffer is already large
        };
        await using var stream = new FileStream(path, options);
        // The git header must carry the real length, so a truncated blob yields its true (different) hash.
        using ContentHasher hasher = create(stream.Length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(FileBufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, FileBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
                progress?.Report(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return hasher.FinishHex();
    }

    private static bool IsHex(string? value, int length)
    {
        if (value is null || value.Length != length)
            return false;
        foreach (char c in value)
        {
            if (!char.IsAsciiHexDigit(c))
                return false;
        }
        return true;
    }
}
