using System.Text.Json;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Pickles;

/// <summary>Sharded pickles as transformers writes them (fixtures/sharded_pickle, from make_fixtures.py).</summary>
public class ShardedPyTorchPickleTests
{
    private static string FixtureIndex => Path.Combine(AppContext.BaseDirectory, "fixtures", "sharded_pickle", ShardedPyTorchPickle.IndexFileName);

    private static TempFolder CopyOfFixture()
    {
        var folder = new TempFolder();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(FixtureIndex)!))
        {
            File.Copy(file, folder.File(Path.GetFileName(file)));
        }
        return folder;
    }

    [Fact]
    public void EveryShardLoadsWithExactValues()
    {
        using var scope = NewDisposeScope();

        var loaded = ShardedPyTorchPickle.Load(FixtureIndex);

        var expected = TinyNet.ExpectedState();
        Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, value) in expected)
        {
            Assert.Equal(value.dtype, loaded[name].dtype);
            Assert.True(value.eq(loaded[name]).all().item<bool>(), name);
        }
        Assert.True(ShardedPyTorchPickle.IsPickleIndex(FixtureIndex));
        Assert.Equal(160, ShardedPyTorchPickle.ReadIndex(FixtureIndex).TotalSize);
    }

    [Fact]
    public void ShardsAreReadOneAtATimeInFileOrder()
    {
        using var scope = NewDisposeScope();

        var shards = ShardedPyTorchPickle.ReadShards(FixtureIndex).Select(s => $"{s.File}: {string.Join(' ', s.Tensors.Keys.Order(StringComparer.Ordinal))}").ToList();

        Assert.Equal(
        [
            "pytorch_model-00001-of-00003.bin: proj.bias proj.weight",
            "pytorch_model-00002-of-00003.bin: norm.bias norm.weight",
            "pytorch_model-00003-of-00003.bin: embed.weight steps",
        ], shards);
    }

    [Fact]
    public void ASafetensorsIndexIsNotTakenForAPickleIndex()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        ShardedCheckpoint.Save(folder.Path, new Dictionary<string, Tensor> { ["a"] = zeros(30), ["b"] = zeros(30) }, maxShardBytes: 100);

        Assert.False(ShardedPyTorchPickle.IsPickleIndex(folder.File(ShardedCheckpoint.IndexFileName)));
    }

    [Fact]
    public void AnIndexThatDisagreesWithItsShardsNamesTheFileAndTheFault()
    {
        using var folder = CopyOfFixture();
        var index = folder.File(ShardedPyTorchPickle.IndexFileName);
        var original = File.ReadAllText(index);

        // The index places proj.bias in the second shard, which lacks it (and the first holds it unlisted).
        File.WriteAllText(index, original.Replace("\"proj.bias\": \"pytorch_model-00001-of-00003.bin\"", "\"proj.bias\": \"pytorch_model-00002-of-00003.bin\""));
        var misplaced = Assert.Throws<CheckpointFormatException>(() => ShardedPyTorchPickle.Load(index));
        Assert.Contains("holds 'proj.bias', which the index does not place there", misplaced.Message);
        Assert.Contains(index, misplaced.Message);

        // A tensor the index lists is in no shard.
        File.WriteAllText(index, original.Replace("\"steps\":", "\"ghost\": \"pytorch_model-00003-of-00003.bin\",\n    \"steps\":"));
        var ghost = Assert.Throws<CheckpointFormatException>(() => ShardedPyTorchPickle.Load(index));
        Assert.Contains("pytorch_model-00003-of-00003.bin", ghost.Message);
        Assert.Contains("places 'ghost' in this shard, but the shard has no such tensor", ghost.Message);

        // A shard is missing.
        File.WriteAllText(index, original);
        File.Delete(folder.File("pytorch_model-00002-of-00003.bin"));
        var missing = Assert.Throws<FileNotFoundException>(() => ShardedPyTorchPickle.Load(index));
        Assert.Contains("'pytorch_model-00002-of-00003.bin', which is missing", missing.Message);

        // A shard outside the folder.
        File.WriteAllText(index, original.Replace("\"pytorch_model-00003-of-00003.bin\"", "\"../pytorch_model-00003-of-00003.bin\""));
        Assert.Throws<CheckpointFormatException>(() => ShardedPyTorchPickle.Load(index));
    }

    [RequiresPythonTorchFact]
    public void ShardsThatTorchSavesNowLoadWithIdenticalValues()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var json = JsonDocument.Parse(PythonTorch.RunScript("interop.py", "write-sharded", folder.Path));

        var loaded = ShardedPyTorchPickle.Load(folder.File(ShardedPyTorchPickle.IndexFileName));

        Assert.Equal(2, Directory.GetFiles(folder.Path, "pytorch_model-*-of-00002.bin").Length);
        Assert.Equal(json.RootElement.EnumerateObject().Select(p => p.Name).Order(), loaded.Keys.Order());
        foreach (var property in json.RootElement.EnumerateObject())
        {
            var expected = property.Value.GetProperty("values").EnumerateArray().Select(e => e.GetDouble());
            Assert.Equal(expected, loaded[property.Name].to_type(ScalarType.Float64).reshape(-1).data<double>().ToArray());
        }
    }
}
