using SongGen.Model.Config;
using SongGen.Model.Persistence;
using SongGen.Model.Positions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Persistence;

public sealed class SongGenInitializerTests
{
    [Fact]
    public void Init_draws_the_composite_from_normal_0_02_and_takes_the_encoder_weights_of_the_text_model()
    {
        using var temp = new TempFolder();
        var t5 = temp.Sub("tiny-t5");
        var t5Weights = TinyT5Folder.Write(t5);
        using var model = SongGenInitializer.Create(t5, new SongGenInitOptions { TrackPattern = TrackPattern.MixedPro, Tiny = true, Seed = 3 }, "org/tiny-t5");

        Assert.Equal("org/tiny-t5", model.Config.TextEncoder.NameOrPath);
        Assert.Equal(24, model.Config.TextEncoder.DModel);
        Assert.Equal(TrackPattern.MixedPro, model.Config.TrackPattern);
        Assert.True(model.Config.Decoder.AddVocalLoss);
        Assert.Equal(40, model.GenerationConfig.MaxLength);
        Assert.True(model.GenerationConfig.DoSample);
        Assert.Equal(1025, model.GenerationConfig.DecoderStartTokenId);

        // The text encoder is the pretrained one (decoder half and lm_head ignored).
        var text = model.TextEncoder.state_dict();
        foreach (var (name, expected) in t5Weights) Assert.True(SongGenPretrainedTests.TensorsEqual(expected, text[name]), $"text encoder {name} differs");
        Assert.True(SongGenPretrainedTests.TensorsEqual(t5Weights["shared.weight"], text["encoder.embed_tokens.weight"]));

        // Every Linear/Conv1d/Embedding weight ~ normal(0, 0.02), biases 0; layer norms untouched; the position table kept.
        var all = new List<Tensor>();
        foreach (var m in model.Model.modules())
        {
            switch (m)
            {
                case Linear l:
                    all.Add(l.weight!.flatten());
                    if (l.bias is { } b) Assert.Equal(0, b.abs().max().item<float>());
                    break;
                case Conv1d c:
                    all.Add(c.weight!.flatten());
                    Assert.Equal(0, c.bias!.abs().max().item<float>());
                    break;
                case Embedding e:
                    all.Add(e.weight!.flatten());
                    break;
                case LayerNorm n:
                    Assert.True(n.weight!.eq(1).all().item<bool>());
                    break;
            }
        }
        var values = cat(all);
        Assert.True(values.numel() > 500_000);
        Assert.InRange(values.std().item<float>(), 0.0198, 0.0202);
        Assert.InRange(values.mean().item<float>(), -0.0002, 0.0002);
        var table = model.Model.state_dict()["decoder.model.decoder.embed_positions.weights"];
        using var fresh = new SinusoidalPositionalEmbedding(table.shape[0], table.shape[1]);
        Assert.True(SongGenPretrainedTests.TensorsEqual(fresh.Weights, table));

        // The same seed gives the same model.
        using var again = SongGenInitializer.Create(t5, new SongGenInitOptions { TrackPattern = TrackPattern.MixedPro, Tiny = true, Seed = 3 }, "org/tiny-t5");
        SongGenPretrainedTests.AssertSameWeights(model, again);
    }

    [Fact]
    public void Init_of_a_released_size_config_takes_the_text_width_from_the_text_model()
    {
        using var temp = new TempFolder();
        var t5 = temp.Sub("tiny-t5");
        TinyT5Folder.Write(t5);
        // Built on the meta device through the shape listing only: the released decoder is not allocated.
        var config = SongGenPresets.Released(TrackPattern.InterleavingAV);
        config.TextEncoder = TextEncoderConfig.Load(Path.Combine(t5, "config.json"));
        var shapes = SongGen.Model.Composite.SongGenModelShapes.Describe(config).ToDictionary(p => p.Name, p => p.Shape);
        Assert.Equal([1024L, 24], shapes["enc_to_dec_proj.weight"]);
        Assert.Equal([96L, 24], shapes["text_encoder.shared.weight"]);
    }

    [RequiresPythonTorchFact]
    public void Init_reads_the_encoder_from_a_pickled_pytorch_model_bin()
    {
        using var temp = new TempFolder();
        var t5 = temp.Sub("tiny-t5");
        var t5Weights = TinyT5Folder.Write(t5);
        var single = Path.Combine(t5, "model.safetensors");
        var count = PythonTorch.RunScript("safetensors_to_bin.py", single, Path.Combine(t5, "pytorch_model.bin")).Trim();
        Assert.Equal((t5Weights.Count + 3).ToString(System.Globalization.CultureInfo.InvariantCulture), count);
        File.Delete(single);

        using var model = SongGenInitializer.Create(t5, new SongGenInitOptions { TrackPattern = TrackPattern.InterleavingAV, Tiny = true });
        var text = model.TextEncoder.state_dict();
        foreach (var (name, expected) in t5Weights) Assert.True(SongGenPretrainedTests.TensorsEqual(expected, text[name]), $"text encoder {name} differs");
    }

    [Fact]
    public void A_text_model_without_weights_or_with_a_bad_config_is_refused_naming_the_file()
    {
        using var temp = new TempFolder();
        var t5 = temp.Sub("tiny-t5");
        TinyT5Folder.Write(t5);
        File.Delete(Path.Combine(t5, "model.safetensors"));
        var noWeights = Assert.Throws<FileNotFoundException>(() => SongGenInitializer.Create(t5, new SongGenInitOptions { Tiny = true }));
        Assert.Contains(t5, noWeights.Message);

        var configPath = Path.Combine(t5, "config.json");
        File.WriteAllText(configPath, TinyT5Folder.ConfigJson.Replace("\"model_type\": \"t5\"", "\"model_type\": \"bert\"", StringComparison.Ordinal));
        var notT5 = Assert.Throws<SongGenConfigException>(() => SongGenInitializer.Create(t5, new SongGenInitOptions { Tiny = true }));
        Assert.Contains(configPath, notT5.Message);
        Assert.Contains("model_type", notT5.Message);

        File.Delete(configPath);
        var noConfig = Assert.Throws<SongGenConfigException>(() => SongGenInitializer.Create(t5, new SongGenInitOptions { Tiny = true }));
        Assert.Contains(configPath, noConfig.Message);
    }
}
