using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SongGen.Hub;
using SongGen.Hub.Emulator;

/// <summary>
/// Upload of one large LFS file to the emulator (another process): songgen's whole commit (sha256, preupload, LFS batch,
/// PUT, NDJSON commit) against <c>curl -T</c> of the same bytes to the same kind of PUT URL (one the batch API handed
/// out, basic transfer). Every run sends a new object (the first 8 bytes carry the run number), so nothing is skipped.
/// </summary>
internal static class UploadBench
{
    private const string Repo = "alice/bench-upload";
    private const string BeforePut = "  songgen before the PUT (hash, preupload, batch)";
    private const string PutPhase = "  songgen's PUT (from progress events)";
    private const string AfterPut = "  songgen after the PUT (commit)";

    /// <summary>Reports on the caller's thread, so timestamps are taken when the event happens.</summary>
    private sealed class Phases(Action<UploadEvent> report) : IProgress<UploadEvent>
    {
        private readonly Lock _gate = new();

        public void Report(UploadEvent value)
        {
            lock (_gate) report(value);
        }
    }

    public static async Task<int> ServeAsync(string root)
    {
        Directory.CreateDirectory(root);
        // One PUT per object (basic transfer), the same request curl makes.
        await using var emulator = await HubEmulator.StartAsync(new HubEmulatorOptions { Root = root, MultipartThreshold = long.MaxValue });
        await emulator.Store.CreateRepoAsync("model", Repo, owner: "alice");
        Console.WriteLine($"READY {emulator.BaseUrl}");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    /// <summary>
    /// Re-upload of an unchanged folder of many small files: it must make no commit. Times the first upload and the no-op
    /// re-uploads (preupload answers every oid; nothing is hashed beyond the files, nothing sent, no commit request).
    /// </summary>
    public static async Task<int> NoOpAsync(int files, int runs)
    {
        var work = Directory.CreateTempSubdirectory("songgen-bench-noop-").FullName;
        try
        {
            var folder = Path.Combine(work, "folder");
            for (var i = 0; i < files; i++)
            {
                var path = Path.Combine(folder, $"d{i % 20:00}", $"file-{i:0000}.txt");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, $"small file {i}\n");
            }
            await using var emulator = await HubEmulator.StartAsync(new HubEmulatorOptions { Root = Path.Combine(work, "hub") });
            await emulator.Store.CreateRepoAsync("model", Repo, owner: "alice");
            var options = new HubClientOptions { Endpoint = emulator.BaseUrl, Token = HubEmulatorOptions.AliceToken, CacheDir = Path.Combine(work, "cache") };
            options.Upload.MaxFilesPerCommit = files; // one commit for the first upload
            using var client = new HubClient(options);
            var committer = new HubCommitter(client);
            var request = new FolderUploadRequest(RepoId.Parse(Repo), folder);
            var first = await Measure.SecondsAsync(() => committer.UploadFolderAsync(request));
            var times = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                emulator.ClearRequests();
                CommitResult? result = null;
                times.Add(await Measure.SecondsAsync(async () => result = await committer.UploadFolderAsync(request)));
                var commits = emulator.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.Contains("/commit/", StringComparison.Ordinal));
                if (!result!.NothingToCommit || commits != 0) throw new InvalidOperationException($"the no-op re-upload made {commits} commit request(s)");
            }
            Console.WriteLine($"## Re-upload of an unchanged folder of {files} small files to the emulator (same process), median of {runs}");
            Console.WriteLine($"{"first upload (one commit)",-50} {first,7:0.000} s");
            Console.WriteLine($"{"no-op re-upload (no commit request made)",-50} {Measure.Median(times),7:0.000} s");
            Console.WriteLine();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static async Task RunAsync(string work, string payload, int runs)
    {
        var size = new FileInfo(payload).Length;
        var root = Path.Combine(work, "hub-upload");
        using var server = Process.Start(new ProcessStartInfo(Environment.ProcessPath!)
        {
            ArgumentList = { Path.ChangeExtension(typeof(UploadBench).Assembly.Location, ".dll"), "serve-upload", root },
            RedirectStandardOutput = true, RedirectStandardInput = true,
        })!;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the bench server did not start");
            var endpoint = new Uri(ready.Split(' ')[1]);
            await CompareAsync(endpoint, payload, size, runs);
        }
        finally
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(10_000)) server.Kill();
        }
    }

    private static async Task CompareAsync(Uri endpoint, string payload, long size, int runs)
    {
        var variant = 0L;
        var results = new Dictionary<string, List<double>>();
        var contenders = new (string Name, Func<Task<double>> Run)[]
        {
            ("curl -T (PUT only)", async () =>
            {
                MakeVariant(payload, ++variant);
                string oid;
                await using (var stream = File.OpenRead(payload)) oid = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
                var href = await PutUrlAsync(endpoint, oid, size);
                return await Measure.SecondsAsync(() => Measure.RunProcessAsync("curl", "-sS", "--fail", "-T", payload, href));
            }),
            ("songgen upload (hash+preupload+PUT+commit)", async () =>
            {
                MakeVariant(payload, ++variant);
                var options = new HubClientOptions { Endpoint = endpoint, Token = HubEmulatorOptions.AliceToken, CacheDir = Path.GetTempPath() };
                using var client = new HubClient(options);
                var committer = new HubCommitter(client);
                var path = $"big-{variant}.bin";
                var watch = Stopwatch.StartNew();
                TimeSpan? putStart = null, putEnd = null;
                var phases = new Phases(e =>
                {
                    if (e.Kind == UploadEventKind.Uploading) putStart ??= watch.Elapsed;
                    if (e.Kind == UploadEventKind.FileUploaded) putEnd = watch.Elapsed;
                });
                await committer.CreateCommitAsync(new CommitRequest(RepoId.Parse(Repo), [CommitAdd.FromFile(path, payload)]), phases);
                var total = watch.Elapsed.TotalSeconds;
                void Add(string name, double seconds) => (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(seconds);
                Add(BeforePut, putStart!.Value.TotalSeconds);
                Add(PutPhase, (putEnd!.Value - putStart.Value).TotalSeconds);
                Add(AfterPut, total - putEnd.Value.TotalSeconds);
                return total;
            }),
        };
        foreach (var (_, run) in contenders) await run(); // untimed warm-up round
        results.Clear();
        for (var round = 0; round < runs; round++)
        {
            for (var i = 0; i < contenders.Length; i++)
            {
                var (name, run) = contenders[(i + round) % contenders.Length];
                var seconds = await run();
                (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(seconds);
            }
        }
        Console.WriteLine($"## Upload of a {size >> 20} MiB LFS file to the emulator (another process) on loopback, basic transfer (median of {runs})");
        var baseline = Measure.Median(results[contenders[0].Name]);
        foreach (var name in contenders.Select(c => c.Name).Append(PutPhase))
        {
            var median = Measure.Median(results[name]);
            Console.WriteLine($"{name,-50} {median,7:0.000} s  {Measure.MBps(size, median),10}  speed vs curl {baseline / median,5:0.00}x");
        }
        foreach (var name in new[] { BeforePut, AfterPut })
            Console.WriteLine($"{name,-50} {Measure.Median(results[name]),7:0.000} s");
        Console.WriteLine();
    }

    /// <summary>Writes the run number into the first 8 bytes: a new sha256, so the Hub holds no copy yet.</summary>
    private static void MakeVariant(string payload, long variant)
    {
        using var file = new FileStream(payload, FileMode.Open, FileAccess.Write);
        file.Write(BitConverter.GetBytes(variant));
    }

    /// <summary>Asks the LFS batch API for the PUT URL of an object, as the client does before its PUT.</summary>
    private static async Task<string> PutUrlAsync(Uri endpoint, string oid, long size)
    {
        using var http = new HttpClient { BaseAddress = endpoint };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HubEmulatorOptions.AliceToken);
        var body = $"{{\"operation\":\"upload\",\"transfers\":[\"basic\"],\"objects\":[{{\"oid\":\"{oid}\",\"size\":{size.ToString(CultureInfo.InvariantCulture)}}}],\"hash_algo\":\"sha256\"}}";
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.git-lfs+json");
        using var response = await http.PostAsync($"/{Repo}.git/info/lfs/objects/batch", content);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("objects")[0].GetProperty("actions").GetProperty("upload").GetProperty("href").GetString()!;
    }
}
