using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Safetensors;

public class MappedStateDictTests
{
    private static Dictionary<string, Tensor> EveryDtype() => new()
    {
        ["f64"] = (arange(6, ScalarType.Float64) - 2.5).reshape(2, 3),
        ["f32"] = randn(3, 5),
        ["f16"] = randn(7).to_type(ScalarType.Float16),
        ["bf16"] = randn(4, 2).to_type(ScalarType.BFloat16),
        ["i64"] = arange(5, ScalarType.Int64) * 1_000_000_007L,
        ["i32"] = arange(9, ScalarType.Int32) - 4,
        ["i16"] = arange(3, ScalarType.Int16),
        ["i8"] = arange(5, ScalarType.Int8) - 2,
        ["u8"] = arange(11, ScalarType.Byte),
        ["bool"] = tensor(new[] { true, false, true }),
        ["scalar"] = tensor(3.25f),
        ["empty"] = zeros(0, 4),
        ["big"] = randn(1024, 700), // spans many pages, starts mid-page
    };

    [Fact]
    public void MappedTensorsEqualCopiedOnes()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("m.safetensors");
        var original = EveryDtype();
        SafetensorsWriter.Write(path, original);

        using var file = SafetensorsFile.Open(path);
        var mapped = file.MapStateDict();

        Assert.Equal(original.Keys.Order(), mapped.Keys.Order());
        foreach (var (name, expected) in original)
        {
            var actual = mapped[name];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.eq(actual).all().item<bool>(), name);
        }
    }

    [Fact]
    public void OnlyTheNamedTensorsAreMapped()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("m.safetensors");
        SafetensorsWriter.Write(path, EveryDtype());

        using var file = SafetensorsFile.Open(path);
        var mapped = file.MapStateDict(["i32", "big", "i32"]);

        Assert.Equal(["big", "i32"], mapped.Keys.Order());
    }

    [Fact]
    public void WritingAMappedTensorCopiesThePageAndLeavesTheFileAlone()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("m.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(1000, 10), ["v"] = ones(3) });
        var before = File.ReadAllBytes(path);

        using var file = SafetensorsFile.Open(path);
        var mapped = file.MapStateDict();
        mapped["w"].add_(1);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.True(mapped["w"].eq(2).all().item<bool>());
        Assert.True(mapped["v"].eq(1).all().item<bool>());
        using var again = SafetensorsFile.Open(path);
        Assert.True(again.ReadTensor("w").eq(1).all().item<bool>());
    }

    [Fact]
    public void MappedTensorsOutliveTheFileObjectAndTheFileItself()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("m.safetensors");
        var original = EveryDtype();
        SafetensorsWriter.Write(path, original);

        Dictionary<string, Tensor> mapped;
        using (var file = SafetensorsFile.Open(path))
        {
            mapped = file.MapStateDict();
        }
        File.Delete(path);

        Assert.True(original["big"].eq(mapped["big"]).all().item<bool>());
        Assert.True(original["i64"].eq(mapped["i64"]).all().item<bool>());
    }

    [Fact]
    public void DisposingAMappedTensorReleasesItsMapping()
    {
        using var folder = new TempFolder();
        var path = folder.File("released.safetensors");
        using (var scope = NewDisposeScope())
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = randn(100, 100), ["b"] = randn(10) });
        }

        Dictionary<string, Tensor> mapped;
        using (var file = SafetensorsFile.Open(path))
        {
            mapped = file.MapStateDict();
        }
        Assert.Equal(2, MappingsOf(path));

        mapped["a"].Dispose();
        Assert.Equal(1, MappingsOf(path));
        mapped["b"].Dispose();
        Assert.Equal(0, MappingsOf(path));
    }

    [Fact]
    public void ATensorAtAnOffsetItsElementsCannotAlignToIsCopiedInstead()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("odd.safetensors");
        // Two U8 bytes, then an F32 at data offset 2: it cannot be mapped at an address aligned for floats.
        var data = new byte[2 + 8];
        BitConverter.GetBytes(1.5f).CopyTo(data, 2);
        BitConverter.GetBytes(-2f).CopyTo(data, 6);
        var header = "{\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                     + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]}}";
        File.WriteAllBytes(path, RawSafetensors.Build(header, data));

        using var file = SafetensorsFile.Open(path);
        var mapped = file.MapStateDict();

        Assert.Equal(new[] { 1.5f, -2f }, mapped["f"].data<float>().ToArray());
        Assert.Equal(new byte[] { 0, 0 }, mapped["u"].data<byte>().ToArray());
    }

    [Fact]
    public void AFileTruncatedAfterOpenIsAFormatErrorNotACrash()
    {
        using var folder = new TempFolder();
        var path = folder.File("shrinks.safetensors");
        using (var scope = NewDisposeScope())
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = ones(2000) });
        }
        using var file = SafetensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(stream.Length - 4);
        }

        var error = Assert.Throws<CheckpointFormatException>(() => file.MapStateDict());
        Assert.Contains("shrank", error.Message);
    }

    // Linux only, like the libtorch package these tests run on.
    private static int MappingsOf(string path) => File.ReadLines("/proc/self/maps").Count(line => line.Contains(path, StringComparison.Ordinal));
}
