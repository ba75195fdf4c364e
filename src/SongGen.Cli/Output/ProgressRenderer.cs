using System.Text;
using System.Text.Json;
using SongGen.Hub;

namespace SongGen.Cli.Output;

/// <summary>
/// Shows download progress. On a terminal: a live block with one line per active file and a total line (bytes, speed,
/// ETA), redrawn in place. Otherwise: one line per finished file and a total line every few seconds. With <c>--json</c>:
/// one JSON event per line on standard output (hfdownloader style), for scripts and the TUI.
/// </summary>
internal sealed class ProgressRenderer : IProgress<DownloadEvent>, IDisposable
{
    private const int MaxFileLines = 8;
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(150);

    private readonly TextWriter _writer;
    private readonly ProgressMode _mode;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DownloadEvent> _active = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private DownloadEvent? _last;
    private int _linesDrawn;
    private long _lastDraw;

    public ProgressRenderer(TextWriter writer, ProgressMode mode, TimeProvider? time = null)
    {
        _writer = writer;
        _mode = mode;
        _time = time ?? TimeProvider.System;
        _lastDraw = _time.GetTimestamp();
    }

    public void Report(DownloadEvent value)
    {
        lock (_gate)
        {
            switch (_mode)
            {
                case ProgressMode.Json:
                    _writer.WriteLine(JsonSerializer.Serialize(value, DownloadEventJsonContext.Default.DownloadEvent));
                    _writer.Flush();
                    return;
                case ProgressMode.Quiet:
                    return;
            }
            _last = value;
            if (value.Path is { } path)
            {
                if (value.Kind is DownloadEventKind.FileStarted or DownloadEventKind.FileProgress or DownloadEventKind.Retrying) _active[path] = value;
                else _active.Remove(path);
            }
            if (_mode == ProgressMode.Live) Live(value);
            else Plain(value);
        }
    }

    private void Plain(DownloadEvent e)
    {
        switch (e.Kind)
        {
            case DownloadEventKind.Planned:
                _writer.WriteLine($"Fetching {e.FilesTotal} file(s), {Units.Bytes(e.TotalExpected)}");
                break;
            case DownloadEventKind.FileCompleted:
                _writer.WriteLine($"  done     {e.Path} ({Units.Bytes(e.FileTotal)})");
                break;
            case DownloadEventKind.FileSkipped:
                _writer.WriteLine($"  present  {e.Path} ({Units.Bytes(e.FileTotal)}): {e.Message}");
                break;
            case DownloadEventKind.Retrying:
                _writer.WriteLine($"  retry    {e.Path}: {e.Message}");
                break;
            case DownloadEventKind.FileFailed:
                _writer.WriteLine($"  FAILED   {e.Path}: {e.Message}");
                break;
            case DownloadEventKind.Completed:
                _writer.WriteLine(TotalLine(e));
                break;
            default:
                if (_time.GetElapsedTime(_lastDraw) >= PlainInterval)
                {
                    _lastDraw = _time.GetTimestamp();
                    _writer.WriteLine(TotalLine(e));
                }
                break;
        }
        _writer.Flush();
    }

    private void Live(DownloadEvent e)
    {
        var stateChange = e.Kind is not DownloadEventKind.FileProgress;
        if (!stateChange && _time.GetElapsedTime(_lastDraw) < LiveInterval) return;
        _lastDraw = _time.GetTimestamp();
        var text = new StringBuilder();
        if (_linesDrawn > 0) text.Append($"\u001b[{_linesDrawn}F");
        // Lines that scroll away (finished files, retries) are printed above the live block.
        switch (e.Kind)
        {
            case DownloadEventKind.FileCompleted: text.Append($"\u001b[2K  done     {e.Path} ({Units.Bytes(e.FileTotal)})\n"); break;
            case DownloadEventKind.FileSkipped: text.Append($"\u001b[2K  present  {e.Path} ({Units.Bytes(e.FileTotal)})\n"); break;
            case DownloadEventKind.Retrying: text.Append($"\u001b[2K  retry    {e.Path}: {e.Message}\n"); break;
            case DownloadEventKind.FileFailed: text.Append($"\u001b[2K  FAILED   {e.Path}: {e.Message}\n"); break;
        }
        var lines = new List<string>();
        if (e.Kind != DownloadEventKind.Completed)
        {
            foreach (var file in _active.Values.OrderBy(f => f.Path, StringComparer.Ordinal).Take(MaxFileLines))
                lines.Add($"  {Bar(file.FileBytes, file.FileTotal, 20)} {Shorten(file.Path!, 40),-40} {Units.Bytes(file.FileBytes),10} / {Units.Bytes(file.FileTotal)}");
            if (_active.Count > MaxFileLines) lines.Add($"  … and {_active.Count - MaxFileLines} more");
        }
        lines.Add(TotalLine(_last ?? e));
        foreach (var line in lines) text.Append("\u001b[2K").Append(line).Append('\n');
        // Clear what is left of a taller previous block.
        for (var i = lines.Count; i < _linesDrawn; i++) text.Append("\u001b[2K\n");
        var drawn = Math.Max(lines.Count, _linesDrawn);
        if (drawn > lines.Count) text.Append($"\u001b[{drawn - lines.Count}F");
        _linesDrawn = lines.Count;
        _writer.Write(text.ToString());
        _writer.Flush();
    }

    private static string TotalLine(DownloadEvent e)
    {
        var percent = e.TotalExpected > 0 ? 100.0 * e.TotalBytes / e.TotalExpected : 100;
        return $"Total {Bar(e.TotalBytes, e.TotalExpected, 30)} {percent,5:0.0}%  {Units.Bytes(e.TotalBytes)} / {Units.Bytes(e.TotalExpected)}  "
               + $"{Units.Speed(e.BytesPerSecond)}  ETA {Units.Duration(e.EtaSeconds)}  files {e.FilesDone}/{e.FilesTotal}";
    }

    private static string Bar(long done, long total, int width)
    {
        var filled = total > 0 ? (int)Math.Clamp(width * done / total, 0, width) : width;
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }

    private static string Shorten(string path, int width) => path.Length <= width ? path : "…" + path[^(width - 1)..];

    public void Dispose()
    {
        lock (_gate)
        {
            if (_mode == ProgressMode.Live && _linesDrawn > 0) _writer.Flush();
        }
    }
}

internal enum ProgressMode
{
    Live,
    Plain,
    Json,
    Quiet,
}
