using System.Text.Json;
using SongGen.Checkpoints.Binding;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Binding;

/// <summary>The interop proof, both ways, against Debian's torch 1.13.</summary>
public class PythonInteropTests
{
    [RequiresPythonTorchFact]
    public void ModuleSavedHereReadsInPythonWithTheSameValues()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var net = new TinyNet();
        StateDictLoader.Load(net, TinyNet.ExpectedState());
        var path = folder.File("tiny.safetensors");
        CheckpointFolder.SaveModule(net, path, new Dictionary<string, string> { ["format"] = "pt" });

        using var json = JsonDocument.Parse(PythonTorch.RunScript("interop.py", "read", path));

        var state = net.state_dict();
        Assert.Equal(state.Keys.Order(), json.RootElement.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (name, value) in state)
        {
            var described = json.RootElement.GetProperty(name);
            Assert.Equal(value.shape, described.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            var expected = value.to_type(ScalarType.Float64).reshape(-1).data<double>().ToArray();
            Assert.Equal(expected, described.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()));
        }
        Assert.Equal("int64", json.RootElement.GetProperty("steps").GetProperty("dtype").GetString());
    }

    [RequiresPythonTorchFact]
    public void EveryDtypeWrittenHereReadsInPython()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var source = (arange(6, ScalarType.Float32) * 1.5 - 4).reshape(3, 2);
        var tensors = new Dictionary<string, Tensor>
        {
            ["float64"] = source.to_type(ScalarType.Float64), ["float32"] = source, ["float16"] = source.to_type(ScalarType.Float16),
            ["bfloat16"] = source.to_type(ScalarType.BFloat16), ["int64"] = source.to_type(ScalarType.Int64),
            ["int32"] = source.to_type(ScalarType.Int32), ["int16"] = source.to_type(ScalarType.Int16),
            ["int8"] = source.to_type(ScalarType.Int8), ["uint8"] = source.abs().to_type(ScalarType.Byte),
            ["bool"] = source.gt(0), ["empty"] = zeros(0, 5),
        };
        var path = folder.File("dtypes.safetensors");
        SafetensorsWriter.Write(path, tensors);

        using var json = JsonDocument.Parse(PythonTorch.RunScript("interop.py", "read", path));

        foreach (var (name, value) in tensors)
        {
            var described = json.RootElement.GetProperty(name);
            if (name != "empty")
            {
                Assert.Equal(name, described.GetProperty("dtype").GetString());
            }
            var expected = value.to_type(ScalarType.Float64).reshape(-1).data<double>().ToArray();
            var actual = described.GetProperty("values").EnumerateArray()
                .Select(e => e.ValueKind switch { JsonValueKind.True => 1.0, JsonValueKind.False => 0.0, _ => e.GetDouble() });
            Assert.Equal(expected, actual);
        }
    }

    [RequiresPythonTorchFact]
    public void PythonSavedBinLoadsIntoOurModuleWithIdenticalValues()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.File("pytorch_model.bin");
        using var json = JsonDocument.Parse(PythonTorch.RunScript("interop.py", "write", path));
        using var net = new TinyNet();
        net.Scramble(9);

        var report = StateDictLoader.Load(net, PyTorchPickle.Load(path));

        Assert.True(report.IsExact, report.ToString());
        foreach (var (name, value) in net.state_dict())
        {
            var expected = json.RootElement.GetProperty(name).GetProperty("values").EnumerateArray().Select(e => e.GetDouble());
            Assert.Equal(expected, value.to_type(ScalarType.Float64).reshape(-1).data<double>().ToArray());
        }
    }
}
