using System.Buffers;
using System.Net;

namespace SongGen.Hub;

/// <summary>
/// A request body of <paramref name="length"/> bytes from <paramref name="offset"/> of a re-openable source. Each send
/// opens the source afresh, so a retried PUT sends the same bytes again; <paramref name="onProgress"/> gets the bytes
/// written so far in the current send.
/// </summary>
internal sealed class SliceContent(Func<Stream> open, long offset, long length, Action<long>? onProgress) : HttpContent
{
    private const int BufferSize = 256 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        onProgress?.Invoke(0);
        await using var source = open();
        if (offset > 0) source.Seek(offset, SeekOrigin.Begin);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long written = 0;
            while (written < length)
            {
                var want = (int)Math.Min(BufferSize, length - written);
                var read = await source.ReadAsync(buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                if (read == 0) throw new IOException($"The file to upload became shorter while it was sent ({written + offset} of {offset + length} bytes)");
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                written += read;
                onProgress?.Invoke(written);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long result)
    {
        result = length;
        return true;
    }
}
