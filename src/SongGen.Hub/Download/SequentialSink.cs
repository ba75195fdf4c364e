using System.Buffers;
using System.Threading.Channels;

namespace SongGen.Hub;

/// <summary>
/// Writes and hashes the chunks of a single-stream download on two threads of their own, so that reading the network,
/// writing the file and hashing all overlap: SHA-256 runs at about the speed of a fast link, and done in line it would
/// nearly double the time. Chunks stay in order; the sink owns (and returns) each pooled buffer pushed to it.
/// A write failure stops the download for good (it is not a network drop to resume).
/// </summary>
internal sealed class SequentialSink : IAsyncDisposable
{
    private const int QueuedChunks = 8;

    private readonly Channel<Chunk> _toWrite = NewQueue();
    private readonly Channel<Chunk>? _toHash;
    private readonly FileStream _file;
    private readonly ContentHasher? _hasher;
    private readonly Action<long> _onWritten;
    private readonly string _displayPath;
    private readonly Task _writer;
    private readonly Task _hashing;
    private long _written;

    public SequentialSink(FileStream file, long position, ContentHasher? hasher, Action<long> onWritten, string displayPath)
    {
        _file = file;
        _file.Position = position;
        _written = position;
        _hasher = hasher;
        _onWritten = onWritten;
        _displayPath = displayPath;
        _writer = StartThread(Write);
        if (hasher is not null)
        {
            _toHash = NewQueue();
            _hashing = StartThread(() => Hash(hasher));
        }
        else _hashing = Task.CompletedTask;
    }

    public async ValueTask PushAsync(byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var chunk = new Chunk(buffer, count, _toHash is null ? 1 : 2);
        try
        {
            await _toWrite.Writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            chunk.Release(_toHash is null ? 1 : 2);
            if (ex is ChannelClosedException) await ThrowStoppedAsync().ConfigureAwait(false);
            throw;
        }
        if (_toHash is null) return;
        try
        {
            await _toHash.Writer.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            chunk.Release(1);
            if (ex is ChannelClosedException) await ThrowStoppedAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until every chunk is written and hashed; returns the hex digest (null when not verifying).</summary>
    public async Task<string?> CompleteAsync()
    {
        _toWrite.Writer.TryComplete();
        _toHash?.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _hashing.ConfigureAwait(false);
        return _hasher?.FinishHex();
    }

    private async Task ThrowStoppedAsync()
    {
        await _writer.ConfigureAwait(false);
        throw new HubException($"Writing '{_displayPath}' stopped");
    }

    private void Write()
    {
        try
        {
            foreach (var chunk in Drain(_toWrite))
            {
                try
                {
                    // A plain write: this thread exists to do it, and a page-cache copy is faster than a thread-pool hop.
                    _file.Write(chunk.Buffer, 0, chunk.Count);
                }
                finally
                {
                    chunk.Release(1);
                }
                _written += chunk.Count;
                _onWritten(_written);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _toWrite.Writer.TryComplete(ex);
            _toHash?.Writer.TryComplete(); // the hasher just stops; the write error is the one to report
            throw new HubException($"Writing '{_displayPath}' to {_file.Name} failed: {ex.Message}", inner: ex);
        }
    }

    private void Hash(ContentHasher hasher)
    {
        foreach (var chunk in Drain(_toHash!))
        {
            try
            {
                hasher.Append(chunk.Buffer.AsSpan(0, chunk.Count));
            }
            finally
            {
                chunk.Release(1);
            }
        }
    }

    /// <summary>Blocking reads on a dedicated thread: CPU-bound work on a pool thread would starve socket continuations.</summary>
    private static IEnumerable<Chunk> Drain(Channel<Chunk> queue)
    {
        while (queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (queue.Reader.TryRead(out var chunk))
                yield return chunk;
    }

    private static Channel<Chunk> NewQueue() =>
        Channel.CreateBounded<Chunk>(new BoundedChannelOptions(QueuedChunks) { SingleReader = true, SingleWriter = true });

    private static Task StartThread(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        _toWrite.Writer.TryComplete();
        _toHash?.Writer.TryComplete();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (HubException)
        {
            // Already reported through PushAsync/CompleteAsync.
        }
        await _hashing.ConfigureAwait(false); // the hasher throws nothing of its own: it only appends to a hash
        while (_toWrite.Reader.TryRead(out var chunk)) chunk.Release(1);
        if (_toHash is not null)
            while (_toHash.Reader.TryRead(out var chunk)) chunk.Release(1);
        _hasher?.Dispose();
    }

    /// <summary>A pooled buffer shared by the writer and the hasher; back to the pool when both are done with it.</summary>
    private sealed class Chunk(byte[] buffer, int count, int users)
    {
        private int _users = users;

        public byte[] Buffer { get; } = buffer;
        public int Count { get; } = count;

        public void Release(int times)
        {
            if (Interlocked.Add(ref _users, -times) == 0) ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
