using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Safetensors;

public class SafetensorsRoundTripTests
{
    public static TheoryData<ScalarType, string> Dtypes => new()
    {
        { ScalarType.Float64, "F64" }, { ScalarType.Float32, "F32" }, { ScalarType.Float16, "F16" },
        { ScalarType.BFloat16, "BF16" }, { ScalarType.Int64, "I64" }, { ScalarType.Int32, "I32" },
        { ScalarType.Int16, "I16" }, { ScalarType.Int8, "I8" }, { ScalarType.Byte, "U8" }, { ScalarType.Bool, "BOOL" },
    };

    /// <summary>Hub cache snapshots hold relative symlinks to blobs; reading through one must see the blob's length.</summary>
    [Fact]
    public void AFileReadThroughARelativeSymlinkLoads()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var original = arange(3000, ScalarType.Float32).reshape(30, 100);
        Directory.CreateDirectory(folder.File("blobs"));
        Directory.CreateDirectory(folder.File("snapshots"));
        SafetensorsWriter.Write(folder.File("blobs/0123abcd"), new Dictionary<string, Tensor> { ["x"] = original });
        var link = folder.File("snapshots/model.safetensors");
        File.CreateSymbolicLink(link, "../blobs/0123abcd");

        using var file = SafetensorsFile.Open(link);
        Assert.True(original.eq(file.ReadTensor("x")).all().item<bool>());
    }

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void EveryDtypeRoundTripsBitForBit(ScalarType dtype, string name)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var original = dtype == ScalarType.Bool
            ? tensor(new[] { true, false, false, true, true, false }).reshape(2, 3)
            : (arange(6, ScalarType.Float32) * 3 - 7).reshape(2, 3).to_type(dtype);
        var path = folder.File("t.safetensors");

        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = original });
        using var file = SafetensorsFile.Open(path);
        var loaded = file.ReadTensor("x");

        Assert.Contains($"\"dtype\":\"{name}\"", RawSafetensors.Header(File.ReadAllBytes(path)));
        Assert.Equal(dtype, file.GetEntry("x").Dtype);
        Assert.Equal(dtype, loaded.dtype);
        Assert.Equal(new long[] { 2, 3 }, loaded.shape);
        Assert.True(original.eq(loaded).all().item<bool>());
    }

    [Fact]
    public void FileHasTheReferenceLayout()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path,
            new Dictionary<string, Tensor>
            {
                ["b"] = tensor(new short[] { 1, 2 }),
                ["a"] = tensor(new short[] { 3 }),
                ["big"] = tensor(new double[] { 0.5 }),
            },
            new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(
            "{\"__metadata__\":{\"format\":\"pt\"},\"big\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
            "\"a\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[8,10]},\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[10,14]}}",
            header.TrimEnd(' '));
        Assert.Equal(8 + headerLength + 14, bytes.Length);
        Assert.Equal(0.5, BitConverter.ToDouble(bytes, 8 + headerLength));
        Assert.Equal(3, BitConverter.ToInt16(bytes, 8 + headerLength + 8));
    }

    [Fact]
    public void MetadataZeroLengthAndScalarTensorsRoundTrip()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path,
            new Dictionary<string, Tensor>
            {
                ["empty"] = zeros(0, 4),
                ["scalar"] = tensor(2.5f),
                ["alsoEmpty"] = zeros(new long[] { 3, 0 }, ScalarType.Int64),
            },
            new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("ünïcode \"quoted\"", file.Metadata["note"]);
        Assert.Equal(new long[] { 0, 4 }, file.ReadTensor("empty").shape);
        Assert.Equal(new long[] { 3, 0 }, file.ReadTensor("alsoEmpty").shape);
        var scalar = file.ReadTensor("scalar");
        Assert.Empty(scalar.shape);
        Assert.Equal(2.5f, scalar.item<float>());
    }

    [Fact]
    public void OnlyEmptyTensorsMakeAValidFile()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["e"] = zeros(0) });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.ReadTensor("e").numel());
    }

    [Fact]
    public void ReadsOnlyRequestedTensorsAndCastsOnRequest()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["keep"] = tensor(new float[] { 1.5f, -2 }),
            ["skip"] = tensor(new float[] { 9 }),
        });
        using var file = SafetensorsFile.Open(path);

        var state = file.ReadStateDict(["keep"], ScalarType.BFloat16);

        Assert.Equal(["keep"], state.Keys);
        Assert.Equal(ScalarType.BFloat16, state["keep"].dtype);
        Assert.Equal(new float[] { 1.5f, -2 }, state["keep"].to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Throws<KeyNotFoundException>(() => file.ReadTensor("absent"));
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        var transposed = arange(6, ScalarType.Float32).reshape(2, 3).t();
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = transposed });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, file.ReadTensor("t").data<float>().ToArray());
    }

    [Fact]
    public void TensorsLargerThanOneMappingWindowAreCopiedWhole()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        var count = SafetensorsFile.WindowBytes / 4 + 12345;
        var big = arange(count, ScalarType.Int32);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = tensor(new byte[] { 1 }), ["big"] = big });
        using var file = SafetensorsFile.Open(path);
        Assert.True(big.eq(file.ReadTensor("big")).all().item<bool>());
    }

    [Fact]
    public void WriterRefusesDuplicateAndReservedNames()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var x = zeros(1);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(folder.File("a"), [new("x", x), new("x", x)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(folder.File("b"), [new("__metadata__", x)]));
        Assert.Throws<NotSupportedException>(() => SafetensorsWriter.Write(folder.File("c"), [new("c", zeros(1, ScalarType.ComplexFloat32))]));
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void HeaderIsValidJsonForTheReferenceReader()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["we\"ird/näme"] = ones(2) });
        using var document = JsonDocument.Parse(RawSafetensors.Header(File.ReadAllBytes(path)));
        Assert.True(document.RootElement.TryGetProperty("we\"ird/näme", out _));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(2, file.ReadTensor("we\"ird/näme").numel());
    }
}
