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
        _consumer = Task.Run(ConsumeAsync);
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

    private async Task ConsumeAsync()
    {
        try
        {
            await foreach (var (buffer, count) in _chunks.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await _file.WriteAsync(buffer.AsMemory(0, count)).ConfigureAwait(false);
                    _hasher?.Append(buffer.AsSpan(0, count));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                _written += count;
                _onWritten(_written);
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
