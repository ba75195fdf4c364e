using System.Text.Json;
using SongGen.Hub;
using SongGen.Hub.Emulator;
using SongGen.Hub.Tests;
using SongGen.Tui.Downloads;
using Terminal.Gui.Input;
using Xunit.Abstractions;

namespace SongGen.Tui.Tests;

/// <summary>The core path through the real screens against the emulator: search → repo → select → download → done.</summary>
[Collection(TuiCollection.Name)]
public sealed class DownloadFlowTests(ITestOutputHelper output)
{
    private static readonly RepoId Demo = RepoId.Parse(DemoRepos.ModelId);

    [Fact]
    public async Task Search_open_select_download_completes()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            // The first visit lists the most downloaded models; the search box has the focus.
            ui.WaitForText(DemoRepos.ModelId);
            Assert.Equal(ui.Shell.Search.QueryBox, ui.OnUi(() => ui.Session.App.Navigation!.GetFocused()));

            ui.Type("songgen-demo");
            ui.Time.Advance(TimeSpan.FromMilliseconds(300));
            ui.WaitFor(_ => ui.OnUi(() => ui.Shell.Search.Results.Count == 1 && ui.Shell.Search.Results[0].Id == DemoRepos.ModelId), "the filtered result");
            output.WriteLine($"search results drawn {ui.Shell.Search.LastResultsLatency?.TotalMilliseconds:0.0} ms after the response");

            ui.Press(Key.Enter); // search box -> result list
            ui.Press(Key.Enter); // open
            var screen = ui.WaitForText("model.safetensors");
            Assert.Contains("LFS", screen);
            Assert.Contains("author songgen", screen);
            Assert.Contains("tokenizer/", screen);
            Assert.Contains("A TINY DEMO", screen.ToUpperInvariant());

            ui.OnUi(() => ui.Shell.Repo.PatternsBox.SetFocus());
            ui.Type("*.safetensors *.json");
            ui.Press(Key.Enter);
            var selected = ui.WaitForText("Selected: 2 files");
            var expectedBytes = hub.Store.ListFiles("model", DemoRepos.ModelId).Where(f => f.Path is "model.safetensors" or "config.json").Sum(f => f.Size);
            Assert.Contains($"{Format.Bytes(expectedBytes)} to download", selected);

            ui.Press(Key.D);
            screen = ui.WaitForText("completed");
            Assert.Contains("[F4 Downloads]", screen);
            Assert.Contains("2/2", screen);

            var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
            var layout = new HubCacheLayout(ui.CacheDir);
            Assert.Equal(DemoRepos.BuildSafetensors(), await File.ReadAllBytesAsync(layout.SnapshotFilePath(Demo, commit, "model.safetensors")));
            Assert.True(File.Exists(layout.SnapshotFilePath(Demo, commit, "config.json")));
            Assert.False(File.Exists(layout.SnapshotFilePath(Demo, commit, "README.md")));

            var saved = JsonSerializer.Deserialize<List<JsonElement>>(await File.ReadAllTextAsync(ui.QueueFile))!;
            Assert.Equal("Completed", Assert.Single(saved).GetProperty("State").GetString());
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Injected_fault_is_shown_as_a_failure_with_its_reason_and_retry_recovers()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            hub.Faults.Add(Fault.CorruptByte(5), FaultTarget.Cdn, times: 1000);
            ui.OnUi(() =>
            {
                ui.Shell.Repo.Open(Demo, null);
                ui.Shell.Show(ui.Shell.Repo);
            });
            ui.WaitForText("model.safetensors");
            ui.OnUi(() => ui.Shell.Repo.ApplyPatterns("model.safetensors"));
            ui.Press(Key.D);

            var screen = ui.WaitForText("FAILED:");
            Assert.Contains("failed", screen);
            Assert.Contains("'model.safetensors'", screen); // the downloader's reason, not a stuck percentage
            Assert.DoesNotContain("running", screen);

