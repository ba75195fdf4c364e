using System.Text;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using TorchSharp;

namespace SongGen.Checkpoints.Tests.Safetensors;

/// <summary><see cref="SafetensorsHeader"/>: header bytes held in memory get the checks a local open makes.</summary>
public sealed class SafetensorsHeaderTests
{
    [Fact]
    public void Header_bytes_in_memory_parse_as_the_file_does()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.safetensors");
        using (var a = torch.ones(2, 3))
        using (var b = torch.zeros(new long[] { 4 }, torch.ScalarType.Int64))
        {
            SafetensorsWriter.Write(path, [new("a", a), new("b", b)], new Dictionary<string, string> { ["format"] = "pt" });
        }
        var bytes = File.ReadAllBytes(path);

        var length = SafetensorsHeader.ParseLength(bytes.AsSpan(0, 8), bytes.Length, "mem");
        var header = SafetensorsHeader.Parse(bytes.AsSpan(8, (int)length), bytes.Length, "mem");
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(file.Entries.Select(e => (e.Name, e.Dtype, e.Begin, e.End)), header.Entries.Select(e => (e.Name, e.Dtype, e.Begin, e.End)));
        Assert.Equal("pt", header.Metadata["format"]);
        Assert.Equal(bytes.Length, header.FileSize);
        Assert.Equal(length, SafetensorsHeader.Read(path).HeaderLength);
    }

    [Fact]
    public void Faults_name_the_source_given()
    {
        var json = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""");

        var truncated = Assert.Throws<CheckpointFormatException>(() => SafetensorsHeader.Parse(json, 8 + json.Length + 4, "org/repo:model.safetensors"));
        Assert.Equal("org/repo:model.safetensors", truncated.FilePath);
        Assert.Contains("file truncated?", truncated.Fault);

        var huge = Assert.Throws<CheckpointFormatException>(() => SafetensorsHeader.ParseLength(BitConverter.GetBytes(long.MaxValue), 1 << 20, "remote"));
        Assert.Contains("above the 100000000-byte limit", huge.Message);
        var beyond = Assert.Throws<CheckpointFormatException>(() => SafetensorsHeader.ParseLength(BitConverter.GetBytes(100L), 50, "remote"));
        Assert.Contains("the file has only 42 after the length", beyond.Fault);
    }
}
