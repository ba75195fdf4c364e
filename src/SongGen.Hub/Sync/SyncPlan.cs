using System.Text.Json;
using System.Text.Json.Serialization;

namespace SongGen.Hub;

[JsonConverter(typeof(JsonStringEnumConverter<SyncDirection>))]
public enum SyncDirection
{
    /// <summary>Local folder → repo.</summary>
    [JsonStringEnumMemberName("push")] Push,
    /// <summary>Repo → local folder.</summary>
    [JsonStringEnumMemberName("pull")] Pull,
    /// <summary>Compare only.</summary>
    [JsonStringEnumMemberName("diff")] Diff,
}

/// <summary>How a path compares between the folder and the pinned commit.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SyncState>))]
public enum SyncState
{
    [JsonStringEnumMemberName("same")] Same,
    [JsonStringEnumMemberName("changed")] Changed,
    [JsonStringEnumMemberName("local_only")] LocalOnly,
    [JsonStringEnumMemberName("remote_only")] RemoteOnly,
}

[JsonConverter(typeof(JsonStringEnumConverter<SyncAction>))]
public enum SyncAction
{
    [JsonStringEnumMemberName("skip")] Skip,
    [JsonStringEnumMemberName("upload")] Upload,
    [JsonStringEnumMemberName("download")] Download,
    [JsonStringEnumMemberName("delete_remote")] DeleteRemote,
    [JsonStringEnumMemberName("delete_local")] DeleteLocal,
}

/// <summary>
/// One path of a sync plan, relative to the synced folder. Ids are content ids, never the LFS pointer's oid: sha256 for
/// files stored as LFS on the Hub, git blob sha1 for regular files; a local id is computed only when needed to decide.
/// </summary>
public sealed record SyncEntry
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("state")] public required SyncState State { get; init; }
    [JsonPropertyName("action")] public required SyncAction Action { get; init; }
    [JsonPropertyName("local_size")] public long? LocalSize { get; init; }
    /// <summary>The local file's last write time (UTC) when the plan was made; a saved plan is refused if it moved.</summary>
    [JsonPropertyName("local_mtime")] public DateTime? LocalModified { get; init; }
    [JsonPropertyName("remote_size")] public long? RemoteSize { get; init; }
    [JsonPropertyName("local_id")] public string? LocalId { get; init; }
    [JsonPropertyName("remote_id")] public string? RemoteId { get; init; }
    [JsonPropertyName("remote_lfs")] public bool RemoteIsLfs { get; init; }
    /// <summary>For a path only on one side: the path on the other side with the same content (a rename).</summary>
    [JsonPropertyName("renamed_from")] public string? RenamedFrom { get; init; }

    /// <summary>Bytes that move for this entry.</summary>
    [JsonIgnore]
    public long TransferBytes => Action switch
    {
        SyncAction.Upload => LocalSize ?? 0,
        SyncAction.Download => RemoteSize ?? 0,
        _ => 0,
    };
}

/// <summary>
/// What a sync would do, computed against one pinned commit. Saved as JSON lines (a <c>plan</c> header line, then one
/// <c>file</c> line per path); applying a saved plan is refused when the branch no longer points at that commit.
/// </summary>
public sealed record SyncPlan
{
    [JsonPropertyName("direction")] public required SyncDirection Direction { get; init; }
    [JsonPropertyName("repo_id")] public required string RepoId { get; init; }
    [JsonPropertyName("repo_type")] public required string RepoType { get; init; }
    [JsonPropertyName("revision")] public required string Revision { get; init; }
    /// <summary>The commit the revision pointed at when planned; null for a repository without commits.</summary>
    [JsonPropertyName("commit")] public string? Commit { get; init; }
    [JsonPropertyName("local_dir")] public required string LocalDir { get; init; }
    /// <summary>"" or a folder with a trailing '/'.</summary>
    [JsonPropertyName("path_in_repo")] public string PathInRepo { get; init; } = "";
    [JsonPropertyName("delete")] public bool Delete { get; init; }
    [JsonIgnore] public IReadOnlyList<SyncEntry> Entries { get; init; } = [];

    [JsonIgnore] public Hub.RepoId Repo => Hub.RepoId.Parse(RepoId, RepoTypeExtensions.ParseRepoType(RepoType));
    [JsonIgnore] public IEnumerable<SyncEntry> Actions => Entries.Where(e => e.Action != SyncAction.Skip);
    [JsonIgnore] public bool IsEmpty => !Actions.Any();
    [JsonIgnore] public long TransferBytes => Entries.Sum(e => e.TransferBytes);

    /// <summary>Writes the plan as JSON lines: <c>{"type":"plan",…}</c> then <c>{"type":"file",…}</c> per entry.</summary>
    public void WriteJsonLines(TextWriter writer)
    {
        writer.WriteLine(WithType(JsonSerializer.SerializeToElement(this, SyncJsonContext.Default.SyncPlan), "plan"));
        foreach (var entry in Entries)
            writer.WriteLine(WithType(JsonSerializer.SerializeToElement(entry, SyncJsonContext.Default.SyncEntry), "file"));
        writer.Flush();
    }

    /// <summary>Reads a plan written by <see cref="WriteJsonLines"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="FormatException">The text is not such a plan.</exception>
    public static SyncPlan ReadJsonLines(TextReader reader, string source)
    {
        SyncPlan? plan = null;
        var entries = new List<SyncEntry>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var type = doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
                switch (type)
                {
                    case "plan" when plan is null:
                        plan = doc.RootElement.Deserialize(SyncJsonContext.Default.SyncPlan);
                        break;
                    case "file" when plan is not null:
                        var entry = doc.RootElement.Deserialize(SyncJsonContext.Default.SyncEntry)!;
                        RepoFilePath.Validate(entry.Path);
                        entries.Add(entry);
                        break;
                    default:
                        throw new FormatException($"{source}:{number}: expected {(plan is null ? "the 'plan' header line" : "a 'file' line")}, found type '{type}'");
                }
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{source}:{number}: not a sync plan line ({ex.Message})", ex);
            }
            catch (UnsafeRepoPathException ex)
            {
                throw new FormatException($"{source}:{number}: {ex.Message}", ex);
            }
        }
        if (plan is null) throw new FormatException($"{source}: empty, not a sync plan");
        try
        {
            _ = plan.Repo;
            if (plan.PathInRepo.Length > 0 && !plan.PathInRepo.EndsWith('/')) throw new FormatException("path_in_repo must end with '/'");
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{source}: {ex.Message}", ex);
        }
        return plan with { Entries = entries };
    }

    private static string WithType(JsonElement element, string type)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            foreach (var property in element.EnumerateObject()) property.WriteTo(writer);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SyncPlan))]
[JsonSerializable(typeof(SyncEntry))]
public sealed partial class SyncJsonContext : JsonSerializerContext;
