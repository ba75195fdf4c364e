using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary>Helpers for write-side tests: a fresh repo of alice, local folders with known content, the emulator's request log.</summary>
internal static class UploadHarness
{
    /// <summary>Emulator options with alice's read-only token added and small multipart thresholds (parts from 256 KiB, 64 KiB each).</summary>
    public static HubEmulatorOptions Options(string root)
    {
        var defaults = TestHub.DefaultOptions(root);
        var tokens = new Dictionary<string, string>(defaults.Tokens, StringComparer.Ordinal) { [HubEmulatorOptions.AliceReadToken] = "alice" };
        return new HubEmulatorOptions
        {
            Root = root,
            Tokens = tokens,
            ReadOnlyTokens = new HashSet<string>(StringComparer.Ordinal) { HubEmulatorOptions.AliceReadToken },
            MultipartThreshold = 256 * 1024,
            MultipartChunkSize = 64 * 1024,
        };
    }

    public static Task<TestHub> StartAsync() => TestHub.StartAsync(seedDemo: false, Options);

    public static ClientHarness Alice(TestHub hub, Action<HubClientOptions>? configure = null) => ClientHarness.Create(hub, TestHub.AliceToken, configure);

    /// <summary>Creates alice/&lt;name&gt; through the client.</summary>
    public static async Task<RepoId> NewRepoAsync(ClientHarness h, string name = "upload-test", RepoType type = RepoType.Model)
    {
        var repo = RepoId.Parse("alice/" + name, type);
        await h.Run(ct => h.Client.CreateRepoAsync(repo, cancellationToken: ct));
        return repo;
    }

    /// <summary>Writes files (relative path → bytes) under a fresh temp folder owned by the harness.</summary>
    public static string Folder(ClientHarness h, IReadOnlyDictionary<string, byte[]> files)
    {
        var folder = h.NewTempFolder("songgen-upload-");
        foreach (var (path, bytes) in files) Write(folder, path, bytes);
        return folder;
    }

    public static void Write(string folder, string path, byte[] bytes)
    {
        var full = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    /// <summary>Text bytes (stored as a regular file).</summary>
    public static byte[] Text(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    /// <summary>Binary bytes starting with a NUL (the emulator stores them as LFS, as the Hub does binaries).</summary>
    public static byte[] Binary(int count, int seed)
    {
        var bytes = ClientTestData.Bytes(count, seed);
        bytes[0] = 0;
        return bytes;
    }

    public static IReadOnlyList<RecordedRequest> Commits(TestHub hub) =>
        hub.Emulator.Requests.Where(r => r.Method == "POST" && r.PathAndQuery.Contains("/commit/", StringComparison.Ordinal)).ToList();

    public static IReadOnlyList<RecordedRequest> LfsPuts(TestHub hub) =>
        hub.Emulator.Requests.Where(r => r.Method == "PUT" && r.Host == EmulatorHost.Cdn).ToList();

    public static async Task<string?> HeadAsync(ClientHarness h, RepoId repo, string revision = "main") =>
        (await h.Run(ct => h.Client.GetRepoInfoAsync(repo, revision, cancellationToken: ct))).Sha;

    /// <summary>path → (content id, is LFS) at a revision, via the tree API.</summary>
    public static async Task<Dictionary<string, (string Id, bool Lfs, long Size)>> TreeAsync(ClientHarness h, RepoId repo, string revision = "main")
    {
        var entries = await h.RunList(ct => h.Client.ListTreeAsync(repo, revision, recursive: true, cancellationToken: ct));
        return entries.Where(e => e.IsFile).ToDictionary(e => e.Path, e => (e.Lfs?.Oid ?? e.Oid!, e.Lfs is not null, e.Size), StringComparer.Ordinal);
    }
}
