using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SongGen.Hub;
using SongGen.Hub.Emulator;

// songgen-bench download [--size-mib N] [--runs N] [--cdn-mbps-per-connection N] | sha256 [--size-mib N] [--runs N]
//               | upload [--size-mib N] [--runs N] | noop-upload [--files N] [--runs N]
// Each benchmark runs ours and the baseline alternately from this one invocation and prints medians and ratios.
// The download benchmark serves the file from a second process (this program in "serve" mode), so that the client's
// CPU time is measured apart from the server's, for us and for curl alike.
var command = args.FirstOrDefault() ?? "all";
if (command == "serve") return await DownloadBench.ServeAsync(args[1], args[2], long.Parse(args[3], CultureInfo.InvariantCulture));
if (command == "serve-upload") return await UploadBench.ServeAsync(args[1]);
if (command == "noop-upload") return await UploadBench.NoOpAsync(IntArg("--files", 1000), IntArg("--runs", 3));
var sizeMib = IntArg("--size-mib", 1024);
var runs = IntArg("--runs", 3);
var work = Directory.CreateTempSubdirectory("songgen-bench-").FullName;
try
{
    var payload = Path.Combine(work, "payload.bin");
    WritePayload(payload, sizeMib * 1024L * 1024L);
    if (command is "download" or "all")
    {
        // Loopback as it is: CPU-bound on this machine's cores, server included.
        await DownloadBench.RunAsync(work, payload, runs, bytesPerSecondPerConnection: 0);
        // A CDN that caps each connection (real CDNs do, far below a NIC's speed): what parallel ranges are for.
        var capMbps = IntArg("--cdn-mbps-per-connection", 100);
        if (capMbps > 0) await DownloadBench.RunAsync(work, payload, runs, capMbps * 1_000_000L);
    }
    if (command is "sha256" or "all") await Sha256Bench.RunAsync(payload, runs);
    if (command is "upload" or "all") await UploadBench.RunAsync(work, payload, runs);
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

    /// <summary>CPU seconds used by this process and the children it waited for (server, client and tools together).</summary>
    public static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds + ChildrenCpuSeconds();

    /// <summary>getrusage(RUSAGE_CHILDREN): user+system seconds of the waited-for children (curl, sha256sum).</summary>
    private static double ChildrenCpuSeconds()
    {
        var usage = new long[18];
        return GetRusage(-1, usage) == 0 ? usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6 : 0;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, long[] usage);

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
    public static async Task RunAsync(string work, string payload, int runs, long bytesPerSecondPerConnection)
    {
        var size = new FileInfo(payload).Length;
        var root = Path.Combine(work, "hub");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        using var server = Process.Start(new ProcessStartInfo(Environment.ProcessPath!)
        {
            ArgumentList =
            {
                Path.ChangeExtension(typeof(DownloadBench).Assembly.Location, ".dll"), "serve", root, payload,
                bytesPerSecondPerConnection.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true, RedirectStandardInput = true,
        })!;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the bench server did not start");
            var endpoint = new Uri(ready.Split(' ')[1]);
            var title = bytesPerSecondPerConnection > 0
                ? $"capped at {bytesPerSecondPerConnection / 1_000_000} MB/s per connection"
                : "uncapped";
            await CompareAsync(endpoint, work, size, runs, title);
        }
        finally
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(10_000)) server.Kill();
        }
    }

    /// <summary>Serves the payload as an LFS file of bench/big until standard input closes.</summary>
    public static async Task<int> ServeAsync(string root, string payload, long bytesPerSecondPerConnection)
    {
        Directory.CreateDirectory(root);
        await using var emulator = await HubEmulator.StartAsync(new HubEmulatorOptions { Root = root });
        await emulator.Store.CreateRepoAsync("model", "bench/big");
        await emulator.Store.CommitAsync("model", "bench/big", "main", [EmulatorFile.FromLocalFile("big.bin", payload)]);
        if (bytesPerSecondPerConnection > 0)
            emulator.Faults.Add(Fault.Throttle(bytesPerSecondPerConnection), FaultTarget.Cdn, times: int.MaxValue);
        Console.WriteLine($"READY {emulator.BaseUrl}");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private static async Task CompareAsync(Uri endpoint, string work, long size, int runs, string title)
    {
        var repo = RepoId.Parse("bench/big");
        Uri cdnUrl;
        using (var probe = new HubClient(new HubClientOptions { Endpoint = endpoint, CacheDir = Path.Combine(work, "probe") }))
            cdnUrl = (await probe.GetFileMetadataAsync(repo, "big.bin")).Location;

        var results = new Dictionary<string, List<double>>();
        var cpu = new Dictionary<string, List<double>>();
        async Task Time(string name, Func<Task<double>> action)
        {
            var before = Measure.CpuSeconds();
            var seconds = await action();
            (results.TryGetValue(name, out var l) ? l : results[name] = []).Add(seconds);
            (cpu.TryGetValue(name, out var c) ? c : cpu[name] = []).Add(Measure.CpuSeconds() - before);
        }

        var curlOut = Path.Combine(work, "curl.bin");
        var contenders = new (string Name, Func<Task<double>> Run)[]
        {
            ("curl, 1 connection", async () =>
            {
                var seconds = await Measure.SecondsAsync(() => Measure.RunProcessAsync("curl", "-sS", "--fail", "-o", curlOut, cdnUrl.ToString()));
                File.Delete(curlOut);
                return seconds;
            }),
            ("songgen, 1 connection, sha256 verified", () => OursAsync(endpoint, repo, work, connections: 1, verify: true)),
            ("songgen, 1 connection, not verified", () => OursAsync(endpoint, repo, work, connections: 1, verify: false)),
            ("songgen, 8 connections, sha256 verified", () => OursAsync(endpoint, repo, work, connections: 8, verify: true)),
            ("songgen, 8 connections, not verified", () => OursAsync(endpoint, repo, work, connections: 8, verify: false)),
        };
        // One untimed round first: on a fresh VM the first touch of page-cache memory is several times slower than any
        // later one, and would penalise whichever contender ran first. Then each round rotates the order.
        foreach (var (_, run) in contenders) await run();
        for (var round = 0; round < runs; round++)
        {
            for (var i = 0; i < contenders.Length; i++)
            {
                var (name, run) = contenders[(i + round) % contenders.Length];
                await Time(name, run);
            }
        }

        Console.WriteLine($"## Download of a {size >> 20} MiB LFS file from the emulator's CDN (another process) on loopback, {title} (median of {runs})");
        var baseline = Measure.Median(results["curl, 1 connection"]);
        foreach (var name in contenders.Select(c => c.Name))
        {
            var times = results[name];
            var median = Measure.Median(times);
            Console.WriteLine($"{name,-42} {median,7:0.000} s  {Measure.MBps(size, median),10}  speed vs curl {baseline / median,5:0.00}x  client cpu {Measure.Median(cpu[name]),5:0.00} s");
        }
        foreach (var connections in new[] { 1, 8 })
        {
            var verified = Measure.Median(results[$"songgen, {connections} connection{(connections > 1 ? "s" : "")}, sha256 verified"]);
            var unverified = Measure.Median(results[$"songgen, {connections} connection{(connections > 1 ? "s" : "")}, not verified"]);
            Console.WriteLine($"verification overhead ({connections} connection(s)): {(verified / unverified - 1) * 100:0.0}% extra wall time");
        }
        Console.WriteLine();
    }

    private static async Task<double> OursAsync(Uri endpoint, RepoId repo, string work, int connections, bool verify)
    {
        var cache = Path.Combine(work, "cache");
        if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        var options = new HubClientOptions { Endpoint = endpoint, CacheDir = cache };
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
