using System.Text.RegularExpressions;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// An immutable picture of one repository taken under the store's lock, so request handlers can work without it.
/// Commits inside are shared with the store but never change once written.
/// </summary>
internal sealed partial class RepoSnapshot
{
    public required RepoKind Kind { get; init; }
    public required string RepoId { get; init; }
    public required string ObjectId { get; init; }
    public required string Owner { get; init; }
    public required bool Private { get; init; }
    public required string? Gated { get; init; }
    public required IReadOnlySet<string> ApprovedUsers { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset LastModified { get; init; }
    public required long Downloads { get; init; }
    public required long DownloadsAllTime { get; init; }
    public required long Likes { get; init; }
    public required double TrendingScore { get; init; }
    public required IReadOnlyList<string> ExtraTags { get; init; }
    public required string? PipelineTagOverride { get; init; }
    public required string? LibraryNameOverride { get; init; }
    public required string DefaultBranch { get; init; }
    public required IReadOnlyDictionary<string, string> Branches { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public required IReadOnlyList<PullRequestDocument> PullRequests { get; init; }
    public required IReadOnlyDictionary<string, CommitDocument> Commits { get; init; }

    public string Author => RepoId.Split('/')[0];

    public CommitDocument? DefaultHead =>
        Branches.TryGetValue(DefaultBranch, out var id) ? Commits.GetValueOrDefault(id) : null;

    /// <summary>
    /// What the Hub accepts as a revision: HEAD, a branch, a tag, <c>refs/heads|tags/…</c>, <c>refs/pr/N</c>, a full
    /// commit id or an unambiguous prefix of at least 7 hex digits.
    /// </summary>
    public CommitDocument? Resolve(string revision)
    {
        var id = ResolveToCommitId(revision);
        return id is null ? null : Commits.GetValueOrDefault(id);
    }

    private string? ResolveToCommitId(string revision)
    {
        if (revision == "HEAD") return Branches.GetValueOrDefault(DefaultBranch);
        if (Branches.TryGetValue(revision, out var branchHead)) return branchHead;
        if (Tags.TryGetValue(revision, out var tagged)) return tagged;
        if (revision.StartsWith("refs/heads/", StringComparison.Ordinal)) return Branches.GetValueOrDefault(revision["refs/heads/".Length..]);
        if (revision.StartsWith("refs/tags/", StringComparison.Ordinal)) return Tags.GetValueOrDefault(revision["refs/tags/".Length..]);
        if (TryParsePullRequestRef(revision, out var number)) return PullRequests.FirstOrDefault(pr => pr.Number == number)?.Commit;
        if (!HexPrefix().IsMatch(revision)) return null;
        if (Commits.ContainsKey(revision)) return revision;
        var matches = Commits.Keys.Where(key => key.StartsWith(revision, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    public static bool TryParsePullRequestRef(string revision, out int number)
    {
        number = 0;
        return revision.StartsWith("refs/pr/", StringComparison.Ordinal)
            && int.TryParse(revision.AsSpan("refs/pr/".Length), System.Globalization.NumberStyles.None, null, out number)
            && number > 0;
    }

    /// <summary>The commit and its first-parent ancestors, newest first (the emulator's histories are linear).</summary>
    public IEnumerable<CommitDocument> History(CommitDocument head)
    {
        for (var commit = head; commit is not null;)
        {
            yield return commit;
            commit = commit.Parents.Count > 0 ? Commits.GetValueOrDefault(commit.Parents[0]) : null;
        }
    }

    /// <summary>The newest commit in <paramref name="head"/>'s history that changed a file or folder.</summary>
    public CommitDocument LastCommitTouching(CommitDocument head, string path, bool isDirectory)
    {
        var last = head;
        foreach (var commit in History(head))
        {
            last = commit;
            var parent = commit.Parents.Count > 0 ? Commits.GetValueOrDefault(commit.Parents[0]) : null;
            if (parent is null)
            {
                break;
            }
            var changed = isDirectory
                ? commit.Trees.GetValueOrDefault(path) != parent.Trees.GetValueOrDefault(path)
                : commit.Files.GetValueOrDefault(path)?.Oid != parent.Files.GetValueOrDefault(path)?.Oid;
            if (changed)
            {
                return commit;
            }
        }
        return last;
    }

    public bool CanSee(string? user) => !Private || user is not null && (user == Owner || ApprovedUsers.Contains(user));

    /// <summary>Whether the caller may download files of a gated repo.</summary>
    public bool CanDownload(string? user) => Gated is null || user is not null && (user == Owner || ApprovedUsers.Contains(user));

    [GeneratedRegex("^[0-9a-f]{7,40}$")]
    private static partial Regex HexPrefix();
}
