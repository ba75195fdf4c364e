using System.Security.Cryptography;

namespace SongGen.Hub.Emulator.Store;

/// <summary>Damage to one upload: reset the connection after this many request bytes, and/or read at this rate.</summary>
internal sealed record UploadFaults(long? CutAfter, long? BytesPerSecond)
{
    public static readonly UploadFaults None = new(null, null);
}

/// <summary>How receiving an upload ended.</summary>
internal enum UploadOutcome
{
    Stored,
    /// <summary>A fault cut the connection after the planned number of bytes; nothing was kept.</summary>
    Cut,
    /// <summary>The body had another length than announced; nothing was kept.</summary>
    WrongSize,
    /// <summary>The bytes do not hash to the announced SHA-256; nothing was kept.</summary>
    WrongHash,
}

/// <summary>
/// Receives LFS uploads into the object store: a whole object in one PUT, or the parts of a multipart upload (kept
/// under <c>objects/tmp/uploads/{uploadId}/</c>) joined on completion. An object becomes visible only once all its
/// bytes arrived and hash to its SHA-256, so an interrupted upload leaves nothing behind that a batch call would
/// report as stored.
/// </summary>
internal sealed class LfsUploads(ObjectStore objects)
{
    private const int BufferSize = 1 << 20;

    public async Task<UploadOutcome> ReceiveObjectAsync(Stream body, string sha256, long size, UploadFaults faults, CancellationToken ct)
    {
        var temp = objects.NewTempPath();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var (outcome, received) = await CopyAsync(body, temp, hash, size, faults, ct);
            if (outcome != UploadOutcome.Stored)
            {
                return outcome;
            }
            if (received != size)
            {
                return UploadOutcome.WrongSize;
            }
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != sha256)
            {
                return UploadOutcome.WrongHash;
            }
            objects.MoveIntoPlace(temp, sha256);
            objects.MarkLfs(sha256);
            return UploadOutcome.Stored;
        }
        finally
        {
            File.Delete(temp); // no-op once moved
        }
    }

    /// <summary>Stores one part; returns its ETag (the MD5 of the part, quoted, like S3) when stored.</summary>
    public async Task<(UploadOutcome Outcome, string? ETag)> ReceivePartAsync(Stream body, string uploadId, int partNumber,
        long expectedLength, UploadFaults faults, CancellationToken ct)
    {
        var folder = objects.UploadFolder(uploadId);
        Directory.CreateDirectory(folder);
        var temp = objects.NewTempPath();
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var (outcome, received) = await CopyAsync(body, temp, md5, expectedLength, faults, ct);
            if (outcome != UploadOutcome.Stored)
            {
                return (outcome, null);
            }
            if (received != expectedLength)
            {
                return (UploadOutcome.WrongSize, null);
            }
            var etag = "\"" + Convert.ToHexStringLower(md5.GetHashAndReset()) + "\"";
            File.Move(temp, PartPath(folder, partNumber), overwrite: true);
            await File.WriteAllTextAsync(PartPath(folder, partNumber) + ".etag", etag, ct);
            return (UploadOutcome.Stored, etag);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Joins parts 1..<paramref name="partCount"/> when the client's ETags match the stored ones; null when they all
    /// check out and the object is stored, else the reason.
    /// </summary>
    public async Task<string?> CompleteAsync(string uploadId, string sha256, long size, int partCount,
        IReadOnlyDictionary<int, string> clientETags, CancellationToken ct)
    {
        if (objects.LfsSize(sha256) == size)
        {
            return null; // a retried completion (its first answer was lost): the object is already whole
        }
        var folder = objects.UploadFolder(uploadId);
        for (var part = 1; part <= partCount; part++)
        {
            var path = PartPath(folder, part);
            if (!File.Exists(path))
            {
                return $"Part {part} of {partCount} was never uploaded.";
            }
            var stored = (await File.ReadAllTextAsync(path + ".etag", ct)).Trim('"');
            if (!clientETags.TryGetValue(part, out var given) || given.Trim().Trim('"') != stored)
            {
                return $"The ETag given for part {part} does not match the uploaded part.";
            }
        }
        var temp = objects.NewTempPath();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                for (var part = 1; part <= partCount; part++)
                {
                    await using var source = new FileStream(PartPath(folder, part), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous);
                    var (_, received) = await CopyAsync(source, target, hash, long.MaxValue, UploadFaults.None, ct);
                    total += received;
                }
            }
            if (total != size)
            {
                return $"The parts add up to {total} bytes, not {size}.";
            }
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != sha256)
            {
                return $"The parts do not hash to {sha256}.";
            }
            objects.MoveIntoPlace(temp, sha256);
            objects.MarkLfs(sha256);
            Directory.Delete(folder, recursive: true);
            return null;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string PartPath(string folder, int partNumber) => Path.Combine(folder, partNumber.ToString("D5", System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<(UploadOutcome, long)> CopyAsync(Stream source, string targetPath, IncrementalHash hash, long limit, UploadFaults faults, CancellationToken ct)
    {
        await using var target = new FileStream(targetPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        return await CopyAsync(source, target, hash, limit, faults, ct);
    }

    /// <summary>
    /// Copies while hashing, reading at most one byte past <paramref name="limit"/> (to notice a body that is too long)
    /// and applying the faults: stop after <see cref="UploadFaults.CutAfter"/> bytes, read at <see cref="UploadFaults.BytesPerSecond"/>.
    /// </summary>
    private static async Task<(UploadOutcome, long)> CopyAsync(Stream source, Stream target, IncrementalHash hash, long limit, UploadFaults faults, CancellationToken ct)
    {
        var buffer = new byte[faults.BytesPerSecond is { } rate ? (int)Math.Clamp(rate / 20, 1, BufferSize) : BufferSize];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long total = 0;
        while (true)
        {
            var want = buffer.Length;
            if (faults.CutAfter is { } cut)
            {
                if (total >= cut)
                {
                    return (UploadOutcome.Cut, total);
                }
                want = (int)Math.Min(want, cut - total);
            }
            var read = await source.ReadAsync(buffer.AsMemory(0, want), ct);
            if (read == 0)
            {
                return (UploadOutcome.Stored, total);
            }
            hash.AppendData(buffer, 0, read);
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
            total += read;
            if (total > limit)
            {
                return (UploadOutcome.WrongSize, total);
            }
            if (faults.BytesPerSecond is { } bytesPerSecond && TimeSpan.FromSeconds((double)total / bytesPerSecond) - clock.Elapsed is var due && due > TimeSpan.Zero)
            {
                await Task.Delay(due, ct);
            }
        }
    }
}
