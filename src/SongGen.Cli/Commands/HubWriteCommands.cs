using System.CommandLine;
using SongGen.Cli.Output;
using SongGen.Hub;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen hub create|delete|upload|sync</c>: the write side, with the options <c>hf</c> users know.</summary>
internal static class HubWriteCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [CreateRepo(context), DeleteRepo(context), Upload(context), Sync(context)];

    private static Command CreateRepo(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var type = CommonOptions.RepoType();
        var isPrivate = new Option<bool>("--private") { Description = "Only you (and your org) can see it" };
        var existOk = new Option<bool>("--exist-ok") { Description = "Succeed if it already exists" };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var command = new Command("create", "Create a model, dataset or space repository; prints its URL") { repoArg, type, isPrivate, existOk, token, endpoint };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var url = await client.CreateRepoAsync(repo, parse.GetValue(isPrivate), parse.GetValue(existOk), ct);
            context.Out.WriteLine(url);
            return 0;
        }, ct));
        return command;
    }

    private static Command DeleteRepo(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var type = CommonOptions.RepoType();
        var missingOk = new Option<bool>("--missing-ok") { Description = "Succeed if it does not exist" };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var command = new Command("delete", "Delete a repository (with all its files and history)") { repoArg, type, missingOk, token, endpoint };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            await client.DeleteRepoAsync(repo, parse.GetValue(missingOk), ct);
            context.Out.WriteLine($"Deleted {repo.Type.Singular()} {repo.Id}");
            return 0;
        }, ct));
        return command;
    }

    private static Command Upload(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var localArg = new Argument<string?>("local_path") { Description = "File or folder to upload (default: the current folder)", Arity = ArgumentArity.ZeroOrOne };
        var pathArg = new Argument<string?>("path_in_repo") { Description = "Where it goes in the repo (default: the file's name, or the root for a folder)", Arity = ArgumentArity.ZeroOrOne };
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var include = new Option<string[]>("--include") { Description = "Glob of local files to upload (repeatable)", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob of local files to leave out (repeatable)", AllowMultipleArgumentsPerToken = true };
        var delete = new Option<string[]>("--delete") { Description = "Glob of remote files under path_in_repo to delete in the same commit (repeatable)", AllowMultipleArgumentsPerToken = true };
        var message = new Option<string?>("--commit-message") { Description = "Commit title" };
        var description = new Option<string?>("--commit-description") { Description = "Commit description" };
        var createPr = new Option<bool>("--create-pr") { Description = "Open a pull request instead of committing to the branch" };
        var isPrivate = new Option<bool>("--private") { Description = "Create the repo private if it does not exist" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the commit URL" };
        var json = new Option<bool>("--json") { Description = "Progress as JSON events, one per line" };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var command = new Command("upload", "Upload a file or a folder; only files that differ from the Hub are sent, and no commit is made when none does")
        {
            repoArg, localArg, pathArg, type, revision, include, exclude, delete, message, description, createPr, isPrivate, quiet, json, token, endpoint,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var local = Path.GetFullPath(parse.GetValue(localArg) ?? ".");
            var isFile = File.Exists(local);
            if (!isFile && !Directory.Exists(local)) throw new FileNotFoundException($"{local}: no such file or folder to upload");
            var rev = parse.GetValue(revision);
            var pr = parse.GetValue(createPr);
            if (pr && rev is not null && rev != "main")
                throw new ArgumentException("--create-pr opens a pull request against main; it cannot be combined with --revision");
            var mode = parse.GetValue(json) ? ProgressMode.Json : parse.GetValue(quiet) ? ProgressMode.Quiet : ProgressMode.Plain;
            var progress = new UploadProgressPrinter(mode == ProgressMode.Json ? context.Out : context.Error, mode);

            // As hf upload: the repo is created if missing, and so is the branch.
            await client.CreateRepoAsync(repo, parse.GetValue(isPrivate), existOk: true, ct);
            if (rev is not null && !rev.StartsWith("refs/", StringComparison.Ordinal) && !HubDownloader.IsCommitHash(rev))
                await client.CreateBranchAsync(repo, rev, existOk: true, cancellationToken: ct);

            var committer = new HubCommitter(client);
            var commitMessage = parse.GetValue(message);
            CommitResult result;
            if (isFile)
            {
                if (parse.GetValue(include) is { Length: > 0 } || parse.GetValue(exclude) is { Length: > 0 })
                    throw new ArgumentException("--include and --exclude apply to folders; the local path is a file");
                var pathInRepo = parse.GetValue(pathArg) ?? Path.GetFileName(local);
                var operations = new List<CommitOperation> { CommitAdd.FromFile(pathInRepo, local) };
                result = await committer.CreateCommitAsync(new CommitRequest(repo, operations)
                {
                    Message = commitMessage ?? $"Upload {pathInRepo} with songgen",
                    Description = parse.GetValue(description) ?? "",
                    Revision = rev,
                    CreatePullRequest = pr,
                }, progress, ct);
            }
            else
            {
                result = await committer.UploadFolderAsync(new FolderUploadRequest(repo, local)
                {
                    PathInRepo = parse.GetValue(pathArg) ?? "",
                    Include = parse.GetValue(include) ?? [],
                    Exclude = parse.GetValue(exclude) ?? [],
                    DeletePatterns = parse.GetValue(delete) ?? [],
                    Message = commitMessage ?? "Upload folder using songgen",
                    Description = parse.GetValue(description) ?? "",
                    Revision = rev,
                    CreatePullRequest = pr,
                }, progress, ct);
            }
            if (mode == ProgressMode.Json) return 0;
            if (result.NothingToCommit)
            {
                if (mode != ProgressMode.Quiet) context.Out.WriteLine($"No changes: every file is already on the Hub as it is here (head {result.CommitOid}).");
                return 0;
            }
            if (result.PullRequestUrl is { } prUrl) context.Out.WriteLine(prUrl);
            else context.Out.WriteLine(result.CommitUrl?.ToString() ?? $"{client.RepoUrl(repo)}/commit/{result.CommitOid}");
            if (mode != ProgressMode.Quiet)
                context.Error.WriteLine($"{result.FilesAdded} file(s) committed, {result.FilesUnchanged} unchanged, {result.FilesDeleted} deleted, "
                                        + $"{Units.Bytes(result.LfsBytesSent)} sent to LFS in {result.Commits.Count} commit(s)"
                                        + (result.PullRequestRevision is { } prRev ? $"; pull request {prRev}" : ""));
            return 0;
        }, ct));
        return command;
    }

    private static Command Sync(CliContext context)
    {
        var sync = new Command("sync", "Compare or mirror a local folder and a repo folder (rsync-like plan, --dry-run, --plan/--apply)");
        foreach (var direction in new[] { SyncDirection.Push, SyncDirection.Pull, SyncDirection.Diff })
            sync.Subcommands.Add(SyncDirectionCommand(context, direction));
        return sync;
    }

    private static Command SyncDirectionCommand(CliContext context, SyncDirection direction)
    {
        var localArg = new Argument<string>("local_dir") { Description = "The local folder" };
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var pathInRepo = new Option<string?>("--path-in-repo") { Description = "Folder in the repo (default: the root)" };
        var delete = new Option<bool>("--delete") { Description = "Mirror deletions: remove on the target what the source lacks" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan, change nothing" };
        var planFile = new Option<string?>("--plan") { Description = "Write the plan (JSON lines) to this file, change nothing" };
        var applyFile = new Option<string?>("--apply") { Description = "Carry out a plan saved with --plan (refused if the repo or the folder changed since)" };
        var message = new Option<string?>("--commit-message") { Description = "Commit title (push)" };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON lines" };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var cacheDir = CommonOptions.CacheDir();
        var (name, about) = direction switch
        {
            SyncDirection.Push => ("push", "Upload what differs from the local folder to the repo"),
            SyncDirection.Pull => ("pull", "Download what differs from the repo into the local folder (through the cache)"),
            _ => ("diff", "Show how the local folder and the repo differ"),
        };
        var command = new Command(name, about) { localArg, repoArg, type, revision, pathInRepo, json, token, endpoint };
        if (direction != SyncDirection.Diff)
        {
            command.Options.Add(delete);
            command.Options.Add(dryRun);
            command.Options.Add(planFile);
            command.Options.Add(applyFile);
            command.Options.Add(cacheDir);
            if (direction == SyncDirection.Push) command.Options.Add(message);
        }
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            if (parse.GetValue(planFile) is not null && parse.GetValue(applyFile) is not null)
                throw new ArgumentException("--plan and --apply exclude each other: plan first, then apply the saved plan");
            var options = CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), parse.GetValue(cacheDir));
            using var client = new HubClient(options);
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var localDir = Path.GetFullPath(parse.GetValue(localArg)!);
            var hubSync = new HubSync(client);
            var asJson = parse.GetValue(json);

            SyncPlan plan;
            if (parse.GetValue(applyFile) is { } applyPath)
            {
                plan = ReadPlan(applyPath);
                if (plan.Direction != direction || plan.Repo != repo || !string.Equals(plan.LocalDir, localDir, StringComparison.Ordinal))
                    throw new ArgumentException($"{applyPath} is a {plan.Direction.ToString().ToLowerInvariant()} plan of {plan.LocalDir} and {plan.Repo}, "
                                                + $"not a {name} of {localDir} and {repo}");
            }
            else
            {
                plan = await hubSync.PlanAsync(new SyncRequest(direction, localDir, repo)
                {
                    Revision = parse.GetValue(revision),
                    PathInRepo = parse.GetValue(pathInRepo) ?? "",
                    Delete = parse.GetValue(delete),
                }, ct);
            }

            if (parse.GetValue(planFile) is { } savePath)
            {
                var full = Path.GetFullPath(savePath);
                var temp = full + ".tmp";
                await using (var file = new StreamWriter(temp)) plan.WriteJsonLines(file);
                File.Move(temp, full, overwrite: true);
            }
            if (asJson) plan.WriteJsonLines(context.Out);
            else PrintPlan(context.Out, plan);
            if (direction == SyncDirection.Diff || parse.GetValue(dryRun) || parse.GetValue(planFile) is not null) return 0;

            var uploadProgress = new UploadProgressPrinter(context.Error, asJson ? ProgressMode.Quiet : ProgressMode.Plain);
            using var downloadProgress = new ProgressRenderer(context.Error, asJson ? ProgressMode.Quiet : ProgressMode.Plain);
            var outcome = await hubSync.ApplyAsync(plan, parse.GetValue(message), uploadProgress, downloadProgress, ct);
            var summary = plan.Direction == SyncDirection.Push
                ? outcome.Commit is null or { NothingToCommit: true } ? "Nothing to push." : $"Pushed in {outcome.Commit.Commits.Count} commit(s); head {outcome.Commit.CommitOid}"
                : plan.IsEmpty ? "Nothing to pull." : $"Pulled {outcome.Downloaded} file(s), deleted {outcome.DeletedLocal} local file(s)";
            (asJson ? context.Error : context.Out).WriteLine(summary);
            return 0;
        }, ct));
        return command;
    }

    private static SyncPlan ReadPlan(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{full}: no such plan file");
        using var reader = new StreamReader(full);
        return SyncPlan.ReadJsonLines(reader, full);
    }

    /// <summary>The plan as a table, one line per path, then <see cref="PlanSummary"/>; every line starts with <paramref name="indent"/>.</summary>
    internal static void PrintPlan(TextWriter o, SyncPlan plan, string indent = "")
    {
        var arrow = plan.Direction switch { SyncDirection.Push => "->", SyncDirection.Pull => "<-", _ => "<>" };
        o.WriteLine($"{indent}{plan.Direction.ToString().ToLowerInvariant()}: {plan.LocalDir} {arrow} {plan.Repo}@{plan.Revision}/{plan.PathInRepo} (commit {plan.Commit ?? "none"})");
        o.WriteLine($"{indent}{"ACTION",-13}  {"STATE",-11}  {"SIZE",10}  PATH");
        foreach (var e in plan.Entries)
        {
            var size = e.LocalSize ?? e.RemoteSize ?? 0;
            var renamed = e.RenamedFrom is { } other ? $"  (same content as {other})" : "";
            o.WriteLine($"{indent}{Word(e.Action),-13}  {Word(e.State),-11}  {Units.Bytes(size),10}  {e.Path}{renamed}");
        }
        o.WriteLine(indent + PlanSummary(plan));
    }

    /// <summary>One line: what a push or pull would move, or for a diff how many paths are the same, changed or on one side only.</summary>
    internal static string PlanSummary(SyncPlan plan)
    {
        var count = (SyncAction a) => plan.Entries.Count(e => e.Action == a);
        return plan.Direction switch
        {
            SyncDirection.Push => $"{count(SyncAction.Upload)} to upload ({Units.Bytes(plan.TransferBytes)}), {count(SyncAction.DeleteRemote)} to delete, {count(SyncAction.Skip)} left as they are",
            SyncDirection.Pull => $"{count(SyncAction.Download)} to download ({Units.Bytes(plan.TransferBytes)}), {count(SyncAction.DeleteLocal)} to delete, {count(SyncAction.Skip)} left as they are",
            _ => $"{plan.Entries.Count(e => e.State == SyncState.Same)} same, {plan.Entries.Count(e => e.State == SyncState.Changed)} changed, "
                 + $"{plan.Entries.Count(e => e.State == SyncState.LocalOnly)} only local, {plan.Entries.Count(e => e.State == SyncState.RemoteOnly)} only in the repo",
        };
    }

    private static string Word<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value, typeof(T), SyncJsonContext.Default).Trim('"');
}
