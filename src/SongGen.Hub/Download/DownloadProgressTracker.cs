namespace SongGen.Hub;

/// <summary>
/// Turns byte counts from many concurrent transfers into <see cref="DownloadEvent"/>s: per-file and aggregate bytes,
/// speed over a sliding window and ETA. File byte counts are set, not summed, so a retried range or a restarted file
/// corrects the aggregate instead of inflating it. Progress events are throttled; state changes are always sent.
/// </summary>
internal sealed class DownloadProgressTracker
{
    private static readonly TimeSpan SpeedWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);

    private readonly IProgress<DownloadEvent>? _sink;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Bytes, long Total)> _files = new(StringComparer.Ordinal);
    private readonly Queue<(long Ticks, long Bytes)> _samples = new();
    private long _totalExpected;
    private long _doneBytes;          // bytes of files that completed or were skipped
    private long _activeBytes;        // sum of bytes on disk of files in flight
    private int _filesDone;
    private int _filesTotal;
    private long _lastEmitTicks = long.MinValue;

    public DownloadProgressTracker(IProgress<DownloadEvent>? sink, TimeProvider time)
    {
        _sink = sink;
        _time = time;
    }

    public long TotalBytes
    {
        get { lock (_gate) return _doneBytes + _activeBytes; }
    }

    public void Planned(int files, long bytes)
    {
        lock (_gate)
        {
            _filesTotal = files;
            _totalExpected = bytes;
        }
        Emit(DownloadEventKind.Planned, null, 0, 0, null, force: true);
    }

    public void FileStarted(string path, long total, long alreadyOnDisk = 0)
    {
        lock (_gate)
        {
            // A file restarted over another transport replaces its earlier entry.
            if (_files.TryGetValue(path, out var earlier)) _activeBytes -= earlier.Bytes;
            _files[path] = (alreadyOnDisk, total);
            _activeBytes += alreadyOnDisk;
        }
        Emit(DownloadEventKind.FileStarted, path, alreadyOnDisk, total, null, force: true);
    }

    /// <summary>Sets how many bytes of the file are on disk now (may go down when a server forces a restart).</summary>
    public void FileBytes(string path, long bytes)
    {
        long total;
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out var state)) return;
            _activeBytes += bytes - state.Bytes;
            _files[path] = (bytes, state.Total);
            total = state.Total;
        }
        Emit(DownloadEventKind.FileProgress, path, bytes, total, null, force: false);
    }

    public void Retrying(string path, string reason) => Emit(DownloadEventKind.Retrying, path, CurrentBytes(path), CurrentTotal(path), reason, force: true);

    public void FileCompleted(string path)
    {
        long total;
        lock (_gate)
        {
            var state = _files.GetValueOrDefault(path);
            _files.Remove(path);
            _activeBytes -= state.Bytes;
            _doneBytes += state.Total;
            _filesDone++;
            total = state.Total;
        }
        Emit(DownloadEventKind.FileCompleted, path, total, total, null, force: true);
    }

    public void FileSkipped(string path, long size, string reason)
    {
        lock (_gate)
        {
            _doneBytes += size;
            _filesDone++;
        }
        Emit(DownloadEventKind.FileSkipped, path, size, size, reason, force: true);
    }

    public void FileFailed(string path, string reason)
    {
        lock (_gate)
        {
            if (_files.Remove(path, out var state)) _activeBytes -= state.Bytes;
        }
        Emit(DownloadEventKind.FileFailed, path, 0, 0, reason, force: true);
    }

    public void Completed() => Emit(DownloadEventKind.Completed, null, 0, 0, null, force: true);

    private long CurrentBytes(string path) { lock (_gate) return _files.GetValueOrDefault(path).Bytes; }
    private long CurrentTotal(string path) { lock (_gate) return _files.GetValueOrDefault(path).Total; }

    private void Emit(DownloadEventKind kind, string? path, long fileBytes, long fileTotal, string? message, bool force)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var total = _doneBytes + _activeBytes;
            _samples.Enqueue((now, total));
            while (_samples.Count > 2 && _time.GetElapsedTime(_samples.Peek().Ticks, now) > SpeedWindow) _samples.Dequeue();
            if (!force && _lastEmitTicks != long.MinValue && _time.GetElapsedTime(_lastEmitTicks, now) < MinInterval) return;
            _lastEmitTicks = now;
            var oldest = _samples.Peek();
            var seconds = _time.GetElapsedTime(oldest.Ticks, now).TotalSeconds;
            var speed = seconds > 0.05 ? (total - oldest.Bytes) / seconds : 0;
            double? eta = speed > 0 && _totalExpected > 0 ? Math.Max(0, _totalExpected - total) / speed : null;
            var evt = new DownloadEvent
            {
                Kind = kind, Path = path, FileBytes = fileBytes, FileTotal = fileTotal, TotalBytes = total, TotalExpected = _totalExpected,
                FilesDone = _filesDone, FilesTotal = _filesTotal, BytesPerSecond = Math.Max(0, speed), EtaSeconds = eta, Message = message,
            };
            // Reported under the lock: events reach the sink in the order their totals were taken, so they never go backwards.
            _sink?.Report(evt);
        }
    }
}
