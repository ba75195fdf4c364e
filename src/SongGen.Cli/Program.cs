using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
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
            var root = new RootCommand("SongGen.NET: Hugging Face Hub client, cache tools, checkpoint tools and (later) SongGen training.\n"
                + "Exit codes: 0 done, 1 failed, 2 repository/revision/file not found, 3 token missing, invalid or not allowed, 130 cancelled.");
            root.Subcommands.Add(HubCommands.Create(context));
            root.Subcommands.Add(CacheCommands.Create(context));
            root.Subcommands.Add(TextCommands.Create(context));
            root.Subcommands.Add(CkptCommands.Create(context));
            root.Subcommands.Add(ModelCommands.Create(context));
            root.Subcommands.Add(InitModelCommand.Create(context));
            root.Subcommands.Add(DemoCommand.Create(context));
            root.Subcommands.Add(TuiCommand.Create(context));
            return root;
        }

        public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
        {
            var parse = Build(context).Parse(args);
            if (parse.Action is ParseErrorAction)
            {
                // Usage errors look like every other failure: "songgen: …" lines on stderr, a pointer to --help, exit 1.
                var command = string.Join(' ', CommandPath(parse.CommandResult).Reverse());
                var errors = parse.Errors.Select(e => e.Message).Distinct().ToList();
                for (var i = 0; i < errors.Count; i++)
                    context.Error.WriteLine($"songgen: {errors[i]}{(i == errors.Count - 1 ? $" (see '{command} --help')" : "")}");
                return Task.FromResult(CliRunner.Failure);
            }
            var configuration = new InvocationConfiguration { Output = context.Out, Error = context.Error };
            return parse.InvokeAsync(configuration, cancellationToken);
        }

        private static IEnumerable<string> CommandPath(CommandResult? result)
        {
            for (var current = result; current is not null; current = current.Parent as CommandResult)
                yield return current.Parent is null ? "songgen" : current.Command.Name;
        }
    }
}
