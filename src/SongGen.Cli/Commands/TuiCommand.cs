using System.CommandLine;
using SongGen.Hub;
using SongGen.Tui;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen tui</c>: the terminal UI over the same environment and options as the <c>hub</c> commands.</summary>
internal static class TuiCommand
{
    public static Command Create(CliContext context)
    {
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var cacheDir = CommonOptions.CacheDir();
        var queueFile = new Option<string?>("--queue-file")
        {
            Description = "Where the download queue persists (default $HF_HOME/songgen/tui-queue.json); a restart resumes it",
        };
        var driver = new Option<string?>("--driver") { Description = "Terminal.Gui driver: ansi, dotnet or windows (default: the platform's)" };
        var command = new Command("tui", "Browse, search and download Hub models and datasets in the terminal (Ctrl+Q quits)")
        {
            token, endpoint, cacheDir, queueFile, driver,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            if (Console.IsInputRedirected || Console.IsOutputRedirected)
                throw new InvalidOperationException("the TUI needs a terminal (stdin and stdout must not be redirected)");
            var options = CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), parse.GetValue(cacheDir));
            var tuiOptions = new TuiOptions
            {
                QueueFile = Path.GetFullPath(parse.GetValue(queueFile) ?? SongGenTui.DefaultQueueFile(context.Environment)),
                Driver = parse.GetValue(driver),
                // Where `hf auth login` writes it, from the same environment the client options came from.
                TokenFile = HubEnvironment.TokenFile(context.Environment),
            };
            SongGenTui.Run(options, tuiOptions);
            return Task.FromResult(0);
        }, ct));
        return command;
    }
}
