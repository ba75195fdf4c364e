using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Download;

/// <summary>
/// <c>alice/files</c>: files sized around the harness's part settings (parallel from 256 KiB, 64 KiB parts).
/// <list type="bullet">
/// <item><c>big.bin</c>: LFS, 1 MiB + 123 bytes: parallel, 17 parts from the CDN.</item>
/// <item><c>mid.bin</c>: LFS, 200 KiB: one stream from the CDN.</item>
/// <item><c>plain.dat</c>: regular (git blob), 300 KiB + 7: parallel straight from the Hub's resolve URL.</item>
/// <item><c>notes/small.txt</c>: regular, a few bytes.</item>
/// </list>
/// </summary>
internal static class DownloadTestRepos
{
    public const string FilesId = "alice/files";
    public static RepoId Files => RepoId.Parse(FilesId);

    public static readonly byte[] Big = ClientTestData.Bytes(1024 * 1024 + 123, seed: 1);
    public static readonly byte[] Mid = ClientTestData.Bytes(200 * 1024, seed: 2);
    public static readonly byte[] Plain = ClientTestData.Bytes(300 * 1024 + 7, seed: 3);
    public static readonly byte[] Small = "small file\n"u8.ToArray();

    public static async Task<string> SeedFilesAsync(TestHub hub)
    {
        await hub.Store.CreateRepoAsync("model", FilesId);
        return await hub.Store.CommitAsync("model", FilesId, "main",
        [
            EmulatorFile.FromBytes("big.bin", Big),
            EmulatorFile.FromBytes("mid.bin", Mid),
            EmulatorFile.FromBytes("plain.dat", Plain),
            EmulatorFile.FromBytes("notes/small.txt", Small),
        ]);
    }

    /// <summary>The etag the cache names a file's blob after: sha256 for LFS, git blob sha1 otherwise.</summary>
    public static string Etag(TestHub hub, string repoId, string path, string revision = "main", string type = "model")
    {
        var file = hub.Store.ListFiles(type, repoId, revision).Single(f => f.Path == path);
        return file.IsLfs ? file.Sha256 : file.BlobId;
    }

    /// <summary>CDN requests, optionally only those of one object.</summary>
    public static List<RecordedRequest> CdnRequests(TestHub hub) => hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Cdn).ToList();

    /// <summary>Waits (real time, at most 5 s) until the emulator has logged no new request for 300 ms: requests cut by
    /// a cancelled call are logged when the server notices, which can be after the call returned.</summary>
    public static async Task WaitForQuietAsync(TestHub hub)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var count = -1;
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            var now = hub.Emulator.Requests.Count;
            if (now == count) return;
            count = now;
            await Task.Delay(300);
        }
    }

    /// <summary>Start offsets of "bytes=a-" / "bytes=a-b" ranges.</summary>
    public static long RangeStart(string range) => long.Parse(range["bytes=".Length..].Split('-')[0]);

    /// <summary>Files whose name says "partial download" anywhere under a folder (.incomplete, .parts, .tmp).</summary>
    public static List<string> Leftovers(string folder) =>
        ClientTestData.FilesUnder(folder).Where(f => f.Contains(".incomplete") || f.EndsWith(".parts") || f.EndsWith(".tmp")).ToList();
}
