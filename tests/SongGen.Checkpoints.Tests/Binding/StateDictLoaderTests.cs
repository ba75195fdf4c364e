using SongGen.Checkpoints.Binding;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Binding;

public class StateDictLoaderTests
{
    [Fact]
    public void ExactNamesLoadEveryValue()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyNet();
        var expected = TinyNet.ExpectedState();

        var report = StateDictLoader.Load(net, expected);

        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(6, report.Loaded.Count);
        foreach (var (name, value) in net.state_dict())
        {
            Assert.True(value.eq(expected[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void StrictModeListsEveryFaultAndChangesNothing()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyNet();
        net.Scramble(5);
        var before = net.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var state = TinyNet.ExpectedState();
        state.Remove("norm.bias");
        state["proj.weight"] = zeros(4, 3);
        state["extra.weight"] = zeros(1);

        var error = Assert.Throws<StateDictMismatchException>(() => StateDictLoader.Load(net, state));

        Assert.Equal(["norm.bias"], error.Report.Missing);
        Assert.Equal(["extra.weight"], error.Report.Unexpected);
        var mismatch = Assert.Single(error.Report.ShapeMismatched);
        Assert.Equal("proj.weight", mismatch.Key);
        Assert.Equal(new long[] { 3, 4 }, mismatch.ModuleShape);
        Assert.Contains("norm.bias", error.Message);
        Assert.Contains("extra.weight", error.Message);
        Assert.Contains("proj.weight", error.Message);
        foreach (var (name, value) in net.state_dict())
        {
            Assert.True(value.eq(before[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void LenientModeLoadsWhatFitsAndReportsTheRest()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyNet();
        var state = TinyNet.ExpectedState();
        state.Remove("steps");
        state["proj.bias"] = zeros(7);

        var report = StateDictLoader.Load(net, state, strict: false);

        Assert.False(report.IsExact);
        Assert.Equal(["steps"], report.Missing);
        Assert.Equal("proj.bias", Assert.Single(report.ShapeMismatched).Key);
        Assert.True(net.state_dict()["embed.weight"].eq(state["embed.weight"]).all().item<bool>());
    }

    [Fact]
    public void WeightNormSpellingsAreAliasesOfEachOther()
    {
        using var scope = NewDisposeScope();
        using var module = new NamedTensors(("conv.weight_g", new long[] { 4, 1, 1 }), ("conv.weight_v", new long[] { 4, 2, 3 }), ("conv.bias", new long[] { 4 }));
        var state = new Dictionary<string, Tensor>
        {
            ["conv.parametrizations.weight.original0"] = full(new long[] { 4, 1, 1 }, 2f),
            ["conv.parametrizations.weight.original1"] = full(new long[] { 4, 2, 3 }, 3f),
            ["conv.bias"] = full(new long[] { 4 }, 4f),
        };

        var report = StateDictLoader.Load(module, state);

        Assert.Equal("conv.parametrizations.weight.original0", report.Loaded["conv.weight_g"]);
        Assert.Equal(3f, module.state_dict()["conv.weight_v"][0, 0, 0].item<float>());
        Assert.Throws<StateDictMismatchException>(() => StateDictLoader.Load(module, state, useAliases: false));

        using var modern = new NamedTensors(("c.parametrizations.weight.original0", new long[] { 1 }), ("c.parametrizations.weight.original1", new long[] { 2 }));
        var old = new Dictionary<string, Tensor> { ["c.weight_g"] = ones(1), ["c.weight_v"] = ones(2) };
        Assert.True(StateDictLoader.Load(modern, old).IsExact);
    }

    [Fact]
    public void TiedT5EmbeddingLoadsFromSharedAndTheSpareCopyIsNotUnexpected()
    {
        using var scope = NewDisposeScope();
        using var module = new NamedTensors(("text_encoder.shared.weight", new long[] { 3, 2 }), ("text_encoder.encoder.embed_tokens.weight", new long[] { 3, 2 }));
        var onlyShared = new Dictionary<string, Tensor> { ["text_encoder.shared.weight"] = full(new long[] { 3, 2 }, 7f) };

        var report = StateDictLoader.Load(module, onlyShared);

        Assert.Equal("text_encoder.shared.weight", report.Loaded["text_encoder.encoder.embed_tokens.weight"]);
        Assert.Equal(7f, module.state_dict()["text_encoder.encoder.embed_tokens.weight"][2, 1].item<float>());

        using var sharedOnly = new NamedTensors(("shared.weight", new long[] { 3, 2 }));
        var both = new Dictionary<string, Tensor> { ["shared.weight"] = ones(3, 2), ["encoder.embed_tokens.weight"] = ones(3, 2) };
        Assert.True(StateDictLoader.Load(sharedOnly, both).IsExact);
    }

    [Fact]
    public void FolderRoundTripKeepsConfigsAndExactNames()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var source = Directory.CreateDirectory(folder.File("source")).FullName;
        const string config = "{\n  \"model_type\": \"songgen\",  \"weird\": [1, 2.50]\n}\n";
        File.WriteAllText(Path.Combine(source, "config.json"), config);
        File.WriteAllText(Path.Combine(source, "generation_config.json"), "{\"do_sample\": true}");
        using var net = new TinyNet();
        StateDictLoader.Load(net, TinyNet.ExpectedState());
        var target = folder.File("saved");

        CheckpointFolder.Save(net, target, configSource: source, maxShardBytes: 64);

        Assert.Equal(config, File.ReadAllText(Path.Combine(target, "config.json")));
        Assert.True(File.Exists(Path.Combine(target, ShardedCheckpoint.IndexFileName)));
        using (var checkpoint = ShardedCheckpoint.Open(target))
        {
            Assert.Equal(net.state_dict().Keys.Order(), checkpoint.Names.Order());
        }
        using var restored = new TinyNet();
        restored.Scramble(3);
        var (report, configs) = CheckpointFolder.Load(restored, target);
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(config, configs["config.json"]);
        Assert.Equal("{\"do_sample\": true}", configs["generation_config.json"]);
        foreach (var (name, value) in TinyNet.ExpectedState())
        {
            Assert.True(value.eq(restored.state_dict()[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void FolderLoadReportsUnexpectedKeysWithoutNeedingTheirData()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var state = TinyNet.ExpectedState();
        state["unused.big"] = zeros(100, 100);
        ShardedCheckpoint.Save(folder.Path, state);
        using var net = new TinyNet();

        var error = Assert.Throws<StateDictMismatchException>(() => CheckpointFolder.Load(net, folder.Path));
        Assert.Equal(["unused.big"], error.Report.Unexpected);
        var (report, _) = CheckpointFolder.Load(net, folder.Path, strict: false);
        Assert.Equal(["unused.big"], report.Unexpected);
        Assert.Equal(6, report.Loaded.Count);
    }

    [Fact]
    public void SaveModuleWritesExactNames()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        using var net = new TinyNet();
        var path = folder.File("tiny.safetensors");
        CheckpointFolder.SaveModule(net, path);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["embed.weight", "norm.bias", "norm.weight", "proj.bias", "proj.weight", "steps"], file.Names.Order());
        Assert.Equal(ScalarType.Int64, file.GetEntry("steps").Dtype);
    }

    /// <summary>A module whose state dict has exactly the given names, as parameters.</summary>
    private sealed class NamedTensors : nn.Module
    {
        public NamedTensors(params (string Name, long[] Shape)[] tensors) : base(nameof(NamedTensors))
        {
            foreach (var (name, shape) in tensors)
            {
                var parts = name.Split('.');
                nn.Module owner = this;
                foreach (var part in parts[..^1])
                {
                    var child = owner.named_children().FirstOrDefault(c => c.name == part).module;
                    if (child is null)
                    {
                        child = new Holder();
                        owner.register_module(part, child);
                    }
                    owner = child;
                }
                owner.register_parameter(parts[^1], new TorchSharp.Modules.Parameter(zeros(shape)));
            }
        }

        private sealed class Holder() : nn.Module(nameof(Holder));
    }
}
