using System.CommandLine;
using SongGen.Cli;
using SongGen.Cli.Commands;

return await SongGenCli.RunAsync(args, CliContext.FromProcess());

namespace SongGen.Cli
{
    /// <summary>The <c>songgen</c> command line: Hub, cache and demo commands.</summary>
    internal static class SongGenCli
    {
        public static RootCommand Build(CliContext context)
        {
            var root = new RootCommand("SongGen.NET: Hugging Face Hub client, cache tools and (later) SongGen training.\n"
                + "Exit codes: 0 done, 1 failed, 2 repository/revision/file not found, 3 token missing, invalid or not allowed, 130 cancelled.");
            root.Subcommands.Add(HubCommands.Create(context));
            root.Subcommands.Add(CacheCommands.Create(context));
            root.Subcommands.Add(DemoCommand.Create(context));
            return root;
        }

        public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
        {
            var configuration = new InvocationConfiguration { Output = context.Out, Error = context.Error };
            return Build(context).Parse(args).InvokeAsync(configuration, cancellationToken);
        }
    }
}
