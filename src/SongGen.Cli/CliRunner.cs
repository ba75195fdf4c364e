using System.Net.Sockets;
using SongGen.Checkpoints;
using SongGen.Hub;

namespace SongGen.Cli;

/// <summary>
/// Runs a command body: every failure becomes one clear line on stderr ("songgen: …") and a non-zero exit code, never
/// a stack trace (set <c>SONGGEN_DEBUG=1</c> to get one on a second line).
/// </summary>
internal static class CliRunner
{
    public const int Failure = 1;
    /// <summary>Repository, revision or file not found.</summary>
    public const int NotFound = 2;
    /// <summary>Token missing, invalid or not allowed (gated repositories included).</summary>
    public const int Unauthorized = 3;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(CliContext context, Func<Task<int>> body, CancellationToken cancellationToken = default)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && Chain(ex).Any(e => e is OperationCanceledException))
        {
            context.Error.WriteLine("songgen: cancelled");
            return Cancelled;
        }
        catch (Exception ex)
        {
            var (code, message) = Describe(ex);
            context.Error.WriteLine($"songgen: {OneLine(message)}");
            if (HubEnvironment.IsTrue(context.Environment("SONGGEN_DEBUG"))) context.Error.WriteLine(ex);
            return code;
        }
    }

    private static (int Code, string Message) Describe(Exception ex) => ex switch
    {
        // Gated: the repo exists, access is the problem (a token of an approved user), like a refused token.
        GatedRepoException or HubUnauthorizedException => (Unauthorized, ex.Message),
        RepositoryNotFoundException or RevisionNotFoundException or EntryNotFoundException => (NotFound, ex.Message),
        // Names the file and the fault ("path: the header claims …").
        CheckpointFormatException => (Failure, ex.Message),
        // Names the card file, line and key.
        SongGen.Hub.Cards.CardFormatException => (Failure, ex.Message),
        // Names the config file and key.
        SongGen.Model.Config.SongGenConfigException => (Failure, ex.Message),
        // Says which device was asked for and why it is not there.
        SongGen.Checkpoints.Devices.ComputeDeviceException => (Failure, ex.Message),
        // Names the model folder and the keys that do not fit.
        SongGen.Model.Persistence.SongGenLoadException => (Failure, ex.Message),
        HubException when Network(ex) is { } network && !ex.Message.Contains(network.Message, StringComparison.Ordinal)
            => (Failure, $"{ex.Message} ({network.Message})"),
        HubException or UnsafeRepoPathException => (Failure, ex.Message),
        _ when Network(ex) is { } network => (Failure, $"cannot reach the Hub: {network.Message}"),
        OperationCanceledException or TimeoutException => (Failure, "timed out: " + ex.Message),
        IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or FormatException or UriFormatException
            or NotSupportedException or KeyNotFoundException
            => (Failure, ex.Message),
        // Anything else is a bug, but still one line: the type says where to look.
        _ => (Failure, $"unexpected {ex.GetType().Name}: {ex.Message} (SONGGEN_DEBUG=1 shows the stack trace)"),
    };

    /// <summary>The socket or HTTP failure behind an exception (the HTTP stack and Refit wrap it), if any.</summary>
    private static Exception? Network(Exception ex) =>
        (Exception?)Chain(ex).OfType<HttpRequestException>().FirstOrDefault() ?? Chain(ex).OfType<SocketException>().FirstOrDefault();

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException) yield return e;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
