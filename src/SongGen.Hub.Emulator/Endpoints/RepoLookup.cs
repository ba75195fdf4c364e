using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>Finding the repository a request names, with the Hub's answers when the caller may not see it.</summary>
internal static class RepoLookup
{
    /// <summary>The repo, or null after answering 401/404 RepoNotFound.</summary>
    public static async Task<RepoSnapshot?> FindVisibleAsync(HubCall call, EmulatorRepoStore store, RepoKind kind, string ns, string name)
    {
        var repo = store.Find(kind, ns + "/" + name);
        if (repo is null)
        {
            await HubResponses.RepoNotFoundAsync(call);
            return null;
        }
        if (!repo.CanSee(call.User))
        {
            await HubResponses.PrivateRepoAsync(call);
            return null;
        }
        return repo;
    }

    /// <summary>
    /// Splits the segments after <c>tree/</c> or <c>resolve/</c> into revision and path. A revision arrives either as
    /// one segment (<c>refs%2Fpr%2F1</c>, already decoded to contain "/") or raw over several segments
    /// (<c>refs/pr/1</c>, or a branch like <c>feature/x</c>): <c>refs/…/…</c> takes three segments, otherwise the
    /// shortest prefix that names a ref wins, falling back to the first segment.
    /// </summary>
    public static (string Revision, string Path) SplitRevisionAndPath(RepoSnapshot repo, ReadOnlySpan<string> segments)
    {
        if (segments.Length == 0)
        {
            return ("", "");
        }
        var take = 1;
        if (segments[0] == "refs" && segments.Length >= 3 && segments[1] is "pr" or "heads" or "tags" or "convert")
        {
            take = 3;
        }
        else
        {
            for (var k = 1; k <= segments.Length; k++)
            {
                if (repo.Resolve(string.Join('/', segments[..k].ToArray())) is not null)
                {
                    take = k;
                    break;
                }
            }
        }
        return (string.Join('/', segments[..take].ToArray()), string.Join('/', segments[take..].ToArray()));
    }
}
