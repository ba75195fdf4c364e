namespace SongGen.Hub;

/// <summary>
/// Turns bytes hashed and sent by concurrent tasks into <see cref="UploadEvent"/>s. Sent bytes are kept per part and
/// set, not summed, so a part sent again after a failure restarts its own count instead of inflating the total.
/// Progress events are throttled; state changes always go out.
/// </summary>
internal sealed class UploadProgressTracker(IProgress<UploadEvent>? sink, TimeProvider time)
{
    private static readonly TimeSpan SpeedWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _parts = new(StringComparer.Ordinal);
    private readonly Queue<(long Ticks, long Bytes)> _samples = new();
    private long _hashTotal;
    private long _hashed;
    private long _sendTotal;
    private long _sent;
    private long _lastHashEmit = long.MinValue;
    private long _lastSendEmit = long.MinValue;

    public void Emit(UploadEvent e) => sink?.Report(e);

    public void Planned(int files, long bytes) => Emit(new UploadEvent { Kind = UploadEventKind.Planned, Files = files, Total = bytes });

    public void HashingPlanned(long bytes)
    {
        lock (_gate) _hashTotal = bytes;
    }

    public void Hashed(string path, long bytes)
    {
        UploadEvent? e;
        lock (_gate)
        {
            _hashed += bytes;
            e = Throttle(ref _lastHashEmit) ? new UploadEvent { Kind = UploadEventKind.Hashing, Path = path, Bytes = _hashed, Total = _hashTotal } : null;
        }
        if (e is not null) Emit(e);
    }

    public void SendPlanned(long bytes)
    {
        lock (_gate) _sendTotal += bytes;
    }

    /// <summary>The bytes of one part (or whole object) sent so far in its current attempt.</summary>
    public void PartProgress(string partKey, string path, long bytesSoFar)
    {
        UploadEvent? e;
        lock (_gate)
        {
            _parts.TryGetValue(partKey, out var before);
            _parts[partKey] = bytesSoFar;
            _sent += bytesSoFar - before;
            var now = time.GetTimestamp();
            _samples.Enqueue((now, _sent));
            while (_samples.Count > 2 && time.GetElapsedTime(_samples.Peek().Ticks, now) > SpeedWindow) _samples.Dequeue();
            e = Throttle(ref _lastSendEmit) ? Uploading(path) : null;
        }
        if (e is not null) Emit(e);
    }

    public void FileUploaded(string path)
    {
        UploadEvent e;
        lock (_gate) e = Uploading(path) with { Kind = UploadEventKind.FileUploaded };
        Emit(e);
    }

    public long BytesSent
    {
        get { lock (_gate) return _sent; }
    }

    private UploadEvent Uploading(string path)
    {
        double speed = 0;
        if (_samples.Count >= 2)
        {
            var (firstTicks, firstBytes) = _samples.Peek();
            var seconds = time.GetElapsedTime(firstTicks, time.GetTimestamp()).TotalSeconds;
            if (seconds > 0) speed = (_sent - firstBytes) / seconds;
        }
        double? eta = speed > 0 ? Math.Max(0, _sendTotal - _sent) / speed : null;
        return new UploadEvent { Kind = UploadEventKind.Uploading, Path = path, Bytes = _sent, Total = _sendTotal, BytesPerSecond = speed, EtaSeconds = eta };
    }

    private bool Throttle(ref long last)
    {
        var now = time.GetTimestamp();
        if (last != long.MinValue && time.GetElapsedTime(last, now) < MinInterval) return false;
        last = now;
        return true;
    }
}
