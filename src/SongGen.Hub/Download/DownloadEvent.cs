using System.Text.Json.Serialization;

namespace SongGen.Hub;

[JsonConverter(typeof(JsonStringEnumConverter<DownloadEventKind>))]
public enum DownloadEventKind
{
    /// <summary>The plan is known: how many files and bytes will move.</summary>
    Planned,
    FileStarted,
    FileProgress,
    FileCompleted,
    /// <summary>Already in the cache (or the local dir) and verified by name/etag; nothing moved.</summary>
    FileSkipped,
    /// <summary>A connection dropped or the server asked to wait; the transfer resumes.</summary>
    Retrying,
    FileFailed,
    Completed,
}

/// <summary>
/// One progress event. File fields describe <see cref="Path"/>; the aggregate fields are byte-weighted over the whole
/// download and count only bytes that are on disk, so a resumed or restarted transfer never inflates them.
/// </summary>
public sealed record DownloadEvent
{
    [JsonPropertyName("event")] public required DownloadEventKind Kind { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
    [JsonPropertyName("file_bytes")] public long FileBytes { get; init; }
    [JsonPropertyName("file_total")] public long FileTotal { get; init; }
    [JsonPropertyName("bytes")] public long TotalBytes { get; init; }
    [JsonPropertyName("total")] public long TotalExpected { get; init; }
    [JsonPropertyName("files_done")] public int FilesDone { get; init; }
    [JsonPropertyName("files_total")] public int FilesTotal { get; init; }
    /// <summary>Aggregate speed over the last few seconds, bytes per second.</summary>
    [JsonPropertyName("speed")] public double BytesPerSecond { get; init; }
    [JsonPropertyName("eta_seconds")] public double? EtaSeconds { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DownloadEvent))]
public sealed partial class DownloadEventJsonContext : JsonSerializerContext;
