using System.Buffers;
using System.Net;
using System.Text.Json;

namespace SongGen.Hub;

/// <summary>What to fetch and where it lands once verified.</summary>
/// <param name="DisplayPath">Repo path, for progress and errors.</param>
/// <param name="Url">Resolve URL (redirects to the CDN are followed here, the token stays home).</param>
/// <param name="Etag">sha256 (LFS) or git blob sha1 (regular file) the bytes must hash to.</param>
/// <param name="FinalPath">Where the verified file is renamed to, atomically.</param>
/// <param name="TempBase">Path prefix of the partial files (<c>.incomplete</c> is appended).</param>
/// <param name="ContentAddressed">The final name is the hash (a cache blob): if it appeared meanwhile it already holds these bytes.</param>
internal sealed record BlobTarget(string DisplayPath, Uri Url, string Etag, long Size, string FinalPath, string TempBase, bool ContentAddressed);

/// <summary>
/// Fetches one file: streamed, resumable, hashed while it arrives and verified before it becomes visible.
/// Small files and servers without Range support use one connection that resumes from the bytes on disk
/// (<c>&lt;etag&gt;.incomplete</c>, the name older Python clients resume too). Large files are split into parts fetched
/// over several ranged connections into <c>&lt;etag&gt;.parallel.incomplete</c>, with the finished parts recorded beside it
/// so that a killed process redoes only unfinished parts. Python never touches those names.
/// </summary>
internal sealed class BlobFetcher(HubClient client, DownloadProgressTracker progress)
{
    private const int BufferSize = 1 << 20;
    private const int MinChunk = 512 << 10;
    private const int MaxRedirects = 5;
    private const int MaxTotalResumes = 200;

    private HubClientOptions Options => client.Options;
    private HubDownloadOptions Download => client.Options.Download;
    private TimeProvider Time => client.Options.TimeProvider;

