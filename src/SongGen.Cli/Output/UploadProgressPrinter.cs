using System.Text.Json;
using SongGen.Hub;

namespace SongGen.Cli.Output;

/// <summary>
/// Shows upload progress: one line per state change (hashing, each file sent or skipped, each commit) and a byte total
/// with speed and ETA every few seconds while sending; with <c>--json</c> one <see cref="UploadEvent"/> per line.
/// </summary>
internal sealed class UploadProgressPrinter(TextWriter writer, ProgressMode mode, TimeProvider? time = null) : IProgress<UploadEvent>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _lastLine = long.MinValue;
    private bool _hashingShown;

    public void Report(UploadEvent e)
    {
        lock (_gate)
        {
            switch (mode)
            {
                case ProgressMode.Quiet:
                    return;
                case ProgressMode.Json:
                    writer.WriteLine(JsonSerializer.Serialize(e, UploadEventJsonContext.Default.UploadEvent));
                    writer.Flush();
                    return;
            }
            var line = e.Kind switch
            {
                UploadEventKind.Planned => $"Preparing {e.Files} file(s), {Units.Bytes(e.Total)}",
                UploadEventKind.Hashing when !_hashingShown => "Hashing local files…",
                UploadEventKind.FileUnchanged => $"  unchanged  {e.Path}",
                UploadEventKind.FileIgnored => $"  ignored    {e.Path} ({e.Message})",
                UploadEventKind.FileAlreadyStored => $"  stored     {e.Path} (the Hub already holds its content)",
                UploadEventKind.FileUploaded => $"  uploaded   {e.Path}",
                UploadEventKind.Uploading when Due() => $"Uploading {Units.Bytes(e.Bytes)} / {Units.Bytes(e.Total)}  {Units.Speed(e.BytesPerSecond)}  ETA {Units.Duration(e.EtaSeconds)}",
                UploadEventKind.Committing => $"Committing {e.Files} change(s): {e.Message}",
                UploadEventKind.Committed => $"  commit     {e.CommitOid}",
                UploadEventKind.NothingToCommit => e.Message,
                _ => null,
            };
            if (e.Kind == UploadEventKind.Hashing) _hashingShown = true;
            if (line is null) return;
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private bool Due()
    {
        var now = _time.GetTimestamp();
        if (_lastLine != long.MinValue && _time.GetElapsedTime(_lastLine, now) < Interval) return false;
        _lastLine = now;
        return true;
    }
}
