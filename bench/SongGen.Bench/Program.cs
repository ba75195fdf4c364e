using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SongGen.Hub;
using SongGen.Hub.Emulator;

// songgen-bench download [--size-mib N] [--runs N] | sha256 [--size-mib N] [--runs N]
// Each benchmark runs ours and the baseline alternately in this one process and prints medians and ratios.
var command = args.FirstOrDefault() ?? "all";
var sizeMib = IntArg("--size-mib", 1024);
var runs = IntArg("--runs", 3);
var work = Directory.CreateTempSubdirectory("songgen-bench-").FullName;
try
{
    var payload = Path.Combine(work, "payload.bin");
    WritePayload(payload, sizeMib * 1024L * 1024L);
    if (command is "download" or "all") await DownloadBench.RunAsync(work, payload, runs);
    if (command is "sha256" or "all") await Sha256Bench.RunAsync(payload, runs);
}
finally
{
    Directory.Delete(work, recursive: true);
}
return 0;

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static void WritePayload(string path, long size)
{
    // Pseudo-random bytes so nothing along the way can compress or dedupe them.
    var random = new Random(1234);
    var buffer = new byte[4 << 20];
    using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    for (long written = 0; written < size; written += buffer.Length)
    {
        random.NextBytes(buffer);
        file.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
    }
}

internal static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static async Task<double> SecondsAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalSeconds;
    }

    public static async Task RunProcessAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} exited {process.ExitCode}: {await stderr}");
        await stdout;
    }

    public static string MBps(long bytes, double seconds) => (bytes / seconds / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB/s";
}

internal static class DownloadBench
{
    public static async Task RunAsync(string work, string payload, int runs)
    {
        var size = new FileInfo(payload).Length;
        var root = Path.Combine(work, "hub");
        Directory.CreateDirectory(root);
        await using var emulator = await HubEmulator.StartAsync(new HubEmulatorOptions { Root = root });
        await emulator.Store.CreateRepoAsync("model", "bench/big");
        await emulator.Store.CommitAsync("model", "bench/big", "main", [EmulatorFile.FromLocalFile("big.bin", payload)]);

        var repo = RepoId.Parse("bench/big");
        Uri cdnUrl;
        using (var probe = new HubClient(new HubClientOptions { Endpoint = emulator.BaseUrl, CacheDir = Path.Combine(work, "probe") }))
            cdnUrl = (await probe.GetFileMetadataAsync(repo, "big.bin")).Location;

        var results = new Dictionary<string, List<double>>();
        void Add(string name, double seconds) => (results.TryGetValue(name, out var l) ? l : results[name] = []).Add(seconds);

        for (var run = 0; run < runs; run++)
        {
            var curlOut = Path.Combine(work, "curl.bin");
            Add("curl, 1 connection", await Measure.SecondsAsync(() => Measure.RunProcessAsync("curl", "-sS", "--fail", "-o", curlOut, cdnUrl.ToString())));
            File.Delete(curlOut);
            Add("songgen, 1 connection, sha256 verified", await OursAsync(emulator, repo, work, connections: 1, verify: true));
            Add("songgen, 1 connection, not verified", await OursAsync(emulator, repo, work, connections: 1, verify: false));
            Add("songgen, 8 connections, sha256 verified", await OursAsync(emulator, repo, work, connections: 8, verify: true));
            Add("songgen, 8 connections, not verified", await OursAsync(emulator, repo, work, connections: 8, verify: false));
        }

        Console.WriteLine($"## Download of a {size >> 20} MiB LFS file from the emulator's CDN on loopback (median of {runs})");
        var baseline = Measure.Median(results["curl, 1 connection"]);
        foreach (var (name, times) in results)
        {
            var median = Measure.Median(times);
            Console.WriteLine($"{name,-42} {median,7:0.000} s  {Measure.MBps(size, median),10}  speed vs curl {baseline / median,5:0.00}x");
        }
        foreach (var connections in new[] { 1, 8 })
        {
            var verified = Measure.Median(results[$"songgen, {connections} connection{(connections > 1 ? "s" : "")}, sha256 verified"]);
            var unverified = Measure.Median(results[$"songgen, {connections} connection{(connections > 1 ? "s" : "")}, not verified"]);
            Console.WriteLine($"verification overhead ({connections} connection(s)): {(verified / unverified - 1) * 100:0.0}% extra wall time");
        }
        Console.WriteLine();
    }

    private static async Task<double> OursAsync(HubEmulator emulator, RepoId repo, string work, int connections, bool verify)
    {
        var cache = Path.Combine(work, "cache");
        if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        var options = new HubClientOptions { Endpoint = emulator.BaseUrl, CacheDir = cache };
        options.Download.ConnectionsPerFile = connections;
        options.Download.VerifyHashes = verify;
        using var client = new HubClient(options);
        var downloader = new HubDownloader(client);
        var seconds = await Measure.SecondsAsync(() => downloader.DownloadFileAsync(repo, "big.bin"));
        Directory.Delete(cache, recursive: true);
        return seconds;
    }
}

internal static class Sha256Bench
{
    public static async Task RunAsync(string payload, int runs)
    {
        var size = new FileInfo(payload).Length;
        var ours = new List<double>();
        var theirs = new List<double>();
        var etag = new string('0', 64);
        for (var run = 0; run < runs; run++)
        {
            theirs.Add(await Measure.SecondsAsync(() => Measure.RunProcessAsync("sha256sum", payload)));
            ours.Add(await Measure.SecondsAsync(() => ContentHasher.HashFileAsync(payload, etag)));
        }
        var a = Measure.Median(ours);
        var b = Measure.Median(theirs);
        Console.WriteLine($"## sha256 of a {size >> 20} MiB file in the page cache (median of {runs})");
        Console.WriteLine($"{"sha256sum",-42} {b,7:0.000} s  {Measure.MBps(size, b),10}");
        Console.WriteLine($"{"songgen ContentHasher",-42} {a,7:0.000} s  {Measure.MBps(size, a),10}  speed vs sha256sum {b / a,5:0.00}x");
        Console.WriteLine();
    }
}