            hub.Faults.Clear();
            ui.Press(Key.R);
            ui.WaitForText("completed");
            var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
            Assert.Equal(DemoRepos.BuildSafetensors(), await File.ReadAllBytesAsync(new HubCacheLayout(ui.CacheDir).SnapshotFilePath(Demo, commit, "model.safetensors")));
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Restart_resumes_a_partial_download_from_the_persisted_queue()
    {
        await using var hub = await TestHub.StartAsync();
        var folder = Directory.CreateTempSubdirectory("songgen-tui-test-").FullName;
        try
        {
            var size = DemoRepos.BuildSafetensors().Length;
            var layout = new HubCacheLayout(Path.Combine(folder, "hubcache"));
            hub.Faults.Add(Fault.Throttle(200_000), FaultTarget.Cdn, times: 1000);
            using (var first = TuiHarness.Start(hub, folder))
            {
                first.OnUi(() =>
                {
                    first.Session.Queue.Enqueue(Demo, "main", [("model.safetensors", size)]);
                    first.Shell.Show(first.Shell.Downloads);
                });
                first.WaitForText("running");
                // Wait until a good part is on disk, then go away as a crash would.
                var partial = WaitForPartial(layout, 300_000);
                output.WriteLine($"stopped with {partial} of {size} bytes on disk");
            }
            Assert.Contains("\"Running\"", await File.ReadAllTextAsync(Path.Combine(folder, "queue.json")));
            var onDisk = new FileInfo(Assert.Single(Directory.GetFiles(layout.BlobsFolder(Demo), "*.incomplete"))).Length;
            Assert.InRange(onDisk, 1, size - 1);

            hub.Faults.Clear();
            hub.Emulator.ClearRequests();
            using (var second = TuiHarness.Start(hub, folder))
            {
                second.OnUi(() => second.Shell.Show(second.Shell.Downloads));
                second.WaitForText("completed");
            }
            var commit = hub.Store.ResolveRevision("model", DemoRepos.ModelId, "main")!;
            Assert.Equal(DemoRepos.BuildSafetensors(), await File.ReadAllBytesAsync(layout.SnapshotFilePath(Demo, commit, "model.safetensors")));
            // The second run asked only for the bytes it did not have.
            var cdn = hub.Emulator.Requests.Where(r => r.Host == EmulatorHost.Cdn && r.Method == "GET").ToList();
            var resumed = Assert.Single(cdn);
            Assert.NotNull(resumed.Range);
            Assert.InRange(long.Parse(resumed.Range!["bytes=".Length..].Split('-')[0]), 1, size - 1);
        }
        finally
        {
            TuiHarness.DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task Pause_keeps_the_bytes_and_resume_continues_from_them()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            var size = DemoRepos.BuildSafetensors().Length;
            var layout = new HubCacheLayout(ui.CacheDir);
            hub.Faults.Add(Fault.Throttle(300_000), FaultTarget.Cdn, times: 1000);
            ui.OnUi(() =>
            {
                ui.Session.Queue.Enqueue(Demo, "main", [("model.safetensors", size)]);
                ui.Shell.Show(ui.Shell.Downloads);
            });
            var screen = ui.WaitForText("running");
            Assert.Contains("/s", screen); // a speed once bytes flow
            WaitForPartial(layout, 200_000);

            ui.Press(Key.P);
            screen = ui.WaitForText("paused (p resumes");
            var kept = new FileInfo(Assert.Single(Directory.GetFiles(layout.BlobsFolder(Demo), "*.incomplete"))).Length;
            Assert.InRange(kept, 200_000, size - 1);

            hub.Faults.Clear();
            hub.Emulator.ClearRequests();
            ui.Press(Key.P);
            ui.WaitForText("completed");
            var resumed = Assert.Single(hub.Emulator.Requests, r => r.Host == EmulatorHost.Cdn && r.Method == "GET");
            Assert.InRange(long.Parse(resumed.Range!["bytes=".Length..].Split('-')[0]), 1, size - 1);
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    private static long WaitForPartial(HubCacheLayout layout, long atLeast)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var folder = layout.BlobsFolder(Demo);
            if (Directory.Exists(folder) && Directory.GetFiles(folder, "*.incomplete").Select(f => new FileInfo(f).Length).FirstOrDefault() is var length and > 0
                && length >= atLeast)
                return length;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException($"No partial download of {atLeast} bytes appeared");
    }
}
