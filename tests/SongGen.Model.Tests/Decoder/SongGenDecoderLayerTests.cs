using System.Text.Json;
using SongGen.Checkpoints.Binding;
using SongGen.Model.Decoder;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Decoder;

public sealed class SongGenDecoderLayerTests(ITestOutputHelper output)
{
    private static SongGenDecoderLayerOptions OptionsFrom(JsonElement config)
    {
        long Get(string name, long fallback) => config.TryGetProperty(name, out var v) ? v.GetInt64() : fallback;
        double GetD(string name, double fallback) => config.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;
        var heads = Get("num_attention_heads", 16);
        var kvHeads = Get("num_key_value_heads", heads);
        return new SongGenDecoderLayerOptions
        {
            HiddenSize = Get("hidden_size", 1024),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            NumCrossAttentionKeyValueHeads = Get("num_cross_attention_key_value_heads", kvHeads),
            FfnDim = Get("ffn_dim", 4096),
            ActivationFunction = config.TryGetProperty("activation_function", out var act) ? act.GetString()! : "gelu",
            Dropout = GetD("dropout", 0.1),
            AttentionDropout = GetD("attention_dropout", 0.0),
            ActivationDropout = GetD("activation_dropout", 0.0),
            LayerNormEps = GetD("layer_norm_eps", 1e-5),
        };
    }

    private static SongGenDecoderLayerOptions Tiny(long kvHeads = 4) => new()
    {
        HiddenSize = 16, NumAttentionHeads = 4, NumKeyValueHeads = kvHeads, NumCrossAttentionKeyValueHeads = kvHeads, FfnDim = 32,
    };

    [Fact]
    public void State_dict_is_the_checkpoint_layer()
    {
        // Rows decoder.model.decoder.layers.0.* of the released mixed_pro checkpoint (spec/state-dict-mixed_pro.tsv).
        var expected = new Dictionary<string, long[]>
        {
            ["self_attn.k_proj.weight"] = [1024, 1024], ["self_attn.v_proj.weight"] = [1024, 1024],
            ["self_attn.q_proj.weight"] = [1024, 1024], ["self_attn.out_proj.weight"] = [1024, 1024],
            ["self_attn_layer_norm.weight"] = [1024], ["self_attn_layer_norm.bias"] = [1024],
            ["encoder_attn.k_proj.weight"] = [1024, 1024], ["encoder_attn.v_proj.weight"] = [1024, 1024],
            ["encoder_attn.q_proj.weight"] = [1024, 1024], ["encoder_attn.out_proj.weight"] = [1024, 1024],
            ["encoder_attn_layer_norm.weight"] = [1024], ["encoder_attn_layer_norm.bias"] = [1024],
            ["fc1.weight"] = [4096, 1024], ["fc2.weight"] = [1024, 4096],
            ["final_layer_norm.weight"] = [1024], ["final_layer_norm.bias"] = [1024],
        };
        using var layer = new SongGenDecoderLayer(new SongGenDecoderLayerOptions());
        var state = layer.state_dict();
        Assert.Equal(expected.Keys.Order(), state.Keys.Order());
        foreach (var (name, shape) in expected) Assert.Equal(shape, state[name].shape);
    }

    [Fact]
    public void Grouped_key_value_heads_have_narrow_projections()
    {
        using var layer = new SongGenDecoderLayer(Tiny(kvHeads: 2));
        var state = layer.state_dict();
        Assert.Equal(new long[] { 8, 16 }, state["self_attn.k_proj.weight"].shape);
        Assert.Equal(new long[] { 8, 16 }, state["encoder_attn.v_proj.weight"].shape);
        Assert.Equal(new long[] { 16, 16 }, state["self_attn.q_proj.weight"].shape);
    }

