using System.Security.Cryptography;
using System.Text.Json;
using SongGen.Hub.Emulator;
using Xunit.Abstractions;

namespace SongGen.Cli.Tests;

/// <summary>
/// The acceptance test for resumable downloads: the real <c>songgen</c> process is killed (SIGKILL, no chance to clean
/// up) in the middle of a throttled LFS download, and the next run finishes it without fetching again what is on disk.
/// Real time is used because a real process is controlled; every wait is bounded.
/// </summary>
public sealed class ResumeAfterKillTests(ITestOutputHelper output)
{
    private const string Repo = "alice/big-model";
    private const string FileName = "weights.bin"; // *.bin is LFS in the Hub's default .gitattributes
    private const int MiB = 1 << 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Single_stream_download_killed_midway_resumes_with_a_range_request_from_the_bytes_on_disk()
    {
        await using var cli = await CliSession.StartAsync(seedDemo: false);
        var (sha256, size) = await AddLfsFileAsync(cli, 8 * MiB);
        var cache = Path.Combine(cli.Folder, "kill-cache");
        var blob = Path.Combine(cache, "models--alice--big-model", "blobs", sha256);
        var partial = blob + ".incomplete";
        string[] args = ["hub", "download", Repo, FileName, "--cache-dir", cache, "--connections", "1"];

        cli.Hub.Faults.Add(Fault.Throttle(MiB), FaultTarget.Cdn, times: 1000); // about 8 s for the whole file
        long kept;
        using (var child = ChildCli.Start(cli.Environment, args))
        {
            await child.WaitUntilAsync(() => Length(partial) >= MiB, Patience, $"1 MiB in {partial}");
            await child.KillAsync();
            kept = Length(partial);
            cli.AssertNoSecret(new CliResult(-1, child.Out, child.Err));
        }
        output.WriteLine($"killed with {kept} of {size} bytes in {partial}");
        Assert.InRange(kept, MiB, size - 1);
        Assert.False(File.Exists(blob));
        Assert.False(File.Exists(partial + ".parts")); // one stream: no parts file

        cli.Hub.Faults.Clear();
        cli.Hub.Emulator.ClearRequests();
        var result = await cli.RunOkAsync(args);

        // One body request to the CDN, starting exactly where the killed process stopped.
        var get = Assert.Single(cli.Hub.Emulator.Requests, r => r is { Host: EmulatorHost.Cdn, Method: "GET" });
        Assert.Equal($"bytes={kept}-", get.Range);
        Assert.Equal(206, get.StatusCode);
        AssertComplete(cache, result.OutLines.Single(), sha256);
    }

    [Fact]
    public async Task Parallel_download_killed_midway_fetches_only_the_parts_it_had_not_finished()
    {
        await using var cli = await CliSession.StartAsync(seedDemo: false);
        var (sha256, size) = await AddLfsFileAsync(cli, 12 * MiB);
        var cache = Path.Combine(cli.Folder, "kill-cache");
        var blob = Path.Combine(cache, "models--alice--big-model", "blobs", sha256);
        var partial = blob + ".parallel.incomplete";
        var partsFile = partial + ".parts";
        // 12 parts of 1 MiB over 2 connections; the thresholds are lowered so that a small file takes this path.
        string[] args = ["hub", "download", Repo, FileName, "--cache-dir", cache, "--connections", "2", "--part-size", "1MiB", "--multipart-threshold", "4MiB"];

        cli.Hub.Faults.Add(Fault.Throttle(MiB / 2), FaultTarget.Cdn, times: 1000); // 2 s per part, two at a time
        HashSet<int> done;
        using (var child = ChildCli.Start(cli.Environment, args))
        {
            await child.WaitUntilAsync(() => DoneParts(partsFile).Count >= 2, Patience, $"two parts recorded in {partsFile}");
            await child.KillAsync();
            done = DoneParts(partsFile);
            cli.AssertNoSecret(new CliResult(-1, child.Out, child.Err));
        }
        const int partCount = 12;
        output.WriteLine($"killed with parts [{string.Join(", ", done.Order())}] of {partCount} recorded as done");
        Assert.InRange(done.Count, 2, partCount - 1);
        Assert.Equal(size, Length(partial));
        Assert.False(File.Exists(blob));

        cli.Hub.Faults.Clear();
        cli.Hub.Emulator.ClearRequests();
        // The second run is the real process too, with the same part size (a different one would start over).
        CliResult result;
        using (var again = ChildCli.Start(cli.Environment, args))
            result = await again.WaitAsync(Patience);
        Assert.True(result.ExitCode == 0, result.ToString());
        cli.AssertNoSecret(result);

        var missing = Enumerable.Range(0, partCount).Where(i => !done.Contains(i))
            .Select(i => $"bytes={(long)i * MiB}-{(long)(i + 1) * MiB - 1}").Order(StringComparer.Ordinal);
        var requested = cli.Hub.Emulator.Requests.Where(r => r is { Host: EmulatorHost.Cdn, Method: "GET" }).Select(r => r.Range ?? "(whole file)").Order(StringComparer.Ordinal);
        Assert.Equal(missing, requested);
        AssertComplete(cache, result.OutLines.Single(), sha256);
    }

    private static async Task<(string Sha256, long Size)> AddLfsFileAsync(CliSession cli, int size)
    {
        var bytes = new byte[size];
        new Random(20250115).NextBytes(bytes);
        await cli.Hub.Store.CreateRepoAsync("model", Repo);
        await cli.Hub.Store.CommitAsync("model", Repo, "main", [EmulatorFile.FromBytes(FileName, bytes)], message: "Add weights");
        Assert.True(cli.Hub.Store.ListFiles("model", Repo).Single(f => f.Path == FileName).IsLfs);
        return (Convert.ToHexStringLower(SHA256.HashData(bytes)), size);
    }

    /// <summary>The blob is whole and right, the snapshot links to it, and no partial file or parts list is left.</summary>
    private static void AssertComplete(string cache, string printedPath, string sha256)
    {
        var repoFolder = Path.Combine(cache, "models--alice--big-model");
        var blob = Path.Combine(repoFolder, "blobs", sha256);
        Assert.Equal(sha256, CliAssert.Sha256(blob));
        var snapshot = Assert.Single(Directory.GetDirectories(Path.Combine(repoFolder, "snapshots")));
        var pointer = Path.Combine(snapshot, FileName);
        Assert.Equal(pointer, printedPath);
        Assert.Equal($"../../blobs/{sha256}", new FileInfo(pointer).LinkTarget);
        Assert.Equal(sha256, CliAssert.Sha256(pointer));
        Assert.Empty(Directory.EnumerateFiles(cache, "*.incomplete*", SearchOption.AllDirectories));
    }

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path) is { Exists: true } info ? info.Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Part numbers the downloader recorded as finished (the file is replaced atomically; absent means none).</summary>
    private static HashSet<int> DoneParts(string partsFile)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(partsFile));
            return json.RootElement.GetProperty("done").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return [];
        }
    }
}
