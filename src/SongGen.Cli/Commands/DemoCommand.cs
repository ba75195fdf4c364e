using System.CommandLine;
using SongGen.Cli.Output;
using SongGen.Hub;
using SongGen.Hub.Cards;
using SongGen.Hub.Emulator;

namespace SongGen.Cli.Commands;

/// <summary>
/// <c>songgen demo</c>: the read and the write side, offline. Starts the built-in Hub emulator with its seeded demo repos,
/// then whoami → search → info → download into the cache (default <c>./hubcache</c>) → a second download that moves
/// nothing → the cache as Python would see it; then, on a copy of the snapshot in a temporary folder (deleted at the
/// end), a SongGen model card with a loss-curve PNG drawn from a synthetic log (labelled as a demo, no training runs) →
/// create <see cref="FinetuneRepo"/> and upload the folder (preupload, LFS, commit) → upload again (no changes, no
/// commit) → <c>sync diff</c> (all equal; then one weight changed locally: one changed file). The same library calls as
/// <c>hub card init</c>, <c>hub create</c>, <c>hub upload</c> and <c>hub sync diff</c>.
/// </summary>
internal static class DemoCommand
{
    public const string DemoRepo = "songgen/songgen-demo";
    public const string FinetuneRepo = "alice/songgen-demo-finetune";
    public const string LossCurveFile = "demo_loss_curve.png";

