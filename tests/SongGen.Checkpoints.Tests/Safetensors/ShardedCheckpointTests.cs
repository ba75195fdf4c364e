using System.Text.Json;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Safetensors;

public class ShardedCheckpointTests
{
    private static Dictionary<string, Tensor> State() => new()
    {
        ["a"] = arange(10, ScalarType.Float32),       // 40 bytes
        ["b"] = arange(5, ScalarType.Int64),          // 40 bytes
        ["c"] = arange(30, ScalarType.Float32),       // 120 bytes: above the limit, a shard of its own
        ["d"] = ones(2, ScalarType.Float16),          // 4 bytes
    };

    [Theory]
    [InlineData("model.safetensors", true)]
    [InlineData("model.safetensors.index.json", true)]
    [InlineData("model-00002-of-00003.safetensors", true)]
    [InlineData("model-2-of-3.safetensors", false)]
    [InlineData("model-00001-of-00002.safetensors.bak", false)]
    [InlineData("adapter_model.safetensors", false)]
    [InlineData("config.json", false)]
    public void WeightFileNamesAreThoseASaveWritesOrRemoves(string fileName, bool expected) =>
        Assert.Equal(expected, ShardedCheckpoint.IsWeightFileName(fileName));

    [Fact]
    public void ShardsAtTheLimitWithAnIndexAsSavePretrainedDoes()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var state = State();

        var written = ShardedCheckpoint.Save(folder.Path, state, maxShardBytes: 100);

        Assert.Equal(
            ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", ShardedCheckpoint.IndexFileName],
            written.Select(Path.GetFileName));
        using var index = JsonDocument.Parse(File.ReadAllText(folder.File(ShardedCheckpoint.IndexFileName)));
        Assert.Equal(204, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var map = index.RootElement.GetProperty("weight_map");
        Assert.Equal("model-00001-of-00003.safetensors", map.GetProperty("a").GetString());
        Assert.Equal("model-00001-of-00003.safetensors", map.GetProperty("b").GetString());
        Assert.Equal("model-00002-of-00003.safetensors", map.GetProperty("c").GetString());
        Assert.Equal("model-00003-of-00003.safetensors", map.GetProperty("d").GetString());

        using var checkpoint = ShardedCheckpoint.Open(folder.Path);
        Assert.Equal(204, checkpoint.TotalSize);
        var loaded = checkpoint.ReadStateDict();
        foreach (var (name, value) in state)
        {
            Assert.True(value.eq(loaded[name]).all().item<bool>(), name);
        }
        using var shard = SafetensorsFile.Open(folder.File("model-00002-of-00003.safetensors"));
        Assert.Equal("pt", shard.Metadata["format"]);
    }

    [Fact]
    public void MappedShardsLoadTheSameTensors()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var state = State();
        ShardedCheckpoint.Save(folder.Path, state, maxShardBytes: 100);

        using var checkpoint = ShardedCheckpoint.Open(folder.Path);
        var mapped = checkpoint.MapStateDict();
        var some = checkpoint.MapStateDict(["d", "a"]);

        Assert.Equal(state.Keys.Order(), mapped.Keys.Order());
        foreach (var (name, value) in state)
        {
            Assert.Equal(value.dtype, mapped[name].dtype);
            Assert.True(value.eq(mapped[name]).all().item<bool>(), name);
        }
        Assert.Equal(["a", "d"], some.Keys.Order());
        Assert.Throws<KeyNotFoundException>(() => checkpoint.MapStateDict(["a", "nope"]));
    }

    [Fact]
    public void OneShardIsASingleModelFileAndStaleShardsGo()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        ShardedCheckpoint.Save(folder.Path, State(), maxShardBytes: 100);

        var written = ShardedCheckpoint.Save(folder.Path, State());

        Assert.Equal([ShardedCheckpoint.SingleFileName], written.Select(Path.GetFileName));
        Assert.Equal([ShardedCheckpoint.SingleFileName], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        using var checkpoint = ShardedCheckpoint.Open(folder.Path);
        Assert.Null(checkpoint.TotalSize);
        Assert.Equal(4, checkpoint.Names.Count);
        Assert.Equal(new float[] { 1, 1 }, checkpoint.ReadTensor("d", ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void OpensAnIndexFileOrASingleFileDirectly()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        ShardedCheckpoint.Save(folder.Path, State(), maxShardBytes: 100);
        using (var byIndex = ShardedCheckpoint.Open(folder.File(ShardedCheckpoint.IndexFileName)))
        {
            Assert.Equal(["b"], byIndex.ReadStateDict(["b"]).Keys);
        }
        using var byFile = ShardedCheckpoint.Open(folder.File("model-00002-of-00003.safetensors"));
        Assert.Equal(["c"], byFile.Names);
        Assert.Throws<KeyNotFoundException>(() => byFile.ReadTensor("a"));
    }

    [Fact]
    public void AFolderWithoutWeightsIsNotFound()
    {
        using var folder = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => ShardedCheckpoint.Open(folder.Path));
    }
}
