namespace SongGen.Hub.Emulator;

/// <summary>
/// Listing metadata the real Hub computes (statistics, tags). Each property left null keeps its current value.
/// <see cref="Tags"/> are added to the tags derived from the README front matter; <see cref="PipelineTag"/> and
/// <see cref="LibraryName"/> override the card's values.
/// </summary>
public sealed class EmulatorRepoMetadata
{
    public long? Downloads { get; init; }
    public long? DownloadsAllTime { get; init; }
    public long? Likes { get; init; }
    public double? TrendingScore { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public string? PipelineTag { get; init; }
    public string? LibraryName { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? LastModified { get; init; }
}

/// <summary>A file of a repository at some revision, as the store sees it.</summary>
/// <param name="Path">Path in the repository.</param>
/// <param name="Size">Content size (the real size for LFS files too).</param>
/// <param name="BlobId">Git blob id as listed in the tree API (the pointer's id for LFS files).</param>
/// <param name="Sha256">SHA-256 of the content.</param>
/// <param name="IsLfs">Stored as LFS (served through the CDN).</param>
public sealed record EmulatorFileInfo(string Path, long Size, string BlobId, string Sha256, bool IsLfs);
