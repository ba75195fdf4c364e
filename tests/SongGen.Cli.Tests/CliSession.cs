using System.Text.RegularExpressions;
using SongGen.Hub.Emulator;
using SongGen.Hub.Tests;

namespace SongGen.Cli.Tests;

/// <summary>What one in-process run of the CLI left behind.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Err)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Out}--- stderr ---\n{Err}";
}

/// <summary>
/// One test's world: a fresh Hub emulator (demo repos seeded), a temp folder holding the cache and an empty HF_HOME,
/// and an environment with HF_ENDPOINT / HF_TOKEN / HF_HUB_CACHE aimed at them. <see cref="RunAsync(string[])"/> runs
/// <c>songgen</c> in-process with its own writers and that environment, and checks that no token leaked into the output.
/// </summary>
internal sealed partial class CliSession : IAsyncDisposable
{
    /// <summary>Generous bound for one in-process command; a hang fails the test instead of the whole run.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal) { TestHub.AliceToken, TestHub.BobToken };

    private CliSession(TestHub hub, string folder)
    {
        Hub = hub;
        Folder = folder;
        Environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["HF_ENDPOINT"] = hub.Endpoint,
            ["HF_TOKEN"] = TestHub.AliceToken,
            ["HF_HUB_CACHE"] = CacheDir,
            // An empty HF_HOME: no token file or cache of the machine's user is ever read.
            ["HF_HOME"] = Path.Combine(folder, "hf-home"),
        };
    }

    public TestHub Hub { get; }

    /// <summary>Temp folder of this test (deleted on dispose).</summary>
    public string Folder { get; }

    public string CacheDir => Path.Combine(Folder, "cache");

    /// <summary>The variables the CLI sees; tests may change them.</summary>
    public Dictionary<string, string?> Environment { get; }

    public static async Task<CliSession> StartAsync(bool seedDemo = true, Func<string, HubEmulatorOptions>? options = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "songgen-cli-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var hub = await TestHub.StartAsync(seedDemo, options);
        return new CliSession(hub, folder);
    }

    /// <summary>A string that must never appear in any output (a token the test passes).</summary>
    public void AddSecret(string secret) => _secrets.Add(secret);

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(Environment, args);

    public async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        if (environment.TryGetValue("HF_TOKEN", out var envToken) && !string.IsNullOrEmpty(envToken)) _secrets.Add(envToken);
        var tokenAt = Array.IndexOf(args, "--token");
        if (tokenAt >= 0 && tokenAt + 1 < args.Length) _secrets.Add(args[tokenAt + 1]);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext(stdout, stderr, name => environment.TryGetValue(name, out var value) ? value : null, ErrorIsTerminal: false);
        using var timeout = new CancellationTokenSource(CommandTimeout);
        var exitCode = await SongGenCli.RunAsync(args, context, timeout.Token);
        var result = new CliResult(exitCode, stdout.ToString(), stderr.ToString());
        AssertNoSecret(result);
        return result;
    }

    /// <summary>Runs a command that must succeed and returns its result.</summary>
    public async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"songgen {string.Join(' ', args)} failed:\n{result}");
        return result;
    }

    public void AssertNoSecret(CliResult result)
    {
        foreach (var secret in _secrets)
        {
            Assert.False(result.Out.Contains(secret, StringComparison.Ordinal), $"A token leaked to stdout:\n{result}");
            Assert.False(result.Err.Contains(secret, StringComparison.Ordinal), $"A token leaked to stderr:\n{result}");
        }
    }

    /// <summary>
    /// Checks the shape of an expected failure: the exit code, exactly one line on stderr starting "songgen:", and no
    /// stack trace anywhere.
    /// </summary>
    public static void AssertCleanFailure(CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit code {exitCode}:\n{result}");
        var lines = result.ErrLines;
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.StartsWith("songgen: ", lines[0]);
        Assert.False(StackFrame().IsMatch(result.Out + result.Err), $"stack trace in the output:\n{result}");
    }

    [GeneratedRegex(@"^\s+at \S+\(|Exception:|--- End of", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
