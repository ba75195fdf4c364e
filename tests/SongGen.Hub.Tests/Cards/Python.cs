using System.Diagnostics;

namespace SongGen.Hub.Tests.Cards;

/// <summary>Debian's /usr/bin/python3 (with python3-yaml, which CI installs) as an independent reader of what we write.</summary>
internal static class Python
{
    public const string Executable = "/usr/bin/python3";

    private static readonly Lazy<string?> MissingYaml = new(() => Probe("import yaml, zlib", "python3-yaml"));

    /// <summary>Why PyYAML cannot be run here, or null when it can.</summary>
    public static string? MissingPyYaml() => MissingYaml.Value;

    private static string? Probe(string import, string package)
    {
        if (!File.Exists(Executable)) return $"{Executable} is missing; apt-get install -y {package} to run this cross-check.";
        try
        {
            var (code, _, error) = Run(import, []);
            return code == 0 ? null : $"{Executable} cannot '{import}'; apt-get install -y {package}. {error.Trim()}";
        }
        catch (Exception e)
        {
            return $"{Executable} could not be run ({e.Message}).";
        }
    }

    /// <summary>Runs a script (<c>python3 -c</c>) with arguments; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Output, string Error) Run(string script, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException($"{Executable} ran over a minute.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, when /usr/bin/python3 cannot import yaml and zlib.</summary>
public sealed class RequiresPyYamlFactAttribute : FactAttribute
{
    public RequiresPyYamlFactAttribute()
    {
        if (Python.MissingPyYaml() is { } reason) Skip = reason;
    }
}
