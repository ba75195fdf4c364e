using System.Text.Json;
using SongGen.Cli.Output;
using SongGen.Hub.Emulator;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen hub download</c>: what it prints, what it writes, and what it refuses.</summary>
public sealed class DownloadCommandTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync();

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    private string MainCommit => _cli.Hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;

    private string ModelFolder => Path.Combine(_cli.CacheDir, "models--songgen--songgen-demo");

    private string Snapshot(string commit) => Path.Combine(ModelFolder, "snapshots", commit);

    private IReadOnlyList<EmulatorFileInfo> ModelFiles(string revision = "main") => _cli.Hub.Store.ListFiles("model", DemoRepos.ModelId, revision);

    [Fact]
    public async Task Whole_snapshot_prints_the_snapshot_folder_and_every_file_is_there()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId);

        var folder = Snapshot(MainCommit);
        Assert.Equal([folder], result.OutLines);
        var files = ModelFiles();
        Assert.Equal(files.Select(f => f.Path), CliAssert.FilesUnder(folder));
        foreach (var file in files)
        {
            var path = Path.Combine(folder, file.Path);
            Assert.Equal(file.Sha256, CliAssert.Sha256(path));
            Assert.NotNull(new FileInfo(path).LinkTarget); // a relative link into blobs/
        }
        Assert.Equal(MainCommit, File.ReadAllText(Path.Combine(ModelFolder, "refs", "main")));
        Assert.Contains($"Fetching {files.Count} file(s)", result.Err); // plain progress on stderr, the path alone on stdout

        // Again: nothing moves, same answer.
        _cli.Hub.Emulator.ClearRequests();
        var again = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId);
        Assert.Equal([folder], again.OutLines);
        Assert.DoesNotContain(_cli.Hub.Emulator.Requests, r => r.Host == EmulatorHost.Cdn || r.PathAndQuery.Contains("/resolve/"));
    }

    [Fact]
    public async Task Single_file_prints_its_path_in_the_snapshot()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json");

        var path = Path.Combine(Snapshot(MainCommit), "config.json");
        Assert.Equal([path], result.OutLines);
        Assert.Equal(ModelFiles().Single(f => f.Path == "config.json").Sha256, CliAssert.Sha256(path));
        Assert.Equal(["config.json"], CliAssert.FilesUnder(Snapshot(MainCommit)));
    }

    [Fact]
    public async Task Quiet_single_file_prints_only_the_path()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, DemoRepos.TokenizerPath, "--quiet");
        Assert.Equal([Path.Combine(Snapshot(MainCommit), "tokenizer", "spiece.model")], result.OutLines);
        Assert.Empty(result.Err);
    }

    [Fact]
    public async Task Several_named_files_print_the_snapshot_folder_and_fetch_only_those()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json", DemoRepos.TokenizerPath);
        Assert.Equal([Snapshot(MainCommit)], result.OutLines);
        Assert.Equal(["config.json", DemoRepos.TokenizerPath], CliAssert.FilesUnder(Snapshot(MainCommit)));
    }

    [Fact]
    public async Task Include_and_exclude_filter_with_fnmatch_globs()
    {
        // hf style: several patterns after one --include.
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--include", "*.json", "tokenizer/*");
        Assert.Equal(["config.json", DemoRepos.TokenizerPath], CliAssert.FilesUnder(Snapshot(MainCommit)));

        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--exclude", "*.safetensors", "--exclude", "tokenizer/*");
        Assert.Equal([".gitattributes", "README.md", "config.json", DemoRepos.TokenizerPath], CliAssert.FilesUnder(Snapshot(MainCommit)));
        Assert.False(File.Exists(Path.Combine(Snapshot(MainCommit), DemoRepos.SafetensorsPath)));
    }

    [Fact]
    public async Task Dry_run_writes_nothing_and_lists_sizes_and_states()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--dry-run");

        Assert.Empty(CliAssert.Everything(_cli.CacheDir));
        Assert.DoesNotContain(_cli.Hub.Emulator.Requests, r => r.Host == EmulatorHost.Cdn || r.PathAndQuery.Contains("/resolve/"));
        var files = ModelFiles();
        Assert.Contains(MainCommit, result.OutLines[0]);
        foreach (var file in files)
        {
            var line = Assert.Single(result.OutLines, l => l.EndsWith("  " + file.Path, StringComparison.Ordinal));
            Assert.Contains(Units.Bytes(file.Size), line);
            Assert.Contains(" download ", line);
        }
        Assert.Contains(result.OutLines, l => l.Contains($"{files.Count} file(s)") && l.Contains(Units.Bytes(files.Sum(f => f.Size))));

        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json");
        var after = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--dry-run");
        Assert.Contains(" present ", Assert.Single(after.OutLines, l => l.EndsWith("  config.json", StringComparison.Ordinal)));
        Assert.Contains(" download ", Assert.Single(after.OutLines, l => l.EndsWith("  README.md", StringComparison.Ordinal)));
        Assert.Equal(["config.json"], CliAssert.FilesUnder(Snapshot(MainCommit)));
    }

    [Fact]
    public async Task Dry_run_json_is_a_plan_document()
    {
        await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json");
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--dry-run", "--json", "--exclude", "README.md");

        using var json = JsonDocument.Parse(result.Out);
        var plan = json.RootElement;
        Assert.Equal(MainCommit, plan.GetProperty("commit").GetString());
        Assert.Equal("main", plan.GetProperty("revision").GetString());
        var files = ModelFiles().Where(f => f.Path != "README.md").ToList();
        var listed = plan.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(files.Select(f => f.Path), listed.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(files.Select(f => f.Size), listed.Select(f => f.GetProperty("size").GetInt64()));
        Assert.Equal(files.Select(f => f.Path == "config.json" ? "present" : "download"), listed.Select(f => f.GetProperty("state").GetString()));
        Assert.Equal(files.Sum(f => f.Size), plan.GetProperty("total_bytes").GetInt64());
        Assert.Equal(files.Where(f => f.Path != "config.json").Sum(f => f.Size), plan.GetProperty("bytes_to_download").GetInt64());
    }

    [Fact]
    public async Task Local_dir_gets_plain_files_and_the_cache_stays_empty()
    {
        var local = Path.Combine(_cli.Folder, "local");
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--local-dir", local);

        Assert.Equal([local], result.OutLines);
        var files = ModelFiles();
        Assert.Equal(files.Select(f => f.Path), CliAssert.FilesUnder(local, skipLocalDirBookkeeping: true));
        foreach (var file in files)
        {
            var path = Path.Combine(local, file.Path);
            Assert.Null(new FileInfo(path).LinkTarget);
            Assert.Equal(file.Sha256, CliAssert.Sha256(path));
        }
        Assert.True(File.Exists(Path.Combine(local, ".cache", "huggingface", "download", "config.json.metadata")));
        Assert.False(Directory.Exists(ModelFolder));

        var single = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "config.json", "--local-dir", Path.Combine(_cli.Folder, "one"));
        Assert.Equal([Path.Combine(_cli.Folder, "one", "config.json")], single.OutLines);
    }

    [Fact]
    public async Task Json_progress_is_one_event_per_line_ending_with_completed()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--json");

        Assert.Empty(result.Err);
        var events = result.OutLines.Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
            return json.RootElement.Clone();
        }).ToList();
        var files = ModelFiles();
        var total = files.Sum(f => f.Size);
        Assert.Equal("Planned", events[0].GetProperty("event").GetString());
        Assert.Equal(total, events[0].GetProperty("total").GetInt64());
        var last = events[^1];
        Assert.Equal("Completed", last.GetProperty("event").GetString());
        Assert.Equal(total, last.GetProperty("bytes").GetInt64());
        Assert.Equal(total, last.GetProperty("total").GetInt64());
        Assert.Equal(files.Count, last.GetProperty("files_done").GetInt32());
        Assert.Equal(files.Count, last.GetProperty("files_total").GetInt32());
        var completed = events.Where(e => e.GetProperty("event").GetString() == "FileCompleted").ToList();
        Assert.Equal(files.Select(f => f.Path).Order(StringComparer.Ordinal), completed.Select(e => e.GetProperty("path").GetString()).Order(StringComparer.Ordinal));
        foreach (var e in completed)
        {
            var file = files.Single(f => f.Path == e.GetProperty("path").GetString());
            Assert.Equal(file.Size, e.GetProperty("file_bytes").GetInt64());
            Assert.Equal(file.Size, e.GetProperty("file_total").GetInt64());
        }
        // Totals never go backwards (events from parallel transfers reach stdout in order) nor past the total.
        var running = events.Select(e => e.GetProperty("bytes").GetInt64()).ToList();
        Assert.All(running.Zip(running.Skip(1)), pair => Assert.True(pair.Second >= pair.First, $"{pair.First} then {pair.Second}"));
        Assert.All(running, b => Assert.InRange(b, 0, total));
        var filesDone = events.Select(e => e.GetProperty("files_done").GetInt32()).ToList();
        Assert.All(filesDone.Zip(filesDone.Skip(1)), pair => Assert.True(pair.Second >= pair.First, $"files_done {pair.First} then {pair.Second}"));
    }

    [Fact]
    public async Task Json_progress_of_a_single_file()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, DemoRepos.SafetensorsPath, "--json");
        var size = ModelFiles().Single(f => f.Path == DemoRepos.SafetensorsPath).Size;
        using var last = JsonDocument.Parse(result.OutLines[^1]);
        Assert.Equal("Completed", last.RootElement.GetProperty("event").GetString());
        Assert.Equal(size, last.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(size, last.RootElement.GetProperty("total").GetInt64());
        Assert.True(File.Exists(Path.Combine(Snapshot(MainCommit), DemoRepos.SafetensorsPath)));
    }

    [Fact]
    public async Task Dataset_with_repo_type()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.DatasetId, "--repo-type", "dataset");

        var commit = _cli.Hub.Store.ResolveRevision("dataset", DemoRepos.DatasetId, "main")!;
        var folder = Path.Combine(_cli.CacheDir, "datasets--songgen--demo-songs", "snapshots", commit);
        Assert.Equal([folder], result.OutLines);
        var files = _cli.Hub.Store.ListFiles("dataset", DemoRepos.DatasetId);
        Assert.Equal(files.Select(f => f.Path), CliAssert.FilesUnder(folder));
        Assert.All(files, f => Assert.Equal(f.Sha256, CliAssert.Sha256(Path.Combine(folder, f.Path))));
    }

    [Fact]
    public async Task Revision_tag_and_max_workers()
    {
        var result = await _cli.RunOkAsync("hub", "download", DemoRepos.ModelId, "--revision", DemoRepos.ModelTag, "--max-workers", "1");

        var commit = _cli.Hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelTag)!;
        Assert.NotEqual(MainCommit, commit);
        Assert.Equal([Snapshot(commit)], result.OutLines);
        Assert.Equal(ModelFiles(DemoRepos.ModelTag).Select(f => f.Path), CliAssert.FilesUnder(Snapshot(commit)));
        Assert.Equal(commit, File.ReadAllText(Path.Combine(ModelFolder, "refs", DemoRepos.ModelTag)));
    }

    // ---------------------------------------------------------------- hostile names

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("tokenizer/../../../x")]
    public async Task Hostile_file_name_on_the_command_line_is_refused_and_nothing_is_written(string name)
    {
        var result = await _cli.RunAsync("hub", "download", DemoRepos.ModelId, name);

        CliSession.AssertCleanFailure(result, 1);
        Assert.Contains("refus", result.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(result.Out);
        Assert.Empty(CliAssert.Everything(_cli.CacheDir));
        Assert.DoesNotContain(_cli.Hub.Emulator.Requests, r => r.PathAndQuery.Contains("/resolve/"));
    }

    [Fact]
    public async Task Hostile_file_name_in_the_repo_listing_is_refused_and_nothing_is_written()
    {
        // The emulator refuses such names, so plant one in its on-disk state and restart it (a compromised Hub).
        await _cli.Hub.Store.CreateRepoAsync("model", "alice/hostile");
        await _cli.Hub.Store.CommitAsync("model", "alice/hostile", "main",
            [EmulatorFile.FromText("README.md", "hello\n"), EmulatorFile.FromText("etc/passwd", "root:x:0:0\n")]);
        var repoJson = Path.Combine(_cli.Hub.Root, "repos", "models", "alice", "hostile", "repo.json");
        var text = File.ReadAllText(repoJson);
        Assert.Contains("\"etc/passwd\"", text);
        File.WriteAllText(repoJson, text.Replace("\"etc/passwd\"", "\"../../etc/passwd\""));
        await _cli.Hub.RestartAsync();
        _cli.Environment["HF_ENDPOINT"] = _cli.Hub.Endpoint;
        var local = Path.Combine(_cli.Folder, "local", "a", "b");

        foreach (var args in new[]
                 {
                     new[] { "hub", "download", "alice/hostile" },
                     ["hub", "download", "alice/hostile", "--local-dir", local],
                 })
        {
            var result = await _cli.RunAsync(args);
            CliSession.AssertCleanFailure(result, 1);
            Assert.Contains("../../etc/passwd", result.Err);
        }
        Assert.Empty(CliAssert.Everything(_cli.CacheDir));
        Assert.False(Directory.Exists(Path.Combine(_cli.Folder, "local")));
        Assert.DoesNotContain(_cli.Hub.Emulator.Requests, r => r.PathAndQuery.Contains("/resolve/"));
    }
}