    public async Task FetchAsync(BlobTarget target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target.FinalPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(target.TempBase)!);
        var parallel = target.Size >= Download.ParallelThreshold && Download.ConnectionsPerFile > 1 && Download.PartSize > 0;
        if (parallel && await TryParallelAsync(target, cancellationToken).ConfigureAwait(false)) return;
        await SequentialAsync(target, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- one connection, resume from the bytes on disk

    private async Task SequentialAsync(BlobTarget target, CancellationToken cancellationToken)
    {
        try
        {
            await SequentialCoreAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Keep a partial only when it holds bytes worth resuming from, and never after the bytes proved wrong.
            var temp = target.TempBase + ".incomplete";
            if (ex is DownloadIntegrityException || (File.Exists(temp) && new FileInfo(temp).Length == 0)) HubCacheLayout.TryDelete(temp);
            throw;
        }
    }

    private async Task SequentialCoreAsync(BlobTarget target, CancellationToken cancellationToken)
    {
        var temp = target.TempBase + ".incomplete";
        await using (var file = new FileStream(temp, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous))
        {
            var position = file.Length;
            if (position > target.Size) position = 0;
            file.SetLength(position);
            var hasher = NewHasher(target);
            if (position > 0) await HashExistingAsync(file, position, hasher, cancellationToken).ConfigureAwait(false);
            progress.FileStarted(target.DisplayPath, target.Size, position);
            // Network reads go on while the sink writes and hashes the previous chunks on another core.
            var sink = new SequentialSink(file, position, hasher, written => progress.FileBytes(target.DisplayPath, written), target.DisplayPath);
            try
            {
                var uri = target.Url;
                var attemptsWithoutProgress = 0;
                var totalResumes = 0;
                while (true)
                {
                    var before = position;
                    try
                    {
                        using var response = await SendAsync(uri, position, null, target, cancellationToken).ConfigureAwait(false);
                        uri = response.RequestMessage!.RequestUri!;
                        if (response.StatusCode == HttpStatusCode.OK && position > 0)
                        {
                            // The server ignored Range: start over from byte zero rather than append a second copy.
                            await sink.DisposeAsync().ConfigureAwait(false);
                            position = 0;
                            file.SetLength(0);
                            sink = new SequentialSink(file, 0, NewHasher(target), written => progress.FileBytes(target.DisplayPath, written), target.DisplayPath);
                            progress.FileBytes(target.DisplayPath, 0);
                        }
                        else if (response.StatusCode == HttpStatusCode.PartialContent)
                            CheckContentRange(response, position, target);
                        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                        position = await CopyBodyAsync(body, position, target, cancellationToken,
                            async (buffer, count, at) =>
                            {
                                await sink.PushAsync(buffer, count, cancellationToken).ConfigureAwait(false);
                                // Track what is handed to the sink as it lands: a cut mid-body must resume (and hash) from here.
                                position = at + count;
                            }).ConfigureAwait(false);
                        if (position == target.Size) break;
                        throw new IOException($"the body ended after {position} of {target.Size} bytes");
                    }
                    catch (Exception ex) when (IsResumable(ex, cancellationToken))
                    {
                        attemptsWithoutProgress = position > before ? 1 : attemptsWithoutProgress + 1;
                        if (attemptsWithoutProgress > Download.MaxResumeAttempts || ++totalResumes > MaxTotalResumes)
                            throw new HubException($"Download of '{target.DisplayPath}' failed after {totalResumes} resumes at byte {position} of {target.Size}: {ex.Message}", inner: ex);
                        progress.Retrying(target.DisplayPath, $"connection lost at byte {position} ({ex.Message}); resuming");
                    }
                }
                var digest = await sink.CompleteAsync().ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                Verify(target, digest, temp, file.Length);
            }
            finally
            {
                await sink.DisposeAsync().ConfigureAwait(false);
            }
        }
        Publish(temp, target);
    }

    // ---------------------------------------------------------------- several ranged connections

    /// <summary>Returns false when the server turns out not to honour Range, so the caller falls back to one stream.</summary>
    private async Task<bool> TryParallelAsync(BlobTarget target, CancellationToken cancellationToken)
    {
        try
        {
            return await TryParallelCoreAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Keep the partial only with finished parts to resume from; drop both after the bytes proved wrong; never
            // leave a parts record without its data.
            var temp = target.TempBase + ".parallel.incomplete";
            var statePath = temp + ".parts";
            if (ex is DownloadIntegrityException || !File.Exists(statePath)) HubCacheLayout.TryDelete(temp);
            if (!File.Exists(temp)) HubCacheLayout.TryDelete(statePath);
            throw;
        }
    }

    private async Task<bool> TryParallelCoreAsync(BlobTarget target, CancellationToken cancellationToken)
    {
        var temp = target.TempBase + ".parallel.incomplete";
        var statePath = temp + ".parts";
        var partSize = EffectivePartSize(target.Size);
        var partCount = (int)((target.Size + partSize - 1) / partSize);
        // Bytes written contiguously from each part's start: the hasher follows the first unfinished part as it streams.
        var partWritten = new long[partCount];
        var done = LoadDoneParts(statePath, temp, target.Size, partSize, partCount);
        var doneBytes = Enumerable.Range(0, partCount).Where(i => done[i]).Sum(i => PartLength(i, partSize, target.Size));
        progress.FileStarted(target.DisplayPath, target.Size, doneBytes);

        using var hasher = NewHasher(target);
        var bytesOnDisk = doneBytes;
        var stateGate = new Lock();
        using var partFinished = new SemaphoreSlim(0);
        using var cancelAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rangeIgnored = false;

        using (var handle = File.OpenHandle(temp, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous))
        {
            if (RandomAccess.GetLength(handle) != target.Size) RandomAccess.SetLength(handle, target.Size);

            int FirstUnfinished()
            {
                lock (stateGate) return Array.IndexOf(done, false);
            }

            // The first request also resolves the redirect to the CDN once; every part then goes straight there.
            var location = target.Url;
            var pending = new Queue<int>(Enumerable.Range(0, partCount).Where(i => !done[i]));

            async Task Worker()
            {
                {
                    while (true)
                    {
                        int part;
                        lock (stateGate)
                        {
                            if (rangeIgnored || !pending.TryDequeue(out part)) return;
                        }
                        var ok = await FetchPartAsync(part).ConfigureAwait(false);
                        if (!ok) return;
                        lock (stateGate)
                        {
                            done[part] = true;
                            SaveDoneParts(statePath, target.Size, partSize, done);
                        }
                        partFinished.Release();
                    }
                }

                async Task<bool> FetchPartAsync(int part)
                {
                    var start = part * partSize;
                    var end = start + PartLength(part, partSize, target.Size) - 1;
                    var offset = start;
                    var attemptsWithoutProgress = 0;
                    var resumes = 0;
                    while (true)
                    {
                        var before = offset;
                        try
                        {
                            using var response = await SendAsync(Volatile.Read(ref location), offset, end, target, cancelAll.Token).ConfigureAwait(false);
                            Volatile.Write(ref location, response.RequestMessage!.RequestUri!);
                            if (response.StatusCode != HttpStatusCode.PartialContent)
                            {
                                lock (stateGate) rangeIgnored = true;
                                return false;
                            }
                            CheckContentRange(response, offset, target, end);
                            await using var body = await response.Content.ReadAsStreamAsync(cancelAll.Token).ConfigureAwait(false);
                            offset = await CopyBodyAsync(body, offset, target with { Size = end + 1 }, cancelAll.Token,
                                async (chunk, count, at) =>
                                {
                                    try
                                    {
                                        // A plain positioned write: a page-cache copy costs less than an async hop.
                                        RandomAccess.Write(handle, chunk.AsSpan(0, count), at);
                                    }
                                    finally
                                    {
                                        ArrayPool<byte>.Shared.Return(chunk);
                                    }
                                    // A cut part resumes from here, so its bytes are neither fetched nor counted twice.
                                    offset = at + count;
                                    Volatile.Write(ref partWritten[part], offset - start);
                                    if (part == FirstUnfinished()) partFinished.Release();
                                    progress.FileBytes(target.DisplayPath, Interlocked.Add(ref bytesOnDisk, count));
                                }).ConfigureAwait(false);
                            if (offset == end + 1) return true;
                            throw new IOException($"part {part} ended after {offset - start} of {end + 1 - start} bytes");
                        }
                        catch (Exception ex) when (IsResumable(ex, cancelAll.Token))
                        {
                            attemptsWithoutProgress = offset > before ? 1 : attemptsWithoutProgress + 1;
                            if (attemptsWithoutProgress > Download.MaxResumeAttempts || ++resumes > MaxTotalResumes)
                                throw new HubException($"Download of '{target.DisplayPath}' failed at byte {offset} of {target.Size} after {resumes} resumes: {ex.Message}", inner: ex);
                            progress.Retrying(target.DisplayPath, $"connection lost at byte {offset} ({ex.Message}); resuming");
                        }
                    }
                }
            }

            // Hash the contiguous finished prefix while later parts still stream (reads hit the page cache). It runs on a
            // thread of its own: CPU-bound hashing on a pool thread would starve the socket continuations.
            void HashInOrder()
            {
                if (hasher is null) return;
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    long hashed = 0;
                    while (hashed < target.Size)
                    {
                        long contiguousEnd;
                        lock (stateGate)
                        {
                            if (rangeIgnored) return;
                            var firstMissing = Array.IndexOf(done, false);
                            contiguousEnd = firstMissing < 0 ? target.Size : firstMissing * partSize + Volatile.Read(ref partWritten[firstMissing]);
                        }
                        while (hashed < contiguousEnd)
                        {
                            var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(BufferSize, contiguousEnd - hashed)), hashed);
                            if (n == 0) throw new IOException($"'{temp}' is shorter than expected");
                            hasher.Append(buffer.AsSpan(0, n));
                            hashed += n;
                        }
                        if (hashed < target.Size) partFinished.Wait(cancelAll.Token);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            async Task WorkerOrCancelAll()
            {
                try
                {
                    await Worker().ConfigureAwait(false);
                }
                catch
                {
                    // One part failing for good fails the file: stop the other connections now.
                    await cancelAll.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }

            var workers = Enumerable.Range(0, Math.Max(1, Math.Min(Download.ConnectionsPerFile, pending.Count)))
                .Select(_ => Task.Run(WorkerOrCancelAll, CancellationToken.None)).ToList();
            var hashing = Task.Factory.StartNew(HashInOrder, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            catch
            {
                await cancelAll.CancelAsync().ConfigureAwait(false);
                await hashing.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                // Report the failure that stopped the others, not the cancellations it caused.
                var cause = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!)
                    .FirstOrDefault(e => e is not OperationCanceledException);
                if (cause is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
                throw;
            }
            partFinished.Release();
            if (rangeIgnored)
            {
                await cancelAll.CancelAsync().ConfigureAwait(false);
                await hashing.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            else
            {
                await hashing.ConfigureAwait(false);
                RandomAccess.FlushToDisk(handle);
            }
        }

        if (rangeIgnored)
        {
            File.Delete(temp);
            File.Delete(statePath);
            progress.Retrying(target.DisplayPath, "the server ignores Range requests; downloading over one connection");
            return false;
        }
        Verify(target, hasher?.FinishHex(), temp, new FileInfo(temp).Length);
        Publish(temp, target);
        File.Delete(statePath);
        return true;
    }

    private static long PartLength(int part, long partSize, long size) => Math.Min(partSize, size - part * partSize);

    /// <summary>
    /// At most <see cref="HubDownloadOptions.PartSize"/>, but small enough that each connection takes about four parts.
    /// SHA-256 needs the bytes in order, and the hasher can only run ahead once the first unfinished part is done: with
    /// one wave of large parts it would hash the whole file after the last byte arrived.
    /// </summary>
    private long EffectivePartSize(long size)
    {
        const long MiB = 1 << 20;
        var wanted = (size + Download.ConnectionsPerFile * 4L - 1) / (Download.ConnectionsPerFile * 4L);
        var rounded = (wanted + MiB - 1) / MiB * MiB;
        return Math.Clamp(rounded, Math.Min(MiB, Download.PartSize), Download.PartSize);
    }

    private sealed record PartsState(long Size, long PartSize, bool[] Done);

    /// <summary>Finished parts from an earlier run, trusted only if the sizes match and the partial file is still there.</summary>
    private static bool[] LoadDoneParts(string statePath, string temp, long size, long partSize, int partCount)
    {
        try
        {
            if (File.Exists(statePath) && File.Exists(temp) && new FileInfo(temp).Length == size)
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(statePath));
                var root = doc.RootElement;
                if (root.GetProperty("size").GetInt64() == size && root.GetProperty("part_size").GetInt64() == partSize)
                {
                    var done = new bool[partCount];
                    foreach (var index in root.GetProperty("done").EnumerateArray())
                    {
                        var i = index.GetInt32();
                        if (i >= 0 && i < partCount) done[i] = true;
                    }
                    return done;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // A damaged state file only costs a fresh start.
        }
        return new bool[partCount];
    }

    private static void SaveDoneParts(string statePath, long size, long partSize, bool[] done)
    {
        var tmp = statePath + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("size", size);
            writer.WriteNumber("part_size", partSize);
            writer.WriteStartArray("done");
            for (var i = 0; i < done.Length; i++)
                if (done[i]) writer.WriteNumberValue(i);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        File.Move(tmp, statePath, overwrite: true);
    }

    // ---------------------------------------------------------------- shared pieces

    /// <summary>GET with an optional range, following redirects by hand: relative ones on the Hub, absolute ones to the CDN (token stripped by the pipeline).</summary>
    private async Task<HttpResponseMessage> SendAsync(Uri uri, long from, long? to, BlobTarget target, CancellationToken cancellationToken)
    {
        for (var hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (from > 0 || to is not null) request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, to);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (HubClient.IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= MaxRedirects) throw new HubProtocolException($"Too many redirects downloading '{target.DisplayPath}'");
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            await HubErrorMapper.EnsureSuccessAsync(response, $"'{target.DisplayPath}'", cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentEncoding.Count > 0 && !response.Content.Headers.ContentEncoding.Contains("identity"))
            {
                response.Dispose();
                throw new HubProtocolException($"The server compressed '{target.DisplayPath}' although identity was asked for");
            }
            return response;
        }
    }

    /// <summary>
    /// Streams a body chunk by chunk into <paramref name="consume"/>, which takes ownership of each pooled buffer. Refuses
    /// bytes beyond the expected end; a read that delivers nothing within the stall timeout counts as a dropped connection.
    /// </summary>
    private async Task<long> CopyBodyAsync(Stream body, long position, BlobTarget target, CancellationToken cancellationToken,
        Func<byte[], int, long, ValueTask> consume)
    {
        using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        while (true)
        {
            stall.CancelAfter(Options.StallTimeout);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            var n = 0;
            var ended = false;
            try
            {
                // Fill most of the buffer before handing it on: sockets deliver 16-64 KiB per read, and each hand-over
                // (a write, a hash call, a queue slot) costs the same whatever its size.
                while (n < MinChunk)
                {
                    var read = await body.ReadAsync(buffer.AsMemory(n, BufferSize - n), linked.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        ended = true;
                        break;
                    }
                    n += read;
                    stall.CancelAfter(Options.StallTimeout);
                }
                if (n > 0 && position + n > target.Size)
                    throw new DownloadIntegrityException(
                        $"'{target.DisplayPath}': the server sent more than the {target.Size} bytes the Hub announced; nothing was kept");
            }
            catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await HandOverPartialAsync().ConfigureAwait(false);
                throw new IOException($"no data for {Options.StallTimeout.TotalSeconds:0} s");
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // A cut connection: keep what did arrive, so the resume starts after it.
                await HandOverPartialAsync().ConfigureAwait(false);
                throw;
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
            if (n == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return position;
            }
            await consume(buffer, n, position).ConfigureAwait(false);
            position += n;
            if (ended) return position;
            continue;

            async Task HandOverPartialAsync()
            {
                if (n > 0 && position + n <= target.Size)
                {
                    await consume(buffer, n, position).ConfigureAwait(false);
                    position += n;
                }
                else ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void CheckContentRange(HttpResponseMessage response, long start, BlobTarget target, long? end = null)
    {
        var range = response.Content.Headers.ContentRange;
        if (range is null || range.From != start || (range.Length is { } total && total != target.Size) || (end is { } e && range.To != e))
            throw new HubProtocolException(
                $"'{target.DisplayPath}': asked for bytes {start}-{end?.ToString() ?? ""} of {target.Size}, the server answered Content-Range '{range}'");
    }

    private bool IsResumable(Exception ex, CancellationToken cancellationToken) => !cancellationToken.IsCancellationRequested && ex switch
    {
        HttpRequestException or IOException => true,
        HubServerException or RateLimitedException => true,
        OperationCanceledException => true,
        _ => false,
    };

    private ContentHasher? NewHasher(BlobTarget target) =>
        Download.VerifyHashes && (ContentHasher.IsSha256Etag(target.Etag) || ContentHasher.IsGitSha1(target.Etag))
            ? ContentHasher.ForEtag(target.Etag, target.Size)
            : null;

    private static async Task HashExistingAsync(FileStream file, long length, ContentHasher? hasher, CancellationToken cancellationToken)
    {
        if (hasher is null) return;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            file.Position = 0;
            long hashed = 0;
            while (hashed < length)
            {
                var n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, length - hashed)), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                hasher.Append(buffer.AsSpan(0, n));
                hashed += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Size and hash must match; a mismatch deletes the partial file so the next run starts clean and nothing corrupt is visible.</summary>
    private static void Verify(BlobTarget target, string? digest, string temp, long length)
    {
        if (length != target.Size)
        {
            File.Delete(temp);
            throw new DownloadIntegrityException($"'{target.DisplayPath}': received {length} bytes, the Hub announced {target.Size}; nothing was kept");
        }
        if (digest is null) return;
        if (!string.Equals(digest, target.Etag, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(temp);
            var kind = ContentHasher.IsSha256Etag(target.Etag) ? "sha256" : "git blob sha1";
            throw new DownloadIntegrityException(
                $"'{target.DisplayPath}': {kind} of the downloaded bytes is {digest}, expected {target.Etag}; the corrupt download was deleted");
        }
    }

    private static void Publish(string temp, BlobTarget target)
    {
        if (target.ContentAddressed && File.Exists(target.FinalPath))
        {
            File.Delete(temp);
            return;
        }
        File.Move(temp, target.FinalPath, overwrite: true);
    }
}
