using System.Text;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Safetensors;

public class HostileFileTests
{
    private const string Good = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    private static CheckpointFormatException Refused(byte[] bytes, string faultFragment)
    {
        using var folder = new TempFolder();
        var path = folder.File("hostile.safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(faultFragment, error.Fault);
        return error;
    }

    private static string Tensor(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";

    [Fact]
    public void TheGoodFileLoads()
    {
        using var folder = new TempFolder();
        var path = folder.File("good.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(Good, new byte[8]));
        using var file = SafetensorsFile.Open(path);
        using var a = file.ReadTensor("a");
        Assert.Equal(new float[] { 0, 0 }, a.data<float>().ToArray());
    }

    [Fact]
    public void TooShortForTheLength() => Refused([1, 2, 3], "too few");

    [Fact]
    public void HeaderLengthBeyondTheFile() => Refused(RawSafetensors.Build(Good, new byte[8], claimedHeaderLength: 1000), "claims 1000 bytes");

    [Fact]
    public void HugeHeaderLengthIsRefusedBeforeAllocating() =>
        Refused(RawSafetensors.Build(Good, new byte[8], claimedHeaderLength: ulong.MaxValue), "limit");

    [Fact]
    public void HeaderOverTheCapIsRefused() =>
        Refused(RawSafetensors.Build(Good, new byte[8], claimedHeaderLength: 100_000_001), "limit");

    [Fact]
    public void OffsetsBeyondTheData() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "4", 0, 16) + "}", new byte[8]), "truncated");

    [Fact]
    public void DataNotCovered() =>
        Refused(RawSafetensors.Build(Good, new byte[12]), "cover only 8");

    [Fact]
    public void OverlappingTensors() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "2", 0, 8) + "," + Tensor("b", "F32", "1", 4, 8) + "}", new byte[8]), "overlaps");

    [Fact]
    public void GapBetweenTensors() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "1", 0, 4) + "," + Tensor("b", "F32", "1", 8, 12) + "}", new byte[12]), "gap");

    [Fact]
    public void EndBeforeBegin() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "0", 8, 0) + "}", new byte[8]), "ends before it begins");

    [Fact]
    public void ByteSizeNotDtypeTimesShape() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "3", 0, 8) + "}", new byte[8]), "= 12 bytes, but data_offsets span 8");

    [Theory]
    [InlineData("F8_E4M3")]
    [InlineData("C64")]
    [InlineData("f32")]
    public void UnknownDtype(string dtype) =>
        Refused(RawSafetensors.Build("{" + Tensor("a", dtype, "2", 0, 8) + "}", new byte[8]), "unknown or not supported");

    [Fact]
    public void DuplicateNames() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "1", 0, 4) + "," + Tensor("a", "F32", "1", 4, 8) + "}", new byte[8]), "twice");

    [Fact]
    public void NonUtf8Header()
    {
        var header = Encoding.UTF8.GetBytes("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        header[3] = 0xff;
        Refused(RawSafetensors.Build(header, new byte[8]), "UTF-8");
    }

    [Fact]
    public void DeeplyNestedJson()
    {
        // The parser walks the fixed structure and refuses the first unexpected token, so depth costs nothing.
        var deep = "{\"__metadata__\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        Refused(RawSafetensors.Build(deep, []), "not an object of strings");
        var deepShape = "{\"a\":{\"dtype\":\"F32\",\"shape\":" + new string('[', 100_000) + new string(']', 100_000) + "}}";
        Refused(RawSafetensors.Build(deepShape, []), "not a non-negative");
    }

    [Fact]
    public void NestedMetadataIsRefused() =>
        Refused(RawSafetensors.Build("{\"__metadata__\":{\"k\":{\"x\":1}}}", []), "not a string");

    [Theory]
    [InlineData("-1", "non-negative")]
    [InlineData("1.5", "non-negative")]
    [InlineData("99999999999999999999", "non-negative")]
    [InlineData("4294967296,4294967296,4294967296", "overflows")]
    public void BadShapes(string shape, string fault) =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", shape, 0, 8) + "}", new byte[8]), fault);

    [Fact]
    public void NegativeOffsets() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", "2", -8, 0) + "}", new byte[8]), "non-negative");

    [Theory]
    [InlineData("[]", "does not start")]
    [InlineData("{\"a\":1}", "not an object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", "lacks")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", "unknown or repeated field")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown or repeated field")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", "more than 2")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}{}", "JSON")]
    [InlineData("", "does not start")]
    public void MalformedHeaders(string header, string fault) =>
        Refused(RawSafetensors.Build(header, new byte[8]), fault);

    [Fact]
    public void TooManyDimensions() =>
        Refused(RawSafetensors.Build("{" + Tensor("a", "F32", string.Join(",", Enumerable.Repeat("1", 65)), 0, 4) + "}", new byte[4]), "more than 64");

    [Fact]
    public void ShardIndexNamingAFileOutsideItsFolderIsRefused()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(ShardedCheckpoint.IndexFileName), "{\"metadata\":{},\"weight_map\":{\"a\":\"../../etc/passwd\"}}");
        var error = Assert.Throws<CheckpointFormatException>(() => ShardedCheckpoint.Open(folder.Path));
        Assert.Contains("not a plain file name", error.Message);
    }

    [Fact]
    public void ShardIndexWithoutWeightMapIsRefused()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(ShardedCheckpoint.IndexFileName), "{\"metadata\":{}");
        Assert.Throws<CheckpointFormatException>(() => ShardedCheckpoint.Open(folder.Path));
        File.WriteAllText(folder.File(ShardedCheckpoint.IndexFileName), "{\"metadata\":{}}");
        Assert.Throws<CheckpointFormatException>(() => ShardedCheckpoint.Open(folder.Path));
    }

    [Fact]
    public void ShardIndexPointingAtAShardWithoutTheTensorIsRefused()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        SafetensorsWriter.Write(folder.File("s.safetensors"), new Dictionary<string, Tensor> { ["a"] = ones(1) });
        File.WriteAllText(folder.File(ShardedCheckpoint.IndexFileName), "{\"weight_map\":{\"b\":\"s.safetensors\"}}");
        using var checkpoint = ShardedCheckpoint.Open(folder.Path);
        var error = Assert.Throws<CheckpointFormatException>(() => checkpoint.ReadTensor("b"));
        Assert.Contains("no such tensor", error.Message);
    }

    [Fact]
    public void AFileTruncatedAfterOpenIsAFormatErrorNotACrash()
    {
        using var folder = new TempFolder();
        var path = folder.File("shrinks.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(Good, new byte[8]));
        using var file = SafetensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(stream.Length - 4);
        }
        var error = Assert.Throws<CheckpointFormatException>(() => file.ReadTensor("a"));
        Assert.Contains("shrank", error.Message);
    }
}
