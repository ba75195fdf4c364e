using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Json;

/// <summary>
/// Entries of the tree and paths-info APIs: <c>{type, oid, size, path, lfs?, lastCommit?}</c>. No <c>xetHash</c>:
/// clients that see one try the Xet protocol, which the emulator does not speak.
/// </summary>
internal static class TreeEntryJson
{
    public static JsonObject File(RepoSnapshot repo, CommitDocument commit, string path, FileDocument file, bool expand)
    {
        var entry = new JsonObject
        {
            ["type"] = "file",
            ["oid"] = file.Oid,
            ["size"] = file.Size,
            ["path"] = path,
        };
        if (file.Lfs is { } lfs)
        {
            entry["lfs"] = new JsonObject { ["oid"] = lfs.Sha256, ["size"] = lfs.Size, ["pointerSize"] = lfs.PointerSize };
        }
        if (expand)
        {
            entry["lastCommit"] = LastCommit(repo.LastCommitTouching(commit, path, isDirectory: false));
        }
        return entry;
    }

    public static JsonObject Directory(RepoSnapshot repo, CommitDocument commit, string path, bool expand)
    {
        var entry = new JsonObject
        {
            ["type"] = "directory",
            ["oid"] = commit.Trees[path],
            ["size"] = 0,
            ["path"] = path,
        };
        if (expand)
        {
            entry["lastCommit"] = LastCommit(repo.LastCommitTouching(commit, path, isDirectory: true));
        }
        return entry;
    }

    /// <summary>The entry for a path that may be a file or a folder; null when it is neither.</summary>
    public static JsonObject? ForPath(RepoSnapshot repo, CommitDocument commit, string path, bool expand)
    {
        if (commit.Files.TryGetValue(path, out var file))
        {
            return File(repo, commit, path, file, expand);
        }
        return path.Length > 0 && commit.Trees.ContainsKey(path) ? Directory(repo, commit, path, expand) : null;
    }

    private static JsonObject LastCommit(CommitDocument commit) => new()
    {
        ["id"] = commit.Id,
        ["title"] = commit.Title,
        ["date"] = HubDates.Format(commit.Date),
    };
}
