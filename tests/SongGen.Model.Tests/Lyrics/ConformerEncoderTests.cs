using System.Text.Json;
using SongGen.Checkpoints.Binding;
using SongGen.Model.Lyrics;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Lyrics;

public sealed class ConformerEncoderTests(ITestOutputHelper output)
{
    private static ConformerEncoderOptions OptionsFrom(JsonElement config)
    {
        long Get(string name, long fallback) => config.TryGetProperty(name, out var v) ? v.GetInt64() : fallback;
        var defaults = new ConformerEncoderOptions();
        if (config.TryGetProperty("static_chunk_size", out var chunk)) Assert.Equal(0, chunk.GetInt64());
        if (config.TryGetProperty("normalize_before", out var pre)) Assert.True(pre.GetBoolean());
        if (config.TryGetProperty("macaron_style", out var macaron)) Assert.False(macaron.GetBoolean());
        if (config.TryGetProperty("use_cnn_module", out var cnn)) Assert.False(cnn.GetBoolean());
        if (config.TryGetProperty("activation_type", out var act)) Assert.Equal("swish", act.GetString());
        if (config.TryGetProperty("key_bias", out var keyBias)) Assert.True(keyBias.GetBoolean());
        return new ConformerEncoderOptions
        {
            InputSize = Get("input_size", defaults.InputSize),
            OutputSize = Get("output_size", defaults.OutputSize),
            AttentionHeads = Get("attention_heads", defaults.AttentionHeads),
            LinearUnits = Get("linear_units", defaults.LinearUnits),
            NumBlocks = (int)Get("num_blocks", defaults.NumBlocks),
            PositionalEncodingMaxLength = Get("pos_enc_max_len", defaults.PositionalEncodingMaxLength),
        };
    }

    [Fact]
    public void State_dict_keys_are_the_checkpoint_names()
    {
        using var encoder = new ConformerEncoder(new ConformerEncoderOptions { InputSize = 8, OutputSize = 8, AttentionHeads = 2, LinearUnits = 16, NumBlocks = 2 });
        var keys = encoder.state_dict().Keys.ToHashSet();
        string[] expected =
        [
            "embed.out.0.weight", "embed.out.0.bias", "embed.out.1.weight", "embed.out.1.bias",
            "encoders.1.self_attn.linear_q.weight", "encoders.1.self_attn.linear_k.bias", "encoders.1.self_attn.linear_pos.weight",
            "encoders.0.self_attn.pos_bias_u", "encoders.0.self_attn.pos_bias_v", "encoders.0.feed_forward.w_1.weight",
            "encoders.0.feed_forward.w_2.bias", "encoders.0.norm_ff.weight", "encoders.0.norm_mha.bias", "after_norm.weight",
        ];
        foreach (var key in expected) Assert.Contains(key, keys);
        Assert.DoesNotContain("encoders.0.self_attn.linear_pos.bias", keys);
        Assert.Equal(4 + 2 * 19 + 2, keys.Count);
    }

    [Fact]
    public void Rel_shift_picks_the_column_of_distance_i_minus_j()
    {
        const long t = 4;
        // bd[i, c] = 100 i + c: out[i, j] must be bd[i, (T−1) − i + j].
        using var bd = (arange(t).unsqueeze(1) * 100 + arange(2 * t - 1).unsqueeze(0)).to_type(ScalarType.Float32).view(1, 1, t, 2 * t - 1);
        using var shifted = RelPositionMultiHeadedAttention.RelShift(bd, t);
        for (var i = 0; i < t; i++)
        for (var j = 0; j < t; j++)
            Assert.Equal(100 * i + (t - 1 - i + j), shifted[0, 0, i, j].item<float>());
    }

    [Fact]
    public void Padded_keys_do_not_change_real_rows()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var encoder = new ConformerEncoder(new ConformerEncoderOptions { InputSize = 8, OutputSize = 8, AttentionHeads = 2, LinearUnits = 16, NumBlocks = 2 });
        encoder.eval();
        var x = randn(1, 5, 8);
        var mask = tensor(new long[] { 1, 1, 1, 0, 0 }).view(1, 5);
        var full = encoder.forward(x, mask);
        var changed = x.clone();
        changed[0, 4] = randn(8);
        var again = encoder.forward(changed, mask);
        Assert.True(Compare.MaxAbs(full[.., ..3], again[.., ..3]) < 1e-5);
    }

    [RequiresFixtureFact("conformer_tiny")]
    public void Matches_conformer_tiny() => RunFixture("conformer_tiny", f => f.Weights());

    [RequiresFixtureFact("conformer_real_1block")]
    public void Matches_conformer_real_1block() => RunFixture("conformer_real_1block", f =>
    {
        var weights = HashedWeights.FromConfig(f.Config);
        foreach (var (name, value) in weights)
        {
            var probe = f.Input("weights_probe." + name);
            using var first = value.flatten()[..(int)probe.shape[0]];
            using var same = first.eq(probe).all();
            Assert.True(same.item<bool>(), $"weight rule differs for {name}");
        }
        return weights;
    });

    private void RunFixture(string name, Func<Fixture, Dictionary<string, Tensor>> weightsOf)
    {
        using var f = Fixture.Load(name);
        using var encoder = new ConformerEncoder(OptionsFrom(f.Config));
        encoder.eval();
        var weights = weightsOf(f);
        var report = StateDictLoader.Load(encoder, weights, strict: true);
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(weights.Count, report.Loaded.Count);

        using var noGrad = no_grad();
        using var result = encoder.Run(f.Input("xs"), f.Input("pad_mask"));
        var produced = new Dictionary<string, Tensor>
        {
            ["xs"] = result.Xs,
            ["masks"] = result.Masks,
            ["embed_x"] = result.EmbedX,
            ["pos_emb"] = result.PosEmb,
        };
        for (var i = 0; i < result.LayerOutputs.Count; i++) produced[$"layer_out.{i}"] = result.LayerOutputs[i];

        var outputs = f.Tensors.Keys.Where(k => k.StartsWith("outputs.", StringComparison.Ordinal)).Select(k => k["outputs.".Length..]).ToList();
        Assert.Contains("xs", outputs);
        foreach (var o in outputs)
        {
            Assert.True(produced.ContainsKey(o), $"output {o} not produced");
            output.WriteLine($"{o}: max abs error {Compare.Output(f, o, produced[o]):G3} (tolerance {f.Tolerance("outputs." + o):G3})");
        }
        var fixtureOwned = f.Tensors.Values.ToHashSet();
        foreach (var w in weights.Values.Where(w => !fixtureOwned.Contains(w))) w.Dispose();
    }
}
