using System.Text.Json;
using System.Text.Json.Serialization;

namespace SongGen.Hub.Api;

/// <summary>A repository as the Hub describes it in listings and in repo info (models, datasets and spaces share it).</summary>
public sealed record RepoInfo
{
    [JsonPropertyName("_id")] public string? InternalId { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("author")] public string? Author { get; init; }
    /// <summary>The commit the requested revision resolves to.</summary>
    [JsonPropertyName("sha")] public string? Sha { get; init; }
    [JsonPropertyName("lastModified")] public DateTimeOffset? LastModified { get; init; }
    [JsonPropertyName("createdAt")] public DateTimeOffset? CreatedAt { get; init; }
    [JsonPropertyName("private")] public bool? Private { get; init; }
    /// <summary>null or "false" when open; "auto" or "manual" when gated.</summary>
    [JsonPropertyName("gated"), JsonConverter(typeof(GatedConverter))] public string? Gated { get; init; }
    [JsonPropertyName("disabled")] public bool? Disabled { get; init; }
    [JsonPropertyName("downloads")] public long? Downloads { get; init; }
    [JsonPropertyName("likes")] public long? Likes { get; init; }
    [JsonPropertyName("trendingScore")] public double? TrendingScore { get; init; }
    [JsonPropertyName("library_name")] public string? LibraryName { get; init; }
    [JsonPropertyName("pipeline_tag")] public string? PipelineTag { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }
    [JsonPropertyName("cardData")] public JsonElement? CardData { get; init; }
    [JsonPropertyName("siblings")] public IReadOnlyList<RepoSibling>? Siblings { get; init; }
    [JsonPropertyName("usedStorage")] public long? UsedStorage { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }

    public bool IsGated => Gated is not null and not "false";
}

public sealed record RepoSibling
{
    [JsonPropertyName("rfilename")] public required string RFilename { get; init; }
    [JsonPropertyName("size")] public long? Size { get; init; }
    [JsonPropertyName("blobId")] public string? BlobId { get; init; }
    [JsonPropertyName("lfs")] public SiblingLfs? Lfs { get; init; }
}

public sealed record SiblingLfs
{
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("sha256")] public string? Sha256 { get; init; }
    [JsonPropertyName("pointerSize")] public long? PointerSize { get; init; }
}

/// <summary>One entry of the tree and paths-info endpoints.</summary>
public sealed record TreeEntry
{
    /// <summary>"file" or "directory" (Python treats anything but "file" as a folder; so do we).</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }
    /// <summary>Git object id: the blob sha1 of the content, or of the LFS pointer for LFS files.</summary>
    [JsonPropertyName("oid")] public string? Oid { get; init; }
    /// <summary>Real content size, also for LFS files.</summary>
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("lfs")] public TreeEntryLfs? Lfs { get; init; }
    [JsonPropertyName("lastCommit")] public LastCommitInfo? LastCommit { get; init; }

    [JsonIgnore] public bool IsFile => Type == "file";
    /// <summary>The etag the resolve endpoint gives for this file: sha256 for LFS, git blob sha1 otherwise.</summary>
    [JsonIgnore] public string? ExpectedEtag => Lfs?.Oid ?? Oid;
}

public sealed record TreeEntryLfs
{
    /// <summary>sha256 of the content.</summary>
    [JsonPropertyName("oid")] public required string Oid { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("pointerSize")] public long? PointerSize { get; init; }
}

public sealed record LastCommitInfo
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("date")] public DateTimeOffset? Date { get; init; }
}

public sealed record GitRefs
{
    [JsonPropertyName("branches")] public IReadOnlyList<GitRef> Branches { get; init; } = [];
    [JsonPropertyName("converts")] public IReadOnlyList<GitRef> Converts { get; init; } = [];
    [JsonPropertyName("tags")] public IReadOnlyList<GitRef> Tags { get; init; } = [];
    [JsonPropertyName("pullRequests")] public IReadOnlyList<GitRef>? PullRequests { get; init; }
}

public sealed record GitRef
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("ref")] public required string Ref { get; init; }
    [JsonPropertyName("targetCommit")] public required string TargetCommit { get; init; }
}

public sealed record WhoAmI
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("fullname")] public string? FullName { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("orgs")] public IReadOnlyList<WhoAmIOrg> Orgs { get; init; } = [];
    [JsonPropertyName("auth")] public WhoAmIAuth? Auth { get; init; }
}

public sealed record WhoAmIOrg
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("fullname")] public string? FullName { get; init; }
}

public sealed record WhoAmIAuth
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("accessToken")] public AccessTokenInfo? AccessToken { get; init; }
}

public sealed record AccessTokenInfo
{
    [JsonPropertyName("displayName")] public string? DisplayName { get; init; }
    [JsonPropertyName("role")] public string? Role { get; init; }
}

/// <summary>Body of paths-info in the JSON form (the JS client's); the Hub also takes a form body.</summary>
public sealed record PathsInfoRequest
{
    [JsonPropertyName("paths")] public required IReadOnlyList<string> Paths { get; init; }
    [JsonPropertyName("expand")] public bool Expand { get; init; }
}

/// <summary>The Hub writes <c>gated</c> as <c>false</c> or as a string; keep it a string.</summary>
public sealed class GatedConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.False or JsonTokenType.Null => null,
        JsonTokenType.True => "true",
        JsonTokenType.String => reader.GetString() is "false" ? null : reader.GetString(),
        _ => throw new JsonException($"Unexpected token {reader.TokenType} for 'gated'."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteBooleanValue(false);
        else writer.WriteStringValue(value);
    }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RepoInfo))]
[JsonSerializable(typeof(List<RepoInfo>))]
[JsonSerializable(typeof(List<TreeEntry>))]
[JsonSerializable(typeof(GitRefs))]
[JsonSerializable(typeof(WhoAmI))]
[JsonSerializable(typeof(PathsInfoRequest))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(CreateRepoRequest))]
[JsonSerializable(typeof(CreateRepoResponse))]
[JsonSerializable(typeof(DeleteRepoRequest))]
[JsonSerializable(typeof(CreateBranchRequest))]
[JsonSerializable(typeof(CreateTagRequest))]
[JsonSerializable(typeof(PreuploadRequest))]
[JsonSerializable(typeof(PreuploadResponse))]
[JsonSerializable(typeof(LfsBatchRequest))]
[JsonSerializable(typeof(LfsBatchResponse))]
[JsonSerializable(typeof(LfsCompletionRequest))]
[JsonSerializable(typeof(LfsVerifyRequest))]
[JsonSerializable(typeof(CommitResponse))]
[JsonSerializable(typeof(ValidateYamlRequest))]
public sealed partial class HubJsonContext : JsonSerializerContext;
