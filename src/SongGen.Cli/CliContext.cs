namespace SongGen.Cli;

/// <summary>Where a command writes and what environment it sees; tests pass their own.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, Func<string, string?> Environment, bool ErrorIsTerminal)
{
    public static CliContext FromProcess() =>
        new(Console.Out, Console.Error, System.Environment.GetEnvironmentVariable, !Console.IsErrorRedirected);
}
