using System.Text.Json.Serialization;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// One repository as persisted in <c>{root}/repos/{models|datasets|spaces}/{namespace}/{name}/repo.json</c>.
/// Mutated only under the store's lock; commits and file entries are never changed once added, so readers may keep
/// references to them.
/// </summary>
internal sealed class RepoDocument
{
    public const int CurrentFormatVersion = 1;

    [JsonPropertyName("formatVersion")] public int FormatVersion { get; set; } = CurrentFormatVersion;
    /// <summary>The Hub's 24-hex database id (<c>_id</c>).</summary>
    [JsonPropertyName("objectId")] public string ObjectId { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "model";
    [JsonPropertyName("repoId")] public string RepoId { get; set; } = "";
    /// <summary>The user who may see the repo when private and read it when gated.</summary>
    [JsonPropertyName("owner")] public string Owner { get; set; } = "";
    [JsonPropertyName("private")] public bool Private { get; set; }
    /// <summary>null (not gated), "auto" or "manual".</summary>
    [JsonPropertyName("gated")] public string? Gated { get; set; }
    [JsonPropertyName("approvedUsers")] public List<string> ApprovedUsers { get; set; } = [];
    [JsonPropertyName("createdAt")] public DateTimeOffset CreatedAt { get; set; }
    [JsonPropertyName("lastModified")] public DateTimeOffset LastModified { get; set; }
    [JsonPropertyName("metadata")] public RepoStatsDocument Metadata { get; set; } = new();
    [JsonPropertyName("defaultBranch")] public string DefaultBranch { get; set; } = "main";
    /// <summary>Branch name → commit id.</summary>
    [JsonPropertyName("branches")] public Dictionary<string, string> Branches { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Tag name → commit id.</summary>
    [JsonPropertyName("tags")] public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("pullRequests")] public List<PullRequestDocument> PullRequests { get; set; } = [];
    /// <summary>Commit id → commit.</summary>
    [JsonPropertyName("commits")] public Dictionary<string, CommitDocument> Commits { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Listing statistics and metadata set by tests (the Hub computes these; the emulator just stores them).</summary>
internal sealed class RepoStatsDocument
{
    [JsonPropertyName("downloads")] public long Downloads { get; set; }
    [JsonPropertyName("downloadsAllTime")] public long DownloadsAllTime { get; set; }
    [JsonPropertyName("likes")] public long Likes { get; set; }
    [JsonPropertyName("trendingScore")] public double TrendingScore { get; set; }
    /// <summary>Tags added on top of those derived from the model card.</summary>
    [JsonPropertyName("tags")] public List<string> Tags { get; set; } = [];
    /// <summary>Overrides the card's <c>pipeline_tag</c> when set.</summary>
    [JsonPropertyName("pipelineTag")] public string? PipelineTag { get; set; }
    /// <summary>Overrides the card's <c>library_name</c> when set.</summary>
    [JsonPropertyName("libraryName")] public string? LibraryName { get; set; }
}

internal sealed class PullRequestDocument
{
    [JsonPropertyName("number")] public int Number { get; set; }
    [JsonPropertyName("title")] public string Title { get; set; } = "";
    [JsonPropertyName("author")] public string Author { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "open";
    [JsonPropertyName("commit")] public string Commit { get; set; } = "";

    [JsonIgnore] public string Ref => $"refs/pr/{Number}";
}

internal sealed class CommitDocument
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("parents")] public List<string> Parents { get; set; } = [];
    /// <summary>First line of the message.</summary>
    [JsonPropertyName("title")] public string Title { get; set; } = "";
    /// <summary>The rest of the message (may be empty).</summary>
    [JsonPropertyName("description")] public string Description { get; set; } = "";
    [JsonPropertyName("author")] public string Author { get; set; } = "";
    [JsonPropertyName("date")] public DateTimeOffset Date { get; set; }
    /// <summary>Folder path ("" for the root) → git tree id.</summary>
    [JsonPropertyName("trees")] public Dictionary<string, string> Trees { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Repo path → file at this commit (written in ordinal path order).</summary>
    [JsonPropertyName("files")] public Dictionary<string, FileDocument> Files { get; set; } = new(StringComparer.Ordinal);

    [JsonIgnore] public string FullMessage => Description.Length == 0 ? Title : Title + "\n\n" + Description;
}

internal sealed class FileDocument
{
    /// <summary>Real content size (also for LFS files).</summary>
    [JsonPropertyName("size")] public long Size { get; set; }
    /// <summary>Git blob id of what git stores: the content, or the pointer text for LFS files.</summary>
    [JsonPropertyName("oid")] public string Oid { get; set; } = "";
    /// <summary>Where the bytes are in the object folder (SHA-256 of the content).</summary>
    [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    [JsonPropertyName("lfs")] public LfsDocument? Lfs { get; set; }
}

internal sealed class LfsDocument
{
    [JsonPropertyName("sha256")] public string Sha256 { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("pointerSize")] public int PointerSize { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RepoDocument))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
