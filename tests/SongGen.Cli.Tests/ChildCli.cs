using System.Diagnostics;
using System.Text;

namespace SongGen.Cli.Tests;

/// <summary>
/// The real <c>songgen</c> as a child process (<c>dotnet songgen.dll …</c>, the copy next to the test assembly), for
/// tests that must kill it. Output is collected as it comes so a full pipe never blocks the child.
/// </summary>
internal sealed class ChildCli : IDisposable
{
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly Process _process;

    private ChildCli(Process process) => _process = process;

    public static string SonggenDll => Path.Combine(AppContext.BaseDirectory, "songgen.dll");

    public bool HasExited => _process.HasExited;

    public string Out { get { lock (_out) return _out.ToString(); } }

    public string Err { get { lock (_err) return _err.ToString(); } }

    /// <summary>Starts <c>songgen args</c> with the test's HF_* variables (and none inherited from the machine).</summary>
    public static ChildCli Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        Assert.True(File.Exists(SonggenDll), $"{SonggenDll} is missing: the test project references SongGen.Cli, so it should be copied there.");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(SonggenDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("HF_", StringComparison.Ordinal) || k.StartsWith("HUGGING", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        var process = new Process { StartInfo = start };
        var child = new ChildCli(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._out) child._out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._err) child._err.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>kill -9 of the child and everything it started; returns once it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Waits for the child to end on its own (killing it after <paramref name="limit"/>) and returns what it did.</summary>
    public async Task<CliResult> WaitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            Assert.Fail($"songgen did not finish within {limit.TotalSeconds:0} s.\nstdout:\n{Out}\nstderr:\n{Err}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return new CliResult(_process.ExitCode, Out, Err);
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms until it holds, failing after <paramref name="limit"/> or when the
    /// child ends first (it finished too fast or failed: either way the test learns nothing).
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited)
                Assert.Fail($"songgen exited (code {_process.ExitCode}) before {what}.\nstdout:\n{Out}\nstderr:\n{Err}");
            if (deadline.Elapsed > limit)
            {
                await KillAsync();
                Assert.Fail($"Not {what} after {limit.TotalSeconds:0} s.\nstdout:\n{Out}\nstderr:\n{Err}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The dotnet host running this test (DOTNET_HOST_PATH is set by the SDK), else dotnet on PATH.</summary>
    internal static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
