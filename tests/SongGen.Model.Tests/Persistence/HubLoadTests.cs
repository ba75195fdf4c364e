using SongGen.Hub;
using SongGen.Hub.Emulator;
using SongGen.Model.Config;
using SongGen.Model.Persistence;

namespace SongGen.Model.Tests.Persistence;

/// <summary><c>from_pretrained</c> by repo id: the snapshot comes through the Hub cache (the in-repo emulator on loopback).</summary>
public sealed class HubLoadTests
{
    [Fact]
    public async Task A_repo_id_loads_from_its_cache_snapshot_online_and_then_offline()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = SongGenPretrainedTests.TinyModel(TrackPattern.MixedPro);
        SongGenPretrained.Save(model, folder, new SongGenSaveOptions { MaxShardBytes = 300_000 });
        await using var emulator = await HubEmulator.StartAsync(new HubEmulatorOptions { Root = temp.Sub("hub") });
        await emulator.Store.CreateRepoAsync("model", "alice/songgen-tiny");
        var files = Directory.GetFiles(folder).Select(p => EmulatorFile.FromLocalFile(Path.GetFileName(p), p))
            .Append(EmulatorFile.FromBytes("pytorch_model.bin", new byte[1024]));
        await emulator.Store.CommitAsync("model", "alice/songgen-tiny", "main", files);
        var cache = temp.Sub("cache");

        using (var hub = new HubClient(new HubClientOptions { Endpoint = new Uri(emulator.Endpoint), CacheDir = cache }))
        {
            var (loaded, report) = await SongGenPretrained.LoadAsync("alice/songgen-tiny", hub: hub);
            using (loaded)
            {
                Assert.True(report.Weights.IsExact, report.ToString());
                Assert.StartsWith(Path.Combine(cache, "models--alice--songgen-tiny", "snapshots"), report.Folder);
                Assert.False(File.Exists(Path.Combine(report.Folder, "pytorch_model.bin")));
                SongGenPretrainedTests.AssertSameWeights(model, loaded);
            }
        }

        await emulator.DisposeAsync();
        using (var offline = new HubClient(new HubClientOptions { Endpoint = new Uri("http://127.0.0.1:9"), CacheDir = cache, Offline = true }))
        {
            var (loaded, report) = await SongGenPretrained.LoadAsync("alice/songgen-tiny", hub: offline);
            using (loaded)
            {
                Assert.True(report.Weights.IsExact, report.ToString());
                SongGenPretrainedTests.AssertSameWeights(model, loaded);
            }
        }
    }

    [Fact]
    public async Task A_path_that_is_neither_a_folder_nor_a_repo_id_is_refused_naming_it()
    {
        using var temp = new TempFolder();
        var missing = temp.Sub("nope");
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => SongGenPretrained.LoadAsync(missing));
        Assert.Contains(missing, error.Message);
        var noHub = await Assert.ThrowsAsync<InvalidOperationException>(() => SongGenPretrained.LoadAsync("alice/songgen-tiny"));
        Assert.Contains("alice/songgen-tiny", noHub.Message);
    }
}
