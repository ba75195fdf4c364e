using System.Buffers;
using System.Threading.Channels;

namespace SongGen.Hub;

/// <summary>
/// Writes and hashes the chunks of a single-stream download on its own task, so that reading the network, writing the
/// file and hashing overlap. Chunks stay in order; the sink owns (and returns) each pooled buffer pushed to it.
/// A write failure stops the download for good (it is not a network drop to resume).
/// </summary>
internal sealed class SequentialSink : IAsyncDisposable
{
    private const int QueuedChunks = 8;

    private readonly Channel<(byte[] Buffer, int Count)> _chunks =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(QueuedChunks) { SingleReader = true, SingleWriter = true });
    private readonly FileStream _file;
    private readonly ContentHasher? _hasher;
    private readonly Action<long> _onWritten;
    private readonly string _displayPath;
    private readonly Task _consumer;
    private long _written;

    public SequentialSink(FileStream file, long position, ContentHasher? hasher, Action<long> onWritten, string displayPath)
    {
        _file = file;
        _file.Position = position;
        _written = position;
        _hasher = hasher;
        _onWritten = onWritten;
        _displayPath = displayPath;
        _consumer = Task.Factory.StartNew(Consume, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public async ValueTask PushAsync(byte[] buffer, int count, CancellationToken cancellationToken)
    {
        try
        {
            await _chunks.Writer.WriteAsync((buffer, count), cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await _consumer.ConfigureAwait(false);
            throw new HubException($"Writing '{_displayPath}' stopped");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Waits until every chunk is written and hashed; returns the hex digest (null when not verifying).</summary>
    public async Task<string?> CompleteAsync()
    {
        _chunks.Writer.TryComplete();
        await _consumer.ConfigureAwait(false);
        return _hasher?.FinishHex();
    }

    /// <summary>
    /// Runs on a thread of its own: hashing is CPU-bound, and on a pool thread it would starve the socket continuations
    /// of this download and of everything else in the process.
    /// </summary>
    private void Consume()
    {
        try
        {
            while (_chunks.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (_chunks.Reader.TryRead(out var chunk))
                {
                    try
                    {
                        _file.Write(chunk.Buffer, 0, chunk.Count);
                        _hasher?.Append(chunk.Buffer.AsSpan(0, chunk.Count));
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                    }
                    _written += chunk.Count;
                    _onWritten(_written);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _chunks.Writer.TryComplete(ex);
            throw new HubException($"Writing '{_displayPath}' to {_file.Name} failed: {ex.Message}", inner: ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _chunks.Writer.TryComplete();
        try
        {
            await _consumer.ConfigureAwait(false);
        }
        catch (HubException)
        {
            // Already reported through PushAsync/CompleteAsync.
        }
        while (_chunks.Reader.TryRead(out var chunk)) ArrayPool<byte>.Shared.Return(chunk.Buffer);
        _hasher?.Dispose();
    }
}