    public static Command Create(CliContext context)
    {
        var cacheDir = CommonOptions.CacheDir();
        var command = new Command("demo", "Run search → info → download → model card → upload → sync diff against the built-in Hub emulator (no network needed)") { cacheDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () => RunAsync(context, parse.GetValue(cacheDir), ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? cacheDirOption, CancellationToken ct)
    {
        var o = context.Out;
        var emulatorRoot = Directory.CreateTempSubdirectory("songgen-demo-hub-").FullName;
        var workRoot = Directory.CreateTempSubdirectory("songgen-demo-work-").FullName;
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
            var folder = Path.Combine(workRoot, RepoId.Parse(FinetuneRepo).Name);
            o.WriteLine();
            o.WriteLine($"7. a SongGen model card and a loss curve for a \"fine-tuned\" copy in {folder}");
            var copied = CopySnapshot(result.Folder, folder);
            o.WriteLine($"   copied {copied} file(s) of the snapshot unchanged (no training runs in the demo); not its README.md (the new card replaces it) "
                        + "nor .gitattributes (the Hub keeps its own)");
            WriteDemoCard(o, folder);

            var target = RepoId.Parse(FinetuneRepo);
            o.WriteLine();
            o.WriteLine($"8. create {target} and upload the folder (preupload → sha256 → LFS batch → commit)");
            o.WriteLine($"   created {await client.CreateRepoAsync(target, cancellationToken: ct)}");
            var committer = new HubCommitter(client);
            var upload = new FolderUploadRequest(target, folder) { Message = "Upload the fine-tuned demo model" };
            var first = await committer.UploadFolderAsync(upload, new UploadProgressPrinter(o, ProgressMode.Plain), ct);
            o.WriteLine($"   commit {first.CommitOid}: {first.FilesAdded} file(s) committed, {first.FilesUnchanged} unchanged, "
                        + $"{first.LfsObjectsSent} LFS object(s) sent ({Units.Bytes(first.LfsBytesSent)})");

            o.WriteLine();
            o.WriteLine("9. upload the same folder again");
            var unchangedLines = new SkipUnchanged(new UploadProgressPrinter(o, ProgressMode.Plain));
            var second = await committer.UploadFolderAsync(upload, unchangedLines, ct);
            if (!second.NothingToCommit)
                throw new InvalidOperationException($"re-uploading an unchanged folder made {second.Commits.Count} commit(s) (head {second.CommitOid}); it must make none");
            o.WriteLine($"   no changes, no commit: {second.FilesUnchanged} file(s) unchanged, head still {second.CommitOid}");

            o.WriteLine();
            o.WriteLine($"10. sync diff {folder} {target}");
            var sync = new HubSync(client);
            var diff = new SyncRequest(SyncDirection.Diff, folder, target);
            o.WriteLine($"   as uploaded: {HubWriteCommands.PlanSummary(await sync.PlanAsync(diff, ct))}");
            NudgeLastWeight(Path.Combine(folder, DemoRepos.SafetensorsPath));
            o.WriteLine($"   after changing one weight of the local {DemoRepos.SafetensorsPath} (same size, other sha256):");
            HubWriteCommands.PrintPlan(o, await sync.PlanAsync(diff, ct), "   ");

            o.WriteLine();
            o.WriteLine($"Done. Point HF_HUB_CACHE at {options.CacheDir} and Python's huggingface_hub reads the same files.");
            return 0;
        }
        finally
        {
            foreach (var temporary in new[] { emulatorRoot, workRoot })
            {
                try
                {
                    Directory.Delete(temporary, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>
    /// Copies the snapshot's files (their content: the cache's links are followed, so its blobs are never touched) except
    /// README.md, replaced by the new card, and .gitattributes, which the Hub keeps itself and <c>sync</c> never compares.
    /// </summary>
    private static int CopySnapshot(string snapshot, string folder)
    {
        var copied = 0;
        foreach (var file in Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(snapshot, file);
            if (relative is "README.md" or ".gitattributes") continue;
            var destination = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
            copied++;
        }
        return copied;
    }

    /// <summary>
    /// The card and the curve as <c>hub card init --loss-log</c> writes them. The log is synthetic (a smooth decay), so the
    /// card says so, reports no final loss and 0 training steps, and the image's name and caption call it a demo curve.
    /// </summary>
    private static void WriteDemoCard(TextWriter o, string folder)
    {
        var points = Enumerable.Range(0, 61).Select(i => (Step: i * 5.0, Value: 2.0 + 4.5 * Math.Exp(-i / 12.0) + 0.05 * Math.Sin(i * 0.9))).ToList();
        var png = LossCurvePlot.RenderPng([new LossSeries("loss", points)]);
        File.WriteAllBytes(Path.Combine(folder, LossCurveFile), png);
        var card = SongGenModelCard.Create(new SongGenCardFacts
        {
            ModelName = RepoId.Parse(FinetuneRepo).Name,
            RepoId = FinetuneRepo,
            Mode = "mixed",
            License = "apache-2.0",
            BaseModel = DemoRepo,
            Description = $"Written by `songgen demo`. The weights are an unchanged copy of {DemoRepo}: no training ran. "
                + "The loss curve below is drawn from a synthetic log to show the card's layout; it is not a training result.",
            Images = [new CardImage(LossCurveFile, "Demo loss curve (synthetic)", "Demo curve from a synthetic loss log, not a training result.")],
        });
        var problems = card.Validate(RepoType.Model);
        foreach (var problem in problems) o.WriteLine($"   {problem.Format(Path.Combine(folder, "README.md"))}");
        if (problems.Any(p => p.IsError)) throw new InvalidOperationException("the demo's model card does not validate");
        card.Save(Path.Combine(folder, "README.md"));
        o.WriteLine($"   {LossCurveFile}: DEMO curve from a synthetic loss log ({points.Count} points to step {points[^1].Step:0}), not a training result; {Units.Bytes(png.Length)} PNG");
        o.WriteLine($"   README.md: SongGen card (mode mixed, base model {DemoRepo}, finetune, embeds {LossCurveFile}), {problems.Count} validation problem(s)");
    }

    /// <summary>Flips the lowest mantissa bit of the last F32 weight: the file stays a valid safetensors of the same size.</summary>
    private static void NudgeLastWeight(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = file.Length - 4;
        var lowByte = file.ReadByte();
        file.Position = file.Length - 4;
        file.WriteByte((byte)(lowByte ^ 1));
    }

    /// <summary>Passes upload events on without the per-file "unchanged" lines (step 9 prints their count instead).</summary>
    private sealed class SkipUnchanged(IProgress<UploadEvent> inner) : IProgress<UploadEvent>
    {
        public void Report(UploadEvent value)
        {
            if (value.Kind != UploadEventKind.FileUnchanged) inner.Report(value);
        }
    }
}
