namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// A write the store refuses, carrying the answer the Hub gives for it (status, X-Error-Code, message), so the write
/// endpoints can answer exactly. Callers of the public store API just see an <see cref="InvalidOperationException"/>.
/// </summary>
internal sealed class StoreRejection(int statusCode, string? errorCode, string message) : InvalidOperationException(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound) or null.</summary>
    public string? ErrorCode { get; } = errorCode;

    public static StoreRejection RepoNotFound() => new(404, "RepoNotFound", "Repository not found");

    public static StoreRejection RevisionNotFound(string revision) => new(404, "RevisionNotFound", $"Invalid rev id: {revision}");

    public static StoreRejection EntryNotFound(string message) => new(404, "EntryNotFound", message);

    public static StoreRejection Conflict(string message) => new(409, null, message);

    public static StoreRejection BadRequest(string message) => new(400, null, message);
}
