using System.CommandLine;
using System.Text.Json;
using SongGen.Cli.Output;
using SongGen.Hub;
using SongGen.Hub.Api;
using SongGen.Hub.Emulator;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen hub whoami|search|info|ls|download|create|delete|upload|sync|serve</c>.</summary>
internal static class HubCommands
{
    public static Command Create(CliContext context)
    {
        var hub = new Command("hub", "Talk to the Hugging Face Hub (or any HF_ENDPOINT)");
        hub.Subcommands.Add(WhoAmI(context));
        hub.Subcommands.Add(Search(context));
        hub.Subcommands.Add(Info(context));
        hub.Subcommands.Add(List(context));
        hub.Subcommands.Add(Download(context));
        foreach (var write in HubWriteCommands.Create(context)) hub.Subcommands.Add(write);
        hub.Subcommands.Add(Serve(context));
        hub.Subcommands.Add(HubCardCommands.Create(context));
        return hub;
    }

    private static Command WhoAmI(CliContext context)
    {
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var json = CommonOptions.Json();
        var command = new Command("whoami", "Show the user the token belongs to") { token, endpoint, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var me = await client.WhoAmIAsync(ct);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(me, HubJsonContext.Default.WhoAmI));
                return 0;
            }
            context.Out.WriteLine(me.Name);
            if (me.Orgs.Count > 0) context.Out.WriteLine("orgs:  " + string.Join(", ", me.Orgs.Select(o => o.Name)));
            if (me.Auth?.AccessToken is { } access) context.Out.WriteLine($"token: {access.DisplayName} ({access.Role})");
            return 0;
        }, ct));
        return command;
    }

    private static Command Search(CliContext context)
    {
        var query = new Argument<string?>("query") { Description = "Text to search for in repo ids", Arity = ArgumentArity.ZeroOrOne };
        var type = CommonOptions.RepoType();
        var author = new Option<string?>("--author") { Description = "Only repos of this user or org" };
        var filter = new Option<string[]>("--filter") { Description = "Tag that must be present (repeatable)", AllowMultipleArgumentsPerToken = false };
        var pipelineTag = new Option<string?>("--pipeline-tag") { Description = "Only models of this task, e.g. text-to-audio" };
        var sort = new Option<string?>("--sort") { Description = "downloads, likes, lastModified, createdAt or trendingScore" };
        var limit = new Option<int>("--limit") { Description = "Most results", DefaultValueFactory = _ => 20 };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var json = CommonOptions.Json();
        var command = new Command("search", "Search models, datasets or spaces") { query, type, author, filter, pipelineTag, sort, limit, token, endpoint, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var repoType = RepoTypeExtensions.ParseRepoType(parse.GetValue(type)!);
            var search = new RepoSearch
            {
                Search = parse.GetValue(query), Author = parse.GetValue(author), Filters = parse.GetValue(filter) ?? [],
                PipelineTag = parse.GetValue(pipelineTag), Sort = parse.GetValue(sort), Limit = parse.GetValue(limit),
                // Ask only for what the table shows (as the JS client does); lastModified is not in the default listing.
                Expand = ["downloads", "likes", "lastModified", "pipeline_tag", "private", "gated"],
            };
            var found = new List<RepoInfo>();
            await foreach (var repo in client.ListReposAsync(repoType, search, ct)) found.Add(repo);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(found, HubJsonContext.Default.ListRepoInfo));
                return 0;
            }
            if (found.Count == 0)
            {
                context.Out.WriteLine("No repositories found.");
                return 0;
            }
            var width = Math.Min(60, found.Max(r => r.Id.Length));
            context.Out.WriteLine($"{"ID".PadRight(width)}  {"DOWNLOADS",10}  {"LIKES",6}  {"UPDATED",10}  TASK");
            foreach (var repo in found)
                context.Out.WriteLine($"{repo.Id.PadRight(width)}  {Units.Count(repo.Downloads),10}  {Units.Count(repo.Likes),6}  {Units.Date(repo.LastModified),10}  {repo.PipelineTag ?? "-"}");
            return 0;
        }, ct));
        return command;
    }

    private static Command Info(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var json = CommonOptions.Json();
        var command = new Command("info", "Show a repository at a revision, with its files") { repoArg, type, revision, token, endpoint, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var info = await client.GetRepoInfoAsync(repo, parse.GetValue(revision), filesMetadata: true, ct);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(info, HubJsonContext.Default.RepoInfo));
                return 0;
            }
            var o = context.Out;
            o.WriteLine($"{repo.Type.Singular()} {info.Id}");
            o.WriteLine($"  commit:    {info.Sha}");
            o.WriteLine($"  author:    {info.Author ?? "-"}");
            o.WriteLine($"  modified:  {info.LastModified?.ToString("u") ?? "-"}");
            o.WriteLine($"  access:    {(info.Private == true ? "private" : "public")}{(info.IsGated ? $", gated ({info.Gated})" : "")}");
            o.WriteLine($"  downloads: {Units.Count(info.Downloads)}   likes: {Units.Count(info.Likes)}");
            if (info.PipelineTag is not null) o.WriteLine($"  task:      {info.PipelineTag}");
            if (info.LibraryName is not null) o.WriteLine($"  library:   {info.LibraryName}");
            if (info.Tags is { Count: > 0 } tags) o.WriteLine($"  tags:      {string.Join(", ", tags)}");
            var siblings = info.Siblings ?? [];
            o.WriteLine($"  files ({siblings.Count}, {Units.Bytes(siblings.Sum(s => s.Size ?? 0))}):");
            foreach (var file in siblings.OrderBy(s => s.RFilename, StringComparer.Ordinal))
                o.WriteLine($"    {Units.Bytes(file.Size ?? 0),10}  {(file.Lfs is null ? "   " : "LFS")}  {file.RFilename}");
            return 0;
        }, ct));
        return command;
    }

    private static Command List(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var pathArg = new Argument<string?>("path") { Description = "Folder in the repo", Arity = ArgumentArity.ZeroOrOne };
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var recursive = new Option<bool>("--recursive", "-R") { Description = "List sub folders too" };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var json = CommonOptions.Json();
        var command = new Command("ls", "List the files of a repository") { repoArg, pathArg, type, revision, recursive, token, endpoint, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var entries = new List<TreeEntry>();
            await foreach (var entry in client.ListTreeAsync(repo, parse.GetValue(revision), parse.GetValue(pathArg), parse.GetValue(recursive), cancellationToken: ct))
                entries.Add(entry);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(entries, HubJsonContext.Default.ListTreeEntry));
                return 0;
            }
            foreach (var entry in entries)
                context.Out.WriteLine(entry.IsFile
                    ? $"{Units.Bytes(entry.Size),10}  {(entry.Lfs is null ? "   " : "LFS")}  {entry.Path}"
                    : $"{"",10}  dir  {entry.Path}/");
            return 0;
        }, ct));
        return command;
    }

    private static Command Download(CliContext context)
    {
        var repoArg = new Argument<string>("repo_id") { Description = "namespace/name" };
        var files = new Argument<string[]>("filenames") { Description = "Files to fetch (default: the whole snapshot)", Arity = ArgumentArity.ZeroOrMore };
        // An option the parser does not know would otherwise land here as a file name.
        files.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-')))
                result.AddError($"Unrecognized option '{token.Value}'");
        });
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var include = new Option<string[]>("--include") { Description = "Glob of files to keep (Python fnmatch; repeatable)", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob of files to leave out (repeatable)", AllowMultipleArgumentsPerToken = true };
        var cacheDir = CommonOptions.CacheDir();
        var localDir = new Option<string?>("--local-dir") { Description = "Write plain files into this folder instead of the cache" };
        var maxWorkers = new Option<int?>("--max-workers") { Description = "Files fetched at once (default 8)" };
        var connections = new Option<int?>("--connections") { Description = "Ranged connections per large file (default 8; 1: one stream)" };
        var multipartThreshold = new Option<string?>("--multipart-threshold") { Description = "Files at least this big use ranged connections (default 32MiB)" };
        var partSize = new Option<string?>("--part-size") { Description = "Largest ranged part (smaller for smaller files, about four per connection); a resumed download redoes only unfinished parts (default 16MiB)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be downloaded, download nothing" };
        var force = new Option<bool>("--force-download") { Description = "Fetch again even if present" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the resulting path" };
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var json = new Option<bool>("--json") { Description = "Progress as JSON events, one per line (with --dry-run: the plan as one JSON document)" };
        var command = new Command("download", "Download files or a whole snapshot into the cache (or --local-dir)")
        {
            repoArg, files, type, revision, include, exclude, cacheDir, localDir, maxWorkers, connections, multipartThreshold, partSize, dryRun, force,
            quiet, token, endpoint, json,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            var options = CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), parse.GetValue(cacheDir));
            if (parse.GetValue(maxWorkers) is { } workers) options.Download.MaxConcurrentFiles = Math.Max(1, workers);
            if (parse.GetValue(connections) is { } conns) options.Download.ConnectionsPerFile = Math.Max(1, conns);
            if (parse.GetValue(multipartThreshold) is { } threshold) options.Download.ParallelThreshold = Units.ParseBytes(threshold);
            if (parse.GetValue(partSize) is { } part) options.Download.PartSize = Units.ParseBytes(part);
            using var client = new HubClient(options);
            var downloader = new HubDownloader(client);
            var repo = CommonOptions.ParseRepo(parse.GetValue(repoArg)!, parse.GetValue(type)!);
            var names = parse.GetValue(files) ?? [];
            foreach (var name in names) RepoFilePath.Validate(name);
            var request = new SnapshotRequest(repo)
            {
                Revision = parse.GetValue(revision),
                // Named files are an exact allow-list (fnmatch of a literal name matches only itself, bar [ ] * ? which we escape).
                Include = names.Length > 0 ? names.Select(EscapeGlob).ToList() : parse.GetValue(include) ?? [],
                Exclude = parse.GetValue(exclude) ?? [],
                LocalDir = parse.GetValue(localDir),
                Force = parse.GetValue(force),
            };
            if (parse.GetValue(dryRun))
            {
                var plan = await downloader.PlanSnapshotAsync(request, ct);
                if (names.Length > 0) EnsureAllFound(names, plan);
                if (parse.GetValue(json)) WritePlanJson(context.Out, plan);
                else PrintPlan(context.Out, plan);
                return 0;
            }
            var mode = parse.GetValue(json) ? ProgressMode.Json : parse.GetValue(quiet) ? ProgressMode.Quiet
                : context.ErrorIsTerminal ? ProgressMode.Live : ProgressMode.Plain;
            using var renderer = new ProgressRenderer(mode == ProgressMode.Json ? context.Out : context.Error, mode);
            if (names.Length == 1)
            {
                var path = await downloader.DownloadFileAsync(repo, names[0], request.Revision, request.LocalDir, renderer, request.Force, ct);
                if (mode != ProgressMode.Json) context.Out.WriteLine(path);
                return 0;
            }
            var result = await downloader.SnapshotDownloadAsync(request, renderer, ct);
            if (names.Length > 0) EnsureAllFound(names, result.Plan);
            if (mode != ProgressMode.Json) context.Out.WriteLine(result.Folder);
            return 0;
        }, ct));
        return command;
    }

    private static string EscapeGlob(string name) =>
        string.Concat(name.Select(c => c is '*' or '?' or '[' ? $"[{c}]" : c.ToString()));

    private static void EnsureAllFound(string[] names, SnapshotPlan plan)
    {
        var missing = names.Where(n => plan.Files.All(f => f.Path != n)).ToList();
        if (missing.Count > 0) throw new EntryNotFoundException($"Not in {plan.Repo}@{plan.Revision}: {string.Join(", ", missing)}");
    }

    /// <summary>The <c>--dry-run --json</c> answer: one document with the plan, byte counts exact.</summary>
    private static void WritePlanJson(TextWriter o, SnapshotPlan plan)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("repo_id", plan.Repo.Id);
            w.WriteString("repo_type", plan.Repo.Type.Singular());
            w.WriteString("revision", plan.Revision);
            w.WriteString("commit", plan.Commit);
            w.WriteStartArray("files");
            foreach (var file in plan.Files)
            {
                w.WriteStartObject();
                w.WriteString("path", file.Path);
                w.WriteNumber("size", file.Size);
                w.WriteString("etag", file.Etag);
                w.WriteBoolean("lfs", file.IsLfs);
                w.WriteString("state", file.AlreadyPresent ? "present" : "download");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("total_bytes", plan.TotalBytes);
            w.WriteNumber("bytes_to_download", plan.BytesToDownload);
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void PrintPlan(TextWriter o, SnapshotPlan plan)
    {
        o.WriteLine($"{plan.Repo} @ {plan.Revision} (commit {plan.Commit})");
        o.WriteLine($"{"SIZE",10}  {"STATE",-9}  PATH");
        foreach (var file in plan.Files)
            o.WriteLine($"{Units.Bytes(file.Size),10}  {(file.AlreadyPresent ? "present" : "download"),-9}  {file.Path}");
        o.WriteLine($"{plan.Files.Count} file(s), {Units.Bytes(plan.TotalBytes)}; to download: {plan.Files.Count(f => !f.AlreadyPresent)} file(s), {Units.Bytes(plan.BytesToDownload)}");
    }

    private static Command Serve(CliContext context)
    {
        var root = new Option<string>("--root") { Description = "Folder that holds the emulator's repositories", Required = true };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => 0 };
        var cdnPort = new Option<int>("--cdn-port") { Description = "Port of the LFS CDN on 127.0.0.2 (0: any)", DefaultValueFactory = _ => 0 };
        var seed = new Option<bool>("--seed-demo") { Description = "Add the built-in demo repositories" };
        var command = new Command("serve", "Run the loopback Hub emulator until Ctrl+C") { root, port, cdnPort, seed };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            var folder = Path.GetFullPath(parse.GetValue(root)!);
            Directory.CreateDirectory(folder);
            await using var emulator = await HubEmulator.StartAsync(new HubEmulatorOptions
            {
                Root = folder, Port = parse.GetValue(port), CdnPort = parse.GetValue(cdnPort),
            }, ct);
            if (parse.GetValue(seed)) await DemoRepos.SeedAsync(emulator.Store);
            context.Out.WriteLine($"Hub emulator on {emulator.BaseUrl} (LFS CDN on {emulator.CdnUrl}), repos in {folder}");
            context.Out.WriteLine($"  export HF_ENDPOINT={emulator.BaseUrl.ToString().TrimEnd('/')}");
            context.Out.WriteLine($"  token of user alice: {HubEmulatorOptions.AliceToken}");
            context.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        }, ct));
        return command;
    }
}
