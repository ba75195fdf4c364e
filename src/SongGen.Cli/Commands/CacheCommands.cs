using System.CommandLine;
using SongGen.Cli.Output;
using SongGen.Hub;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen cache ls|verify|rm|prune</c>, the counterparts of <c>hf cache …</c>.</summary>
internal static class CacheCommands
{
    public static Command Create(CliContext context)
    {
        var cache = new Command("cache", "Inspect, verify and clean the local Hub cache");
        cache.Subcommands.Add(List(context));
        cache.Subcommands.Add(Verify(context));
        cache.Subcommands.Add(Remove(context));
        cache.Subcommands.Add(Prune(context));
        return cache;
    }

    private static HubCacheManager Manager(CliContext context, string? cacheDir) =>
        new(CommonOptions.ClientOptions(context, null, null, cacheDir).CacheDir);

    private static Command List(CliContext context)
    {
        var cacheDir = CommonOptions.CacheDir();
        var revisions = new Option<bool>("--revisions") { Description = "One line per cached revision" };
        var command = new Command("ls", "List cached repositories with their size") { cacheDir, revisions };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var scan = Manager(context, parse.GetValue(cacheDir)).Scan();
            var o = context.Out;
            if (scan.Repos.Count == 0) o.WriteLine($"No repositories cached in {scan.Root}.");
            else if (parse.GetValue(revisions))
            {
                o.WriteLine($"{"REPO",-40} {"REVISION",-40} {"SIZE",10}  {"FILES",5}  REFS");
                foreach (var repo in scan.Repos)
                foreach (var revision in repo.Revisions)
                    o.WriteLine($"{repo.Repo,-40} {revision.Commit,-40} {Units.Bytes(revision.SizeOnDisk),10}  {revision.Files.Count,5}  {(revision.IsDetached ? "(detached)" : string.Join(", ", revision.Refs))}");
            }
            else
            {
                o.WriteLine($"{"REPO",-40} {"TYPE",-8} {"SIZE",10}  {"FILES",5}  {"REVS",4}  {"MODIFIED",10}  REFS");
                foreach (var repo in scan.Repos)
                {
                    var partial = repo.IncompleteDownloads.Count > 0 ? $"  ({repo.IncompleteDownloads.Count} partial, {Units.Bytes(repo.IncompleteBytes)})" : "";
                    o.WriteLine($"{repo.Repo.Id,-40} {repo.Repo.Type.Singular(),-8} {Units.Bytes(repo.SizeOnDisk),10}  {repo.FileCount,5}  {repo.Revisions.Count,4}  {Units.Date(repo.LastModified),10}  {string.Join(", ", repo.Refs.Keys)}{partial}");
                }
                o.WriteLine($"{scan.Repos.Count} repo(s), {Units.Bytes(scan.SizeOnDisk)} in {scan.Root}");
            }
            foreach (var warning in scan.Warnings) context.Error.WriteLine($"warning: {warning.Message}");
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Command Verify(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var cacheDir = CommonOptions.CacheDir();
        var command = new Command("verify", "Re-hash every cached file of a repo (sha256 / git sha1) against its name") { repoArg, type, revision, cacheDir };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var result = await Manager(context, parse.GetValue(cacheDir)).VerifyAsync(repo, parse.GetValue(revision), cancellationToken: ct);
            foreach (var warning in result.Warnings) context.Error.WriteLine($"warning: {warning}");
            foreach (var file in result.Files)
            {
                var line = file.Status switch
                {
                    FileVerifyStatus.Ok => $"ok          {file.RepoPath}",
                    FileVerifyStatus.HashMismatch => $"MISMATCH    {file.RepoPath}: expected {file.Expected}, got {file.Actual}",
                    FileVerifyStatus.MissingBlob => $"MISSING     {file.RepoPath}: {file.Detail}",
                    FileVerifyStatus.BrokenLink => $"BROKEN      {file.RepoPath}: {file.Detail}",
                    _ => $"unverified  {file.RepoPath}: {file.Detail}",
                };
                context.Out.WriteLine(line);
            }
            var failures = result.Failures.Count();
            context.Out.WriteLine($"{result.Files.Count} file(s) in {result.Commits.Count} revision(s), {Units.Bytes(result.BytesHashed)} hashed, {failures} problem(s)");
            return failures == 0 ? 0 : CliRunner.Failure;
        }, ct));
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var repoArg = new Argument<string>("repo") { Description = "namespace/name, or namespace/name@revision for one revision" };
        var type = CommonOptions.RepoType();
        var cacheDir = CommonOptions.CacheDir();
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted" };
        var command = new Command("rm", "Delete a cached repo or one of its revisions (and blobs nothing else uses)") { repoArg, type, cacheDir, dryRun };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var spec = parse.GetValue(repoArg)!;
            var at = spec.IndexOf('@');
            var repo = CommonOptions.ParseRepo(at < 0 ? spec : spec[..at], parse.GetValue(type)!);
            var manager = Manager(context, parse.GetValue(cacheDir));
            var plan = manager.PlanRemove(repo, at < 0 ? null : spec[(at + 1)..]);
            if (plan.IsEmpty)
            {
                // Nothing matched: a not-found error (one line, exit 2) like the hub commands, not a quiet success.
                var why = plan.Warnings.Count > 0 ? string.Join(" ", plan.Warnings) : $"{spec} is not in the cache {manager.Layout.Root}.";
                context.Error.WriteLine($"songgen: {why}");
                return Task.FromResult(CliRunner.NotFound);
            }
            return Task.FromResult(Apply(context, manager, plan, parse.GetValue(dryRun), $"{spec} is not in the cache"));
        }, ct));
        return command;
    }

    private static Command Prune(CliContext context)
    {
        var cacheDir = CommonOptions.CacheDir();
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deleted" };
        var command = new Command("prune", "Delete detached revisions, unreferenced blobs and abandoned partial downloads") { cacheDir, dryRun };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var manager = Manager(context, parse.GetValue(cacheDir));
            return Task.FromResult(Apply(context, manager, manager.PlanPrune(), parse.GetValue(dryRun), "Nothing to prune."));
        }, ct));
        return command;
    }

    private static int Apply(CliContext context, HubCacheManager manager, CacheDeletePlan plan, bool dryRun, string emptyMessage)
    {
        foreach (var warning in plan.Warnings) context.Error.WriteLine($"warning: {warning}");
        if (plan.IsEmpty)
        {
            context.Out.WriteLine(emptyMessage);
            return 0;
        }
        foreach (var deletion in plan.Deletions)
            context.Out.WriteLine($"{(dryRun ? "would delete" : "delete"),-12} {deletion.Kind,-18} {Units.Bytes(deletion.Bytes),10}  {deletion.Path}");
        if (dryRun)
        {
            context.Out.WriteLine($"{plan.Deletions.Count} item(s), {Units.Bytes(plan.BytesFreed)} would be freed (dry run)");
            return 0;
        }
        var result = manager.Execute(plan);
        foreach (var skipped in result.Skipped) context.Error.WriteLine($"skipped (in use): {skipped.Path}");
        foreach (var failure in result.Failures) context.Error.WriteLine($"failed: {failure.Path}: {failure.Message}");
        context.Out.WriteLine($"{result.Deleted} item(s) deleted, {Units.Bytes(result.BytesFreed)} freed");
        return result.Failures.Count == 0 ? 0 : CliRunner.Failure;
    }
}
