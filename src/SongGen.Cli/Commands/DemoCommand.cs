using System.CommandLine;
using SongGen.Cli.Output;
using SongGen.Hub;
using SongGen.Hub.Emulator;

namespace SongGen.Cli.Commands;

/// <summary>
/// <c>songgen demo</c>: the whole read side, offline. Starts the built-in Hub emulator with its seeded demo repos,
/// then whoami → search → info → download into the cache (default <c>./hubcache</c>) → a second download that moves
/// nothing → the cache as Python would see it.
/// </summary>
internal static class DemoCommand
{
    public const string DemoRepo = "songgen/songgen-demo";

    public static Command Create(CliContext context)
    {
        var cacheDir = CommonOptions.CacheDir();
        var command = new Command("demo", "Run search → info → download against the built-in Hub emulator (no network needed)") { cacheDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () => RunAsync(context, parse.GetValue(cacheDir), ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? cacheDirOption, CancellationToken ct)
    {
        var o = context.Out;
        var emulatorRoot = Directory.CreateTempSubdirectory("songgen-demo-hub-").FullName;
        try
        {
            var emulatorOptions = new HubEmulatorOptions { Root = emulatorRoot };
            await using var emulator = await HubEmulator.StartAsync(emulatorOptions, ct);
            await DemoRepos.SeedAsync(emulator.Store);
            var token = emulatorOptions.Tokens.First(t => t.Value == "alice").Key;
            o.WriteLine($"Hub emulator on {emulator.BaseUrl} (LFS CDN on {emulator.CdnUrl})");

            var options = CommonOptions.ClientOptions(context, emulator.BaseUrl.ToString(), token, cacheDirOption);
            options.Offline = false;
            using var client = new HubClient(options);

            o.WriteLine();
            o.WriteLine("1. whoami");
            var me = await client.WhoAmIAsync(ct);
            o.WriteLine($"   {me.Name} (token {me.Auth?.AccessToken?.DisplayName ?? "?"}, role {me.Auth?.AccessToken?.Role ?? "?"})");

            o.WriteLine();
            o.WriteLine("2. search models for \"songgen\", most downloaded first");
            await foreach (var repo in client.ListReposAsync(RepoType.Model, new RepoSearch { Search = "songgen", Sort = "downloads", Limit = 10 }, ct))
                o.WriteLine($"   {repo.Id,-32} downloads {Units.Count(repo.Downloads),8}  likes {Units.Count(repo.Likes),5}  {repo.PipelineTag ?? ""}");

            var demo = RepoId.Parse(DemoRepo);
            o.WriteLine();
            o.WriteLine($"3. info {demo}");
            var info = await client.GetRepoInfoAsync(demo, filesMetadata: true, cancellationToken: ct);
            o.WriteLine($"   commit {info.Sha}, {info.Siblings?.Count ?? 0} files, {Units.Bytes(info.Siblings?.Sum(s => s.Size ?? 0) ?? 0)}, tags: {string.Join(", ", info.Tags ?? [])}");

            var downloader = new HubDownloader(client);
            o.WriteLine();
            o.WriteLine($"4. download {demo} into {options.CacheDir}");
            SnapshotResult result;
            using (var progress = new ProgressRenderer(o, ProgressMode.Plain))
                result = await downloader.SnapshotDownloadAsync(new SnapshotRequest(demo), progress, ct);

            o.WriteLine();
            o.WriteLine("5. download again: everything is already in the cache");
            var again = await downloader.PlanSnapshotAsync(new SnapshotRequest(demo), ct);
            o.WriteLine($"   {again.Files.Count(f => f.AlreadyPresent)} of {again.Files.Count} files present, {Units.Bytes(again.BytesToDownload)} to download");

            o.WriteLine();
            o.WriteLine($"6. the snapshot, laid out as Python's huggingface_hub lays it out: {result.Folder}");
            foreach (var file in Directory.EnumerateFiles(result.Folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var link = new FileInfo(file).LinkTarget;
                o.WriteLine($"   {Path.GetRelativePath(result.Folder, file),-28} -> {link ?? "(copy)"}");
            }
            o.WriteLine();
            o.WriteLine("Done. Point HF_HUB_CACHE at that folder and Python's huggingface_hub reads the same files.");
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(emulatorRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
