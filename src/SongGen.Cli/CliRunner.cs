using SongGen.Hub;

namespace SongGen.Cli;

/// <summary>Runs a command body: every expected failure becomes one clear line on stderr and a non-zero exit code.</summary>
internal static class CliRunner
{
    public const int Failure = 1;
    public const int NotFound = 2;
    public const int Unauthorized = 3;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("songgen: cancelled");
            return Cancelled;
        }
        catch (Exception ex) when (ex is HubException or IOException or ArgumentException or UnauthorizedAccessException or InvalidOperationException or FormatException or UriFormatException)
        {
            context.Error.WriteLine($"songgen: {Describe(ex)}");
            return ex switch
            {
                RepositoryNotFoundException or RevisionNotFoundException or EntryNotFoundException => NotFound,
                HubUnauthorizedException => Unauthorized,
                _ => Failure,
            };
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        RepositoryNotFoundException => "repository not found: " + ex.Message,
        RevisionNotFoundException or EntryNotFoundException or HubException => ex.Message,
        UnsafeRepoPathException => "refused: " + ex.Message,
        _ => $"{ex.Message}",
    };
}
