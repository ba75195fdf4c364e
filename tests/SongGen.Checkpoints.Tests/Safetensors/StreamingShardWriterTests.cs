using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Safetensors;

/// <summary>The streaming writer gives the very bytes of the in-memory writers while holding one tensor at a time.</summary>
public class StreamingShardWriterTests
{
    private static readonly Dictionary<string, string> Metadata = new() { ["source"] = "unit test", ["format"] = "pt" };

    /// <summary>Every dtype, a zero-length and a scalar tensor, and a non-contiguous one.</summary>
    private static Dictionary<string, Tensor> State() => new()
    {
        ["a.f64"] = arange(7, ScalarType.Float64) / 3,
        ["b.f32"] = arange(30, ScalarType.Float32).reshape(5, 6).t(),
        ["c.f16"] = linspace(-2, 2, 9).to_type(ScalarType.Float16),
        ["d.bf16"] = linspace(-2, 2, 11).to_type(ScalarType.BFloat16),
        ["e.i64"] = tensor(new long[] { long.MinValue, 0, long.MaxValue }),
        ["f.i32"] = arange(4, ScalarType.Int32),
        ["g.i16"] = arange(6, ScalarType.Int16),
        ["h.i8"] = arange(-3, 3, ScalarType.Int8),
        ["i.u8"] = arange(200, 210, ScalarType.Byte),
        ["j.bool"] = tensor(new[] { true, false, true }),
        ["k.empty"] = zeros(0, 4),
        ["l.scalar"] = tensor(2.5f),
    };

    private static List<TensorSpec> Specs(Dictionary<string, Tensor> state) =>
        state.Select(p => new TensorSpec(p.Key, p.Value.dtype, p.Value.shape)).ToList();

    private static void AssertSameFiles(string expectedFolder, string actualFolder)
    {
        var expected = Directory.GetFiles(expectedFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Directory.GetFiles(actualFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in expected)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedFolder, name!)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualFolder, name!))), name);
        }
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(40L)]
    [InlineData(100L)]
    [InlineData(ShardedCheckpoint.DefaultMaxShardBytes)]
    public void FolderBytesEqualThoseOfTheInMemorySave(long limit)
    {
        using var scope = NewDisposeScope();
        using var memory = new TempFolder();
        using var streamed = new TempFolder();
        var state = State();

        ShardedCheckpoint.Save(memory.Path, state, limit, Metadata);
        StreamingShardWriter.WriteFolder(streamed.Path, Specs(state), spec => state[spec.Name].alias(), limit, Metadata);

        AssertSameFiles(memory.Path, streamed.Path);
        using var checkpoint = ShardedCheckpoint.Open(streamed.Path);
        foreach (var (name, value) in state)
        {
            Assert.True(value.eq(checkpoint.ReadTensor(name)).all().item<bool>(), name);
        }
    }

    [Fact]
    public void OneFileBytesEqualThoseOfTheInMemoryWriter()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var state = State();

        SafetensorsWriter.Write(folder.File("memory.safetensors"), state, Metadata);
        StreamingShardWriter.WriteFile(folder.File("streamed.safetensors"), Specs(state), spec => state[spec.Name].alias(), Metadata);

        Assert.Equal(File.ReadAllBytes(folder.File("memory.safetensors")), File.ReadAllBytes(folder.File("streamed.safetensors")));
    }

    [Fact]
    public void PlanFillsShardsGreedilyInGivenOrderAndGivesAnOversizedTensorItsOwnShard()
    {
        var plan = StreamingShardWriter.Plan(
        [
            new TensorSpec("a", ScalarType.Float32, [10]),    // 40 bytes
            new TensorSpec("b", ScalarType.Int64, [5]),       // 40 bytes
            new TensorSpec("c", ScalarType.Float32, [30]),    // 120 bytes
            new TensorSpec("e", ScalarType.Float16, [2]),     // 4 bytes
            new TensorSpec("d", ScalarType.Float32, [1]),     // 4 bytes
        ], maxShardBytes: 100);

        // Assignment follows the given order; each shard is laid out by element size, then name.
        Assert.Equal([["b", "a"], ["c"], ["d", "e"]], plan.Shards.Select(s => s.Select(t => t.Name).ToArray()));
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], plan.FileNames);
        Assert.Equal(208, plan.TotalSize);
        Assert.Equal([ShardedCheckpoint.SingleFileName], StreamingShardWriter.Plan([new TensorSpec("x", ScalarType.Float32, [1000])], 10).FileNames);
    }

    [Fact]
    public void EachTensorIsReadOnceInFileOrderAndDisposedBeforeTheNext()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var state = State();
        var handedOut = new List<Tensor>();
        var order = new List<string>();

        StreamingShardWriter.WriteFolder(folder.Path, Specs(state), spec =>
        {
            Assert.All(handedOut, t => Assert.True(t.IsInvalid, "an earlier tensor was still alive when the next was read"));
            order.Add(spec.Name);
            var copy = state[spec.Name].clone();
            handedOut.Add(copy);
            return copy;
        }, maxShardBytes: 50);

        Assert.All(handedOut, t => Assert.True(t.IsInvalid));
        var plan = StreamingShardWriter.Plan(Specs(state), 50);
        Assert.Equal(plan.Shards.SelectMany(s => s).Select(s => s.Name), order);
        Assert.Equal(state.Count, order.Distinct().Count());
    }

    [Fact]
    public void ATensorUnlikeItsSpecFailsAndLeavesNoFile()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = folder.File("out.safetensors");
        TensorSpec[] specs = [new("a", ScalarType.Float32, [2, 3]), new("b", ScalarType.Float32, [4])];

        var error = Assert.Throws<InvalidOperationException>(() =>
            StreamingShardWriter.WriteFile(path, specs, spec => spec.Name == "b" ? zeros(5) : zeros(2, 3)));

        Assert.Contains("'b' was planned as F32 [4] but read as Float32 [5]", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void DuplicateOrReservedNamesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => StreamingShardWriter.Plan([new("a", ScalarType.Float32, [1]), new("a", ScalarType.Int64, [1])]));
        Assert.Throws<ArgumentException>(() => StreamingShardWriter.Plan([new("__metadata__", ScalarType.Float32, [1])]));
    }
}
