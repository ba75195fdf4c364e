using System.Diagnostics;

namespace SongGen.Tests.Shared;

/// <summary>
/// Runs fixture scripts with Debian's python3-torch (/usr/bin/python3), which the interop tests need. Shared by the test
/// projects (linked into each), so every project probes and skips the same way.
/// </summary>
internal static class PythonTorch
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why the interop tests cannot run here, or null when they can.</summary>
    public static string? MissingPrerequisite() => Missing.Value;

    private static string? Probe()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is missing; install Debian's python3-torch (apt-get install -y python3-torch) to run the PyTorch interop tests.";
        }
        try
        {
            var (code, _, error) = Run(["-c", "import torch"]);
            return code == 0 ? null : $"{Python} cannot import torch; install Debian's python3-torch (apt-get install -y python3-torch). {error.Trim()}";
        }
        catch (Exception e)
        {
            return $"{Python} could not be run ({e.Message}).";
        }
    }

    /// <summary>Runs a script copied beside the tests (fixtures/NAME) and returns its stdout; a non-zero exit fails.</summary>
    public static string RunScript(string name, params string[] arguments)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "fixtures", name);
        var (code, output, error) = Run([script, .. arguments]);
        if (code != 0)
        {
            throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} failed ({code}): {error}");
        }
        return output;
    }

    private static (int Code, string Output, string Error) Run(string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill();
            throw new TimeoutException($"{Python} {string.Join(' ', arguments)} ran over two minutes.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, when /usr/bin/python3 with torch is missing (decided at discovery).</summary>
public sealed class RequiresPythonTorchFactAttribute : FactAttribute
{
    public RequiresPythonTorchFactAttribute()
    {
        if (PythonTorch.MissingPrerequisite() is { } reason)
        {
            Skip = reason;
        }
    }
}
