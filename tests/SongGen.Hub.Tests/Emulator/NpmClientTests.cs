using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using SongGen.Hub.Emulator;
using Xunit.Abstractions;

namespace SongGen.Hub.Tests.Emulator;

/// <summary>The published @huggingface/hub client (npm 2.17.5) against the emulator: an independent check of the oracle.</summary>
public sealed class NpmClientTests(ITestOutputHelper output)
{
    [RequiresNpmClientFact]
    public async Task Official_js_client_reads_lists_and_downloads_the_demo_model()
    {
        await using var hub = await TestHub.StartAsync();
        var cacheDir = Path.Combine(hub.Root, "js-cache");
        var reportPath = Path.Combine(hub.Root, "js-report.json");

        var (exitCode, log) = await RunNodeAsync(hub.Endpoint, TestHub.AliceToken, cacheDir, reportPath);
        output.WriteLine(log);
        Assert.Equal(0, exitCode);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        output.WriteLine(report.RootElement.ToString());
        var steps = report.RootElement.GetProperty("steps");
        foreach (var step in steps.EnumerateObject())
        {
            Assert.True(step.Value.GetProperty("ok").GetBoolean(), $"{step.Name}: {step.Value}");
        }
        JsonElement Value(string step) => steps.GetProperty(step).GetProperty("value");

        var main = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
        var files = hub.Store.ListFiles("model", DemoRepos.ModelId);
        var weights = files.Single(f => f.Path == DemoRepos.SafetensorsPath);
        var config = files.Single(f => f.Path == "config.json");

        Assert.Equal("alice", Value("whoAmI").GetProperty("name").GetString());
        Assert.Contains(Value("listModels").EnumerateArray(), m => m.GetProperty("name").GetString() == DemoRepos.ModelId);
        Assert.Contains(Value("listDatasets").EnumerateArray(), d => d.GetString() == DemoRepos.DatasetId);
        Assert.Equal(main, Value("modelInfo").GetProperty("sha").GetString());
        Assert.Equal("apache-2.0", Value("modelInfo").GetProperty("license").GetString());
        Assert.Equal(hub.Store.ResolveRevision("model", DemoRepos.ModelId, "refs/pr/1"), Value("modelInfoPullRequest").GetString());

        var listed = Value("listFiles").EnumerateArray().ToList();
        Assert.Contains(listed, f => f.GetProperty("type").GetString() == "directory" && f.GetProperty("path").GetString() == "tokenizer");
        Assert.Equal(files.Select(f => f.Path).Order(StringComparer.Ordinal),
            listed.Where(f => f.GetProperty("type").GetString() == "file").Select(f => f.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));

        var pathsInfo = Value("pathsInfo").EnumerateArray().ToList();
        Assert.Equal(2, pathsInfo.Count); // the missing path is left out
        Assert.Equal(weights.Sha256, pathsInfo.Single(p => p.GetProperty("path").GetString() == DemoRepos.SafetensorsPath).GetProperty("lfsOid").GetString());

        var downloadInfo = Value("fileDownloadInfo");
        Assert.Equal($"\"{weights.Sha256}\"", downloadInfo.GetProperty("lfs").GetProperty("etag").GetString());
        Assert.Equal(weights.Size, downloadInfo.GetProperty("lfs").GetProperty("size").GetInt64());
        Assert.Equal($"\"{config.BlobId}\"", downloadInfo.GetProperty("regular").GetProperty("etag").GetString());
        Assert.Equal(JsonValueKind.Null, downloadInfo.GetProperty("missing").ValueKind);

        var downloaded = Value("downloadFile");
        Assert.Equal(weights.Sha256, downloaded.GetProperty(DemoRepos.SafetensorsPath).GetProperty("sha256").GetString());
        Assert.Equal(config.BlobId, downloaded.GetProperty("config.json").GetProperty("gitSha1").GetString());

        Assert.True(Value("fileExists").GetProperty("readme").GetBoolean());
        Assert.False(Value("fileExists").GetProperty("missing").GetBoolean());
        Assert.True(Value("repoExists").GetProperty("demo").GetBoolean());
        Assert.False(Value("repoExists").GetProperty("missing").GetBoolean());
        Assert.Equal(3, Value("countCommits").GetInt32()); // initial commit, upload, card update
        Assert.Equal(["Update model card", "Add SongGen demo model", "initial commit"], Value("listCommits").EnumerateArray().Select(c => c.GetString()));

        // The cache layout the JS client writes (the same as Python's).
        var repoFolder = Path.Combine(cacheDir, "models--songgen--songgen-demo");
        Assert.Equal(main, await File.ReadAllTextAsync(Path.Combine(repoFolder, "refs", "main")));
        Assert.True(Directory.Exists(Path.Combine(repoFolder, "blobs")));
        Assert.True(File.Exists(Path.Combine(repoFolder, "blobs", weights.Sha256)));
        var snapshot = Path.Combine(repoFolder, "snapshots", main);
        foreach (var file in files)
        {
            var path = Path.Combine(snapshot, file.Path);
            Assert.True(File.Exists(path), path);
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
        }
        Assert.NotNull(new FileInfo(Path.Combine(snapshot, DemoRepos.SafetensorsPath)).LinkTarget); // a symlink into blobs/

        // Downloads from the CDN never carried the token (fetch drops it on the cross-host redirect).
        var cdnRequests = hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Cdn).ToList();
        Assert.NotEmpty(cdnRequests);
        Assert.All(cdnRequests, r => Assert.False(r.HasAuthorization));
    }

    /// <summary>Runs tests/npm-client/run.mjs with these arguments (60 s at most); also used by <see cref="NpmLayoutParityTests"/>.</summary>
    internal static Task<(int ExitCode, string Log)> RunNodeAsync(params string[] args) => RunScriptAsync(NpmClient.Script, args);

    /// <summary>Runs a script of tests/npm-client with these arguments (60 s at most).</summary>
    internal static async Task<(int ExitCode, string Log)> RunScriptAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NpmClient.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The JS client did not finish within 60 s.");
        }
        return (process.ExitCode, $"stdout:\n{await stdout}\nstderr:\n{await stderr}");
    }
}
