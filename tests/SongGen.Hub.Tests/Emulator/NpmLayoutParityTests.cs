using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SongGen.Hub.Emulator;
using Xunit.Abstractions;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>
/// The cache our <see cref="HubDownloader"/> writes is the one the official JS client (@huggingface/hub
/// <c>snapshotDownload</c>) writes for the same repo and revision: same repo folder, blob names and bytes, ref file
/// (byte-exact, no newline), snapshot paths and relative symlink targets. The few files only we write are listed below
/// with the reason.
/// </summary>
public sealed class NpmLayoutParityTests(ITestOutputHelper output)
{
    private const string RepoFolder = "models--songgen--songgen-demo";

    /// <summary>Written by us only, on purpose; everything else must match entry for entry.</summary>
    private static readonly (string Prefix, string Why)[] OursOnly =
    [
        ("CACHEDIR.TAG", "the cache-directory tag Python's huggingface_hub writes at the cache root (backup tools skip the folder); the JS client writes none"),
        (".locks/", "flock lock files at the paths Python's filelock uses, so that Python and we never fetch the same blob at once; the JS client takes no locks"),
        ($"{RepoFolder}/trees/", "Python ≥ 1.22's cached tree listing (trees/<commit>.json), used offline to tell a complete snapshot; the JS client has no such cache"),
    ];

    /// <summary>Written by the JS client only: nothing is expected.</summary>
    private static readonly (string Prefix, string Why)[] JsOnly = [];

    [RequiresNpmClientFact]
    public async Task Snapshot_of_the_demo_model_is_laid_out_exactly_as_the_js_client_lays_it_out()
    {
        await using var hub = await TestHub.StartAsync();
        var jsCache = Path.Combine(hub.Root, "js-cache");
        var ourCache = Path.Combine(hub.Root, "our-cache");
        var main = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;

        var (exitCode, log) = await NpmClientTests.RunNodeAsync(hub.Endpoint, TestHub.AliceToken, jsCache, Path.Combine(hub.Root, "js-report.json"));
        output.WriteLine(log);
        Assert.Equal(0, exitCode);
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(hub.Root, "js-report.json"))))
        {
            var step = report.RootElement.GetProperty("steps").GetProperty("snapshotDownload");
            Assert.True(step.GetProperty("ok").GetBoolean(), step.ToString());
            Assert.Equal($"{RepoFolder}/snapshots/{main}", step.GetProperty("value").GetProperty("folder").GetString());
        }

        using (var client = new HubClient(new HubClientOptions { Endpoint = new Uri(hub.Endpoint), Token = TestHub.AliceToken, CacheDir = ourCache }))
        {
            var result = await new HubDownloader(client).SnapshotDownloadAsync(new SnapshotRequest(RepoId.Parse(DemoRepos.ModelId)) { Revision = "main" });
            Assert.Equal(main, result.Plan.Commit);
        }

        var js = Describe(jsCache);
        var ours = Describe(ourCache);
        output.WriteLine("JS client:\n  " + string.Join("\n  ", js.Select(kv => $"{kv.Key}  {kv.Value}")));
        output.WriteLine("ours:\n  " + string.Join("\n  ", ours.Select(kv => $"{kv.Key}  {kv.Value}")));

        // The allowed differences are real (if one stops being written, this list must shrink) and are the only ones.
        foreach (var (prefix, why) in OursOnly)
        {
            Assert.True(ours.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)), $"we no longer write {prefix} ({why}): update the list");
            Assert.DoesNotContain(js.Keys, k => k.StartsWith(prefix, StringComparison.Ordinal));
        }
        var comparedOurs = ours.Where(kv => !OursOnly.Any(a => kv.Key.StartsWith(a.Prefix, StringComparison.Ordinal))).ToList();
        var comparedJs = js.Where(kv => !JsOnly.Any(a => kv.Key.StartsWith(a.Prefix, StringComparison.Ordinal))).ToList();

        // Same repo folder name, and nothing else at the top.
        Assert.Equal([RepoFolder + "/"], comparedJs.Select(kv => kv.Key).Where(k => !k.TrimEnd('/').Contains('/')));
        Assert.Equal([RepoFolder + "/"], comparedOurs.Select(kv => kv.Key).Where(k => !k.TrimEnd('/').Contains('/')));

        // Same blob names and bytes.
        var blobs = hub.Store.ListFiles("model", DemoRepos.ModelId).Select(f => f.IsLfs ? f.Sha256 : f.BlobId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(blobs.Select(b => $"{RepoFolder}/blobs/{b}"), js.Keys.Where(k => k.StartsWith($"{RepoFolder}/blobs/", StringComparison.Ordinal) && !k.EndsWith('/')));
        Assert.Equal(blobs.Select(b => $"{RepoFolder}/blobs/{b}"), ours.Keys.Where(k => k.StartsWith($"{RepoFolder}/blobs/", StringComparison.Ordinal) && !k.EndsWith('/')));

        // refs/main: the commit, byte for byte, no newline.
        var expectedRef = Encoding.ASCII.GetBytes(main);
        Assert.Equal(expectedRef, await File.ReadAllBytesAsync(Path.Combine(jsCache, RepoFolder, "refs", "main")));
        Assert.Equal(expectedRef, await File.ReadAllBytesAsync(Path.Combine(ourCache, RepoFolder, "refs", "main")));

        // Snapshot paths with the same relative symlink targets (one more ../ per sub folder).
        var links = ours.Where(kv => kv.Value.StartsWith("link ", StringComparison.Ordinal)).ToList();
        Assert.Equal(hub.Store.ListFiles("model", DemoRepos.ModelId).Count, links.Count);
        Assert.Contains(links, kv => kv.Key.EndsWith("/tokenizer/spiece.model", StringComparison.Ordinal) && kv.Value.Contains(" ../../../blobs/"));

        // And so, entry for entry, the same tree.
        Assert.Equal(comparedJs, comparedOurs);
    }

    /// <summary>
    /// Every entry under <paramref name="root"/>, '/'-separated and sorted: folders end with '/', files are described by
    /// the sha256 of their bytes, symlinks by their target as written (not followed).
    /// </summary>
    private static SortedDictionary<string, string> Describe(string root)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
            if (entry.LinkTarget is { } target)
                entries[relative] = "link " + target.Replace('\\', '/');
            else if (entry is DirectoryInfo)
                entries[relative + "/"] = "dir";
            else
                entries[relative] = "file " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }
        return entries;
    }
}
