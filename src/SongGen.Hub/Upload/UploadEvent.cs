using System.Text.Json.Serialization;

namespace SongGen.Hub;

[JsonConverter(typeof(JsonStringEnumConverter<UploadEventKind>))]
public enum UploadEventKind
{
    /// <summary>The files are known: how many and how many bytes.</summary>
    Planned,
    /// <summary>Hashing local files (bytes hashed so far in <see cref="UploadEvent.Bytes"/>).</summary>
    Hashing,
    /// <summary>The Hub already has this file as it is here: not sent, not committed.</summary>
    FileUnchanged,
    /// <summary>Ignored by the repository's .gitignore.</summary>
    FileIgnored,
    /// <summary>LFS bytes on their way (aggregate bytes, speed and ETA).</summary>
    Uploading,
    FileUploaded,
    /// <summary>The LFS storage already holds the object (an earlier, interrupted run sent it): nothing sent.</summary>
    FileAlreadyStored,
    /// <summary>A request failed and is tried again.</summary>
    Retrying,
    Committing,
    Committed,
    /// <summary>Nothing differs: no commit was made.</summary>
    NothingToCommit,
    Completed,
}

/// <summary>One progress event of an upload; aggregate fields are byte-weighted and never inflated by retries.</summary>
public sealed record UploadEvent
{
    [JsonPropertyName("event")] public required UploadEventKind Kind { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
    /// <summary>Bytes hashed (while hashing) or sent (while uploading) so far.</summary>
    [JsonPropertyName("bytes")] public long Bytes { get; init; }
    /// <summary>Bytes to hash or to send in all.</summary>
    [JsonPropertyName("total")] public long Total { get; init; }
    [JsonPropertyName("files")] public int Files { get; init; }
    [JsonPropertyName("speed")] public double BytesPerSecond { get; init; }
    [JsonPropertyName("eta_seconds")] public double? EtaSeconds { get; init; }
    [JsonPropertyName("commit")] public string? CommitOid { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadEvent))]
public sealed partial class UploadEventJsonContext : JsonSerializerContext;
