using System.Text.Json;
using System.Text.Json.Serialization;

namespace SongGen.Hub.Api;

/// <summary>Body of <c>POST /api/repos/create</c>. <c>type</c> is left out for models, as Python does.</summary>
public sealed record CreateRepoRequest
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("organization")] public string? Organization { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("private")] public bool Private { get; init; }
}

/// <summary>Answer of a repo creation (also the body of a 409, which names the existing repo's URL).</summary>
public sealed record CreateRepoResponse
{
    [JsonPropertyName("url")] public string? Url { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("id")] public string? Id { get; init; }
}

/// <summary>Body of <c>DELETE /api/repos/delete</c>.</summary>
public sealed record DeleteRepoRequest
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("organization")] public string? Organization { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
}

public sealed record CreateBranchRequest
{
    [JsonPropertyName("startingPoint")] public string? StartingPoint { get; init; }
}

public sealed record CreateTagRequest
{
    [JsonPropertyName("tag")] public required string Tag { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

/// <summary>Body of <c>POST /api/{type}s/{id}/preupload/{rev}</c>.</summary>
public sealed record PreuploadRequest
{
    [JsonPropertyName("files")] public required IReadOnlyList<PreuploadFile> Files { get; init; }
}

public sealed record PreuploadFile
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    /// <summary>Base64 of the first 512 bytes: the Hub decides regular vs LFS from it (binary) and the size.</summary>
    [JsonPropertyName("sample")] public required string Sample { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
}

public sealed record PreuploadResponse
{
    [JsonPropertyName("files")] public IReadOnlyList<PreuploadAnswer> Files { get; init; } = [];
    [JsonPropertyName("commitOid")] public string? CommitOid { get; init; }
}

public sealed record PreuploadAnswer
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    /// <summary><c>regular</c> or <c>lfs</c>.</summary>
    [JsonPropertyName("uploadMode")] public required string UploadMode { get; init; }
    [JsonPropertyName("shouldIgnore")] public bool ShouldIgnore { get; init; }
    /// <summary>The remote file's id when the path exists: sha256 for LFS files, git blob sha1 otherwise.</summary>
    [JsonPropertyName("oid")] public string? Oid { get; init; }
}

/// <summary>Body of the git LFS batch API (<c>{repo}.git/info/lfs/objects/batch</c>).</summary>
public sealed record LfsBatchRequest
{
    [JsonPropertyName("operation")] public string Operation { get; init; } = "upload";
    [JsonPropertyName("transfers")] public IReadOnlyList<string> Transfers { get; init; } = ["basic", "multipart"];
    [JsonPropertyName("objects")] public required IReadOnlyList<LfsObjectId> Objects { get; init; }
    [JsonPropertyName("hash_algo")] public string HashAlgo { get; init; } = "sha256";
    /// <summary>The branch; left out for pull requests (as both official clients do).</summary>
    [JsonPropertyName("ref")] public LfsRef? Ref { get; init; }
}

public sealed record LfsRef
{
    [JsonPropertyName("name")] public required string Name { get; init; }
}

public sealed record LfsObjectId
{
    [JsonPropertyName("oid")] public required string Oid { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
}

public sealed record LfsBatchResponse
{
    [JsonPropertyName("transfer")] public string? Transfer { get; init; }
    [JsonPropertyName("objects")] public IReadOnlyList<LfsBatchObject> Objects { get; init; } = [];
}

public sealed record LfsBatchObject
{
    [JsonPropertyName("oid")] public required string Oid { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
    /// <summary>Absent when the Hub already stores the object: nothing to send.</summary>
    [JsonPropertyName("actions")] public LfsActions? Actions { get; init; }
    [JsonPropertyName("error")] public LfsObjectError? Error { get; init; }
}

public sealed record LfsActions
{
    [JsonPropertyName("upload")] public LfsAction? Upload { get; init; }
    [JsonPropertyName("verify")] public LfsAction? Verify { get; init; }
}

public sealed record LfsAction
{
    [JsonPropertyName("href")] public required string Href { get; init; }
    /// <summary>For multipart: <c>chunk_size</c> and the part URLs under all-digit keys (<c>"00001"</c>…).</summary>
    [JsonPropertyName("header")] public IReadOnlyDictionary<string, JsonElement>? Header { get; init; }
}

public sealed record LfsObjectError
{
    [JsonPropertyName("code")] public int Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

public sealed record LfsCompletionRequest
{
    [JsonPropertyName("oid")] public required string Oid { get; init; }
    [JsonPropertyName("parts")] public required IReadOnlyList<LfsCompletedPart> Parts { get; init; }
}

public sealed record LfsCompletedPart
{
    [JsonPropertyName("partNumber")] public int PartNumber { get; init; }
    [JsonPropertyName("etag")] public required string Etag { get; init; }
}

public sealed record LfsVerifyRequest
{
    [JsonPropertyName("oid")] public required string Oid { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
}

/// <summary>Answer of <c>POST /api/{type}s/{id}/commit/{rev}</c>.</summary>
public sealed record CommitResponse
{
    [JsonPropertyName("success")] public bool? Success { get; init; }
    [JsonPropertyName("commitOid")] public string? CommitOid { get; init; }
    [JsonPropertyName("commitUrl")] public string? CommitUrl { get; init; }
    [JsonPropertyName("pullRequestUrl")] public string? PullRequestUrl { get; init; }
}

public sealed record ValidateYamlRequest
{
    [JsonPropertyName("content")] public required string Content { get; init; }
    [JsonPropertyName("repoType")] public required string RepoType { get; init; }
}
