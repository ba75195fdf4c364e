using SongGen.Checkpoints.Binding;
using SongGen.Model.Config;
using SongGen.Model.Tests.Config;
using SongGen.Model.TextEncoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.TextEncoder;

public sealed class T5EncoderModelTests
{
    private const string Table = "state-dict-mixed_pro.tsv";
    private const string Prefix = "text_encoder.";

    /// <summary>A tiny gated-GELU T5 with inner_dim (heads·d_kv = 15) ≠ d_model (16), 8 buckets, max distance 16.</summary>
    internal static TextEncoderConfig Tiny(string feedForwardProj = "gated-gelu") => new()
    {
        VocabSize = 40,
        DModel = 16,
        DKv = 5,
        DFf = 24,
        NumLayers = 2,
        NumHeads = 3,
        RelativeAttentionNumBuckets = 8,
        RelativeAttentionMaxDistance = 16,
        DropoutRate = 0.1,
        LayerNormEpsilon = 1e-6,
        FeedForwardProj = feedForwardProj,
    };

    /// <summary>A model whose every parameter (norm weights included) is drawn from a seeded normal, in eval mode.</summary>
    internal static T5EncoderModel Seeded(TextEncoderConfig config, long seed)
    {
        var model = new T5EncoderModel(config);
        var gen = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                var scale = name.Contains("layer_norm") ? 0.2 : 0.3;
                var offset = name.Contains("layer_norm") ? 1.0 : 0.0;
                p.copy_(randn(p.shape, generator: gen) * scale + offset);
            }
        }
        model.eval();
        return model;
    }

    private static Device MetaOrCpu()
    {
        try
        {
            var meta = new Device(DeviceType.META);
            using var probe = nn.Linear(2, 3, hasBias: false, device: meta);
            return meta;
        }
        catch (Exception)
        {
            return CPU;
        }
    }

    [RequiresStateDictTableFact(Table)]
    public void FlanT5Large_names_and_shapes_equal_the_released_table()
    {
        var tsv = StateDictTables.Read(Table)
            .Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[Prefix.Length..], p => p.Value);
        Assert.Equal(219, tsv.Count);
        using var model = new T5EncoderModel(SongGenPresets.FlanT5Large(), MetaOrCpu());
        var saved = model.CheckpointStateDict().ToDictionary(p => p.Key, p => p.Value.shape);
        Assert.Empty(tsv.Keys.Except(saved.Keys).Order());
        Assert.Empty(saved.Keys.Except(tsv.Keys).Order());
        foreach (var (name, shape) in saved)
            Assert.True(shape.SequenceEqual(tsv[name]), $"{name}: module [{string.Join(", ", shape)}], table [{string.Join(", ", tsv[name])}]");

        // The full state dict also lists the tied embed_tokens, the same tensor as shared.
        var full = model.state_dict();
        Assert.Equal(saved.Count + 1, full.Count);
        Assert.Equal(full["shared.weight"].Handle, full[T5EncoderModel.TiedEmbedTokensKey].Handle);
        Assert.Same(model.Shared, model.Encoder.EmbedTokens);
        // Only block 0 holds the relative attention bias; parameters counted once match the spec's 341,231,104.
        Assert.Single(saved.Keys, k => k.Contains("relative_attention_bias"));
        Assert.Equal(341_231_104L, saved.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void Relative_position_buckets_match_the_T5_formula_table()
    {
        // 8 buckets, max distance 16, bidirectional: 4 per direction, exact below 2, then
        // 2 + floor(log(|r|/2)/log(8)·2), capped at 3; positive offsets (key after query) add 4.
        long[] rel = [-100, -16, -15, -8, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 5, 6, 8, 15, 16, 100];
        long[] exp = [3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 0, 5, 6, 6, 6, 7, 7, 7, 7, 7];
        var got = T5Attention.RelativePositionBucket(tensor(rel), bidirectional: true, numBuckets: 8, maxDistance: 16).data<long>().ToArray();
        Assert.Equal(exp, got);

        // flan-T5 (32, 128): exact below 8, then 8 + floor(log(|r|/8)/log(16)·8), capped at 15; +16 for positive offsets.
        long[] rel2 = [-200, -128, -20, -9, -8, -7, 0, 7, 8, 20, 70, 127, 1000];
        long[] exp2 = [15, 15, 10, 8, 8, 7, 0, 23, 24, 26, 30, 31, 31];
        var got2 = T5Attention.RelativePositionBucket(tensor(rel2), bidirectional: true, numBuckets: 32, maxDistance: 128).data<long>().ToArray();
        Assert.Equal(exp2, got2);

        // Unidirectional (decoder-style): only non-positive offsets count, all 8 buckets on one side.
        long[] rel3 = [5, 0, -1, -3, -4, -7, -8, -100];
        long[] exp3 = [0, 0, 1, 3, 4, 5, 6, 7];
        var got3 = T5Attention.RelativePositionBucket(tensor(rel3), bidirectional: false, numBuckets: 8, maxDistance: 16).data<long>().ToArray();
        Assert.Equal(exp3, got3);
    }

    [Fact]
    public void Position_bias_uses_the_bucket_of_key_minus_query()
    {
        using var model = Seeded(Tiny(), 3);
        var attention = model.Encoder.Blocks[0].SelfAttentionLayer.Attention;
        Assert.True(attention.HasRelativeAttentionBias);
        Assert.False(model.Encoder.Blocks[1].SelfAttentionLayer.Attention.HasRelativeAttentionBias);
        var table = model.state_dict()["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]; // (buckets, H)
        var bias = attention.ComputeBias(5, 7);
        Assert.Equal([1L, 3, 5, 7], bias.shape);
        for (var qi = 0; qi < 5; qi++)
            for (var ki = 0; ki < 7; ki++)
            {
                var bucket = T5Attention.RelativePositionBucket(tensor(new long[] { ki - qi }), true, 8, 16).data<long>()[0];
                for (var h = 0; h < 3; h++)
                    Assert.Equal(table[bucket, h].item<float>(), bias[0, h, qi, ki].item<float>());
            }
    }

    [Fact]
    public void Rms_norm_matches_a_hand_computation()
    {
        using var norm = new T5LayerNorm(4, eps: 1e-6);
        float[] w = [0.5f, -1f, 2f, 1.5f];
        using (no_grad()) norm.Weight.copy_(tensor(w));
        float[,] x = { { 1f, -2f, 3f, 0.5f }, { 100f, 0f, -50f, 25f } };
        var y = norm.forward(tensor(x));
        for (var r = 0; r < 2; r++)
        {
            double ms = 0;
            for (var c = 0; c < 4; c++) ms += (double)x[r, c] * x[r, c];
            ms /= 4;
            for (var c = 0; c < 4; c++)
            {
                var expected = w[c] * x[r, c] / Math.Sqrt(ms + 1e-6);
                Assert.Equal(expected, y[r, c].item<float>(), 1e-5);
            }
        }
        // No mean subtraction: a constant row is not mapped to zero.
        var constant = norm.forward(full(1, 4, 3f));
        Assert.Equal(0.5, constant[0, 0].item<float>(), 1e-5);
        // Half-precision weights: the variance is still fp32 and the result has the weight's dtype.
        norm.to(ScalarType.BFloat16);
        var yb = norm.forward(tensor(x));
        Assert.Equal(ScalarType.BFloat16, yb.dtype);
        Assert.True(yb.to(ScalarType.Float32).allclose(y, rtol: 2e-2, atol: 2e-2));
    }

    [Fact]
    public void Gelu_new_is_the_tanh_approximation()
    {
        double[] xs = [-3, -1, -0.5, 0, 0.3, 1, 2.5];
        var y = T5DenseActDense.Activation("gelu_new", tensor(xs));
        for (var i = 0; i < xs.Length; i++)
        {
            var x = xs[i];
            var expected = 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            Assert.Equal(expected, y[i].item<double>(), 1e-12);
        }
        Assert.Equal("gelu_new", Tiny().DenseActFn);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Ids(long[,] ids) => tensor(ids);

    [Theory]
    [InlineData("gated-gelu")]
    [InlineData("relu")]
    public void Padding_does_not_change_the_real_positions(string feedForwardProj)
    {
        using var model = Seeded(Tiny(feedForwardProj), 7);
        var padded = Ids(new long[,] { { 5, 9, 2, 33, 1, 0, 0 }, { 4, 8, 15, 16, 23, 39, 1 } });
        var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 0, 0 }, { 1, 1, 1, 1, 1, 1, 1 } });
        var batched = model.Forward(padded, mask);
        Assert.Equal([2L, 7, 16], batched.shape);
        var alone = model.Forward(Ids(new long[,] { { 5, 9, 2, 33, 1 } }));
        Assert.True(batched[0, ..5].allclose(alone[0], rtol: 0, atol: 1e-5), "padded row differs at real positions");
        var second = model.Forward(Ids(new long[,] { { 4, 8, 15, 16, 23, 39, 1 } }));
        Assert.True(batched[1].allclose(second[0], rtol: 0, atol: 1e-5), "unpadded row differs when batched");
        // What sits in the padded slots does not matter either.
        var otherPad = model.Forward(Ids(new long[,] { { 5, 9, 2, 33, 1, 17, 3 }, { 4, 8, 15, 16, 23, 39, 1 } }), mask);
        Assert.True(otherPad[0, ..5].allclose(batched[0, ..5], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Forward_is_deterministic_in_eval_and_reproducible_from_the_seed()
    {
        var ids = Ids(new long[,] { { 3, 1, 4, 1, 5, 9, 2, 6 } });
        using var a = Seeded(Tiny(), 11);
        using var b = Seeded(Tiny(), 11);
        var y1 = a.Forward(ids);
        var y2 = a.Forward(ids);
        var y3 = b.Forward(ids);
        Assert.True(Same(y1, y2));
        Assert.True(Same(y1, y3));
        Assert.False(y1.isnan().any().item<bool>());
        // Dropout is live in training mode.
        a.train();
        Assert.False(Same(a.Forward(ids), y1));
    }

    [Fact]
    public void Forward_matches_a_direct_tensor_computation()
    {
        var config = Tiny();
        config.NumLayers = 1;
        using var model = Seeded(config, 5);
        var sd = model.state_dict();
        Tensor W(string k) => sd[k];
        var ids = Ids(new long[,] { { 7, 3, 12, 0 } });
        var mask = tensor(new long[,] { { 1, 1, 1, 0 } });
        var y = model.Forward(ids, mask);

        Tensor Rms(Tensor x, Tensor w) => w * (x / (x.pow(2).mean([-1L], keepdim: true) + 1e-6).sqrt());
        var h = W("shared.weight").index_select(0, ids[0]);                       // (S, D)
        var n = Rms(h, W("encoder.block.0.layer.0.layer_norm.weight"));
        const string a = "encoder.block.0.layer.0.SelfAttention.";
        Tensor Heads(Tensor t) => t.view(4, 3, 5).transpose(0, 1);               // (H, S, d)
        var q = Heads(n.matmul(W(a + "q.weight").t()));
        var k = Heads(n.matmul(W(a + "k.weight").t()));
        var v = Heads(n.matmul(W(a + "v.weight").t()));
        var bias = zeros(3, 4, 4);
        var table = W(a + "relative_attention_bias.weight");
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 4; j++)
            {
                var bucket = (j - i) switch { 0 => 0, -1 => 1, -2 or -3 => 2, 1 => 5, 2 or 3 => 6, _ => throw new InvalidOperationException() };
                bias[.., i, j] = table[bucket];
            }
        var scores = q.matmul(k.transpose(1, 2)) + bias;
        scores[.., .., 3] = scores[.., .., 3] + float.MinValue;
        var attn = scores.softmax(-1).matmul(v).transpose(0, 1).reshape(4, 15).matmul(W(a + "o.weight").t());
        h = h + attn;
        const string f = "encoder.block.0.layer.1.";
        n = Rms(h, W(f + "layer_norm.weight"));
        var g = T5DenseActDense.Activation("gelu_new", n.matmul(W(f + "DenseReluDense.wi_0.weight").t())) * n.matmul(W(f + "DenseReluDense.wi_1.weight").t());
        h = h + g.matmul(W(f + "DenseReluDense.wo.weight").t());
        var expected = Rms(h, W("encoder.final_layer_norm.weight"));
        Assert.True(y[0].allclose(expected, rtol: 1e-4, atol: 1e-4), $"max diff {(y[0] - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void State_dict_round_trips_through_the_strict_loader()
    {
        var ids = Ids(new long[,] { { 3, 1, 4, 1, 5 }, { 9, 2, 6, 0, 0 } });
        var mask = tensor(new long[,] { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 0, 0 } });
        using var source = Seeded(Tiny(), 21);
        using var target = Seeded(Tiny(), 22);
        Assert.False(source.Forward(ids, mask).allclose(target.Forward(ids, mask)));

        // As checkpoints hold it (no encoder.embed_tokens.weight): strict load fills the tied name from shared.weight.
        var saved = source.CheckpointStateDict().ToDictionary(p => p.Key, p => p.Value.clone());
        Assert.DoesNotContain(T5EncoderModel.TiedEmbedTokensKey, saved.Keys);
        var report = StateDictLoader.Load(target, saved, strict: true);
        Assert.True(report.IsExact);
        Assert.True(Same(source.Forward(ids, mask), target.Forward(ids, mask)));
        Assert.Same(target.Shared, target.Encoder.EmbedTokens);
        foreach (var (key, value) in target.CheckpointStateDict())
            Assert.True(Same(value, saved[key]), key);

        // The full state dict (both tied names, as transformers' state_dict() lists them) also loads strictly.
        using var third = Seeded(Tiny(), 23);
        StateDictLoader.Load(third, source.state_dict(), strict: true);
        Assert.True(Same(source.Forward(ids, mask), third.Forward(ids, mask)));

        // A missing tensor is an error in strict mode.
        saved.Remove("encoder.final_layer_norm.weight");
        using var fourth = Seeded(Tiny(), 24);
        Assert.Throws<StateDictMismatchException>(() => StateDictLoader.Load(fourth, saved, strict: true));
    }
    [Theory]
    [MemberData(nameof(ConfigRoundTripTests.Patterns), MemberType = typeof(ConfigRoundTripTests))]
    public void Module_agrees_with_SongGenShapes_for_the_tiny_presets(TrackPattern pattern)
    {
        var config = SongGenPresets.Tiny(pattern);
        using var model = new T5EncoderModel(config.TextEncoder);
        var expected = SongGenShapes.Expected(config)
            .Where(p => p.Name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Name[Prefix.Length..], p => p.Shape);
        var saved = model.CheckpointStateDict();
        Assert.Equal(expected.Keys.Order(), saved.Keys.Order());
        foreach (var (name, value) in saved)
            Assert.True(value.shape.SequenceEqual(expected[name]), name);
    }

    [Fact]
    public void Non_gated_feed_forward_has_wi_and_wo()
    {
        using var model = new T5EncoderModel(Tiny("relu"));
        var keys = model.CheckpointStateDict().Keys.ToList();
        Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wi.weight", keys);
        Assert.DoesNotContain(keys, k => k.Contains("wi_0") || k.Contains("wi_1"));
    }
}
