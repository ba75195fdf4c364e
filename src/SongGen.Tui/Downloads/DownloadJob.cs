using System.Text.Json.Serialization;

namespace SongGen.Tui.Downloads;

[JsonConverter(typeof(JsonStringEnumConverter<DownloadJobState>))]
public enum DownloadJobState
{
    Queued,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>One file of a queued download, as the queue shows it.</summary>
public sealed class DownloadFileState
{
    public required string Path { get; init; }
    public long Size { get; set; }
    public long Bytes { get; set; }
    /// <summary>queued, downloading, done, skipped, retrying, failed.</summary>
    public string Status { get; set; } = "queued";
    public string? Message { get; set; }
}

/// <summary>
/// A queued download: some files of one repo at one revision. What is persisted is enough to run it again; the
/// byte counts are only for display until the downloader recounts them from the disk.
/// </summary>
public sealed class DownloadJob
{
    public required string Id { get; init; }
    public required string Repo { get; init; }
    public string RepoType { get; init; } = "model";
    public string Revision { get; init; } = "main";
    public required IReadOnlyList<DownloadFileState> Files { get; init; }
    public DownloadJobState State { get; set; } = DownloadJobState.Queued;
    /// <summary>Why it failed (the downloader's message), or null.</summary>
    public string? Error { get; set; }
    public long TotalBytes { get; set; }
    public long DoneBytes { get; set; }
    public int FilesDone { get; set; }
    public DateTimeOffset AddedAt { get; init; }
    /// <summary>The snapshot folder once completed.</summary>
    public string? Folder { get; set; }

    [JsonIgnore] public double BytesPerSecond { get; set; }
    [JsonIgnore] public double? EtaSeconds { get; set; }
    /// <summary>The latest "connection dropped, resuming" notice of a running job, so a stall is never silent.</summary>
    [JsonIgnore] public string? Notice { get; set; }
    [JsonIgnore] internal CancellationTokenSource? Stop { get; set; }
    /// <summary>The state a stop request asked for (paused or cancelled), applied when the run ends.</summary>
    [JsonIgnore] internal DownloadJobState? StopAs { get; set; }

    [JsonIgnore] public bool IsActive => State is DownloadJobState.Queued or DownloadJobState.Running;
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<DownloadJob>))]
internal sealed partial class DownloadQueueJsonContext : JsonSerializerContext;