    [Fact]
    public void Grouped_key_value_heads_equal_repeated_full_heads()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var grouped = new SongGenAttention(16, 4, 2, isCausal: true);
        using var full = new SongGenAttention(16, 4, 4, isCausal: true);
        grouped.eval();
        full.eval();
        var gs = grouped.state_dict();
        // Each of the 2 kv heads (4 rows each) serves 2 consecutive query heads.
        var weights = new Dictionary<string, Tensor>
        {
            ["q_proj.weight"] = gs["q_proj.weight"].clone(),
            ["out_proj.weight"] = gs["out_proj.weight"].clone(),
            ["k_proj.weight"] = gs["k_proj.weight"].view(2, 1, 4, 16).expand(2, 2, 4, 16).reshape(16, 16),
            ["v_proj.weight"] = gs["v_proj.weight"].view(2, 1, 4, 16).expand(2, 2, 4, 16).reshape(16, 16),
        };
        Assert.True(StateDictLoader.Load(full, weights, strict: true).IsExact);
        using var noGrad = no_grad();
        var x = randn(2, 5, 16);
        var a = grouped.Forward(x).Output;
        var b = full.Forward(x).Output;
        Assert.True(Compare.MaxAbs(a, b) < 1e-6);
    }

    [Fact]
    public void Cached_steps_equal_the_full_forward()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var layer = new SongGenDecoderLayer(Tiny());
        layer.eval();
        using var noGrad = no_grad();
        var x = randn(2, 6, 16);
        var memory = randn(2, 3, 16);
        var memoryMask2d = tensor(new long[] { 1, 1, 1, 1, 1, 0 }).view(2, 3);
        var full = layer.Forward(x, null, memory, DecoderMasks.ExpandPadding(memoryMask2d, 6)).HiddenStates;

        var first = layer.Forward(x[.., ..4], null, memory, DecoderMasks.ExpandPadding(memoryMask2d, 4), useCache: true);
        var past = first.Present!;
        Assert.Equal(new long[] { 2, 4, 4, 4 }, past.Self.Key.shape);
        Assert.Equal(new long[] { 2, 4, 3, 4 }, past.Cross.Key.shape);
        var steps = new List<Tensor> { first.HiddenStates };
        for (var t = 4; t < 6; t++)
        {
            var step = layer.Forward(x[.., t..(t + 1)], null, memory, DecoderMasks.ExpandPadding(memoryMask2d, 1), past, useCache: true);
            Assert.Same(past.Cross.Key, step.Present!.Cross.Key);
            past = step.Present;
            steps.Add(step.HiddenStates);
        }
        Assert.Equal(new long[] { 2, 4, 6, 4 }, past.Self.Key.shape);
        Assert.True(Compare.MaxAbs(cat(steps, 1), full) < 1e-5);

        // Two new positions at once after a cache: the internal causal mask is offset by the past length.
        var head = layer.Forward(x[.., ..3], null, memory, DecoderMasks.ExpandPadding(memoryMask2d, 3), useCache: true);
        var tail = layer.Forward(x[.., 3..], null, memory, DecoderMasks.ExpandPadding(memoryMask2d, 3), head.Present, useCache: true);
        Assert.True(Compare.MaxAbs(tail.HiddenStates, full[.., 3..]) < 1e-5);
    }

    [Fact]
    public void Causal_mask_blocks_the_future_with_finfo_min()
    {
        using var mask = DecoderMasks.Causal(1, 3, pastLength: 2);
        Assert.Equal(new long[] { 1, 1, 3, 5 }, mask.shape);
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 5; j++)
            Assert.Equal(j > i + 2 ? float.MinValue : 0f, mask[0, 0, i, j].item<float>());
    }

    [Fact]
    public void Fully_masked_memory_gives_uniform_attention_not_nan()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var attention = new SongGenAttention(16, 4, 4, isCausal: false);
        attention.eval();
        using var noGrad = no_grad();
        var x = randn(1, 2, 16);
        var memory = randn(1, 3, 16);
        var masked = attention.Forward(x, memory, DecoderMasks.ExpandPadding(zeros(1, 3, dtype: ScalarType.Int64), 2)).Output;
        Assert.False(masked.isnan().any().item<bool>());
        // finfo.min on every key swamps q·k: uniform weights, i.e. out_proj(mean over keys of v_proj(memory)) for every query.
        var state = attention.state_dict();
        var meanValue = matmul(memory, state["v_proj.weight"].t()).mean([1L], keepdim: true);     // (1,1,16): heads split evenly
        var expected = matmul(meanValue, state["out_proj.weight"].t()).expand(1, 2, 16);
        Assert.True(Compare.MaxAbs(masked, expected) < 1e-5);
    }

    [RequiresFixtureFact("decoder_layer")]
    public void Matches_decoder_layer()
    {
        using var f = Fixture.Load("decoder_layer");
        if (f.Config.TryGetProperty("mode", out var mode)) Assert.Equal("eval", mode.GetString());
        using var layer = new SongGenDecoderLayer(OptionsFrom(f.Config));
        layer.eval();
        var weights = f.Weights();
        var report = StateDictLoader.Load(layer, weights, strict: true);
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(weights.Count, report.Loaded.Count);
        Assert.Equal(layer.state_dict().Count, weights.Count);

        using var noGrad = no_grad();
        var hidden = f.Input("hidden_states");
        var memory = f.Input("encoder_hidden_states");
        // As the fixture called it: the decoder's 4-D additive masks.
        using (var result = layer.Forward(hidden, f.Input("causal_mask_4d"), memory, f.Input("encoder_attention_mask_4d")))
            CompareAll(f, result, "4-D masks");

        // The same masks built here from the 2-D memory mask must be bit-identical, and the built-in causal path must agree.
        long b = hidden.shape[0], s = hidden.shape[1];
        using var causal = DecoderMasks.Causal(b, s, targetLength: f.Input("causal_mask_4d").shape[^1]);
        using var memoryMask = DecoderMasks.ExpandPadding(f.Input("encoder_attention_mask"), s);
        using (var same = causal.eq(f.Input("causal_mask_4d")).all()) Assert.True(same.item<bool>(), "causal mask differs");
        using (var same = memoryMask.eq(f.Input("encoder_attention_mask_4d")).all()) Assert.True(same.item<bool>(), "memory mask differs");
        using (var result = layer.Forward(hidden, null, memory, memoryMask))
            CompareAll(f, result, "is_causal + built memory mask");
    }

    private void CompareAll(Fixture f, DecoderLayerOutput result, string label)
    {
        var produced = new Dictionary<string, Tensor>
        {
            ["hidden_states"] = result.HiddenStates,
            ["self_attn_out"] = result.SelfAttentionOutput,
            ["cross_attn_out"] = result.CrossAttentionOutput!,
        };
        var outputs = f.Tensors.Keys.Where(k => k.StartsWith("outputs.", StringComparison.Ordinal)).Select(k => k["outputs.".Length..]).ToList();
        Assert.Contains("hidden_states", outputs);
        foreach (var o in outputs)
        {
            Assert.True(produced.ContainsKey(o), $"output {o} not produced");
            output.WriteLine($"[{label}] {o}: max abs error {Compare.Output(f, o, produced[o]):G3} (tolerance {f.Tolerance("outputs." + o):G3})");
        }
    }
}
