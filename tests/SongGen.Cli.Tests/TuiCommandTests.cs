namespace SongGen.Cli.Tests;

/// <summary><c>songgen tui</c> from the command line; the UI itself is tested in SongGen.Tui.Tests and tests/e2e/tui-tmux.sh.</summary>
public sealed class TuiCommandTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync(seedDemo: false);

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    [Fact]
    public async Task Without_a_terminal_it_says_so_and_fails()
    {
        // The test host's stdin/stdout are not a terminal, as in a pipe or a CI step.
        var result = await _cli.RunAsync("tui");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["songgen: the TUI needs a terminal (stdin and stdout must not be redirected)"], result.ErrLines);
    }

    [Fact]
    public async Task Help_lists_the_options()
    {
        var result = await _cli.RunOkAsync("tui", "--help");

        foreach (var option in new[] { "--endpoint", "--token", "--cache-dir", "--queue-file", "--driver" })
            Assert.Contains(option, result.Out);
    }
}
