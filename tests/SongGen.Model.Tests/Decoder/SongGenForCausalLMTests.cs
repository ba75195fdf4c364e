using System.Text.Json.Nodes;
using SongGen.Checkpoints.Binding;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Decoder;

public sealed class SongGenForCausalLMTests(ITestOutputHelper output)
{
    /// <summary>The fixture's <c>config</c> read as a decoder config.json (unknown keys are kept, not rejected).</summary>
    private static SongGenDecoderConfig ConfigFrom(Fixture f) =>
        SongGenDecoderConfig.Read(JsonNode.Parse(f.Config.GetRawText())!.AsObject(), f.Name, "config");

    private static SongGenDecoderConfig Tiny(TrackPattern pattern, bool vocal = false) => new()
    {
        VocabSize = 40, MaxPositionEmbeddings = 64, HiddenSize = 16, FfnDim = 32, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 4, NumCrossAttentionKeyValueHeads = 4, NumCodebooks = 4,
        TrackPattern = pattern, AddVocalLoss = vocal, PadTokenId = 32, BosTokenId = 33, EosTokenId = 32,
    };

    [Theory]
    [InlineData(TrackPattern.MixedPro, true, 4, 4)]
    [InlineData(TrackPattern.InterleavingAV, false, 4, 0)]
    [InlineData(TrackPattern.ParallelStd, false, 8, 0)]
    public void State_dict_names_follow_the_checkpoint(TrackPattern pattern, bool vocal, int heads, int vocalHeads)
    {
        using var lm = new SongGenForCausalLM(Tiny(pattern, vocal));
        var keys = lm.state_dict().Keys.ToHashSet();
        for (var k = 0; k < heads; k++)
        {
            Assert.Contains($"model.decoder.embed_tokens.{k}.weight", keys);
            Assert.Contains($"lm_heads.{k}.weight", keys);
        }
        Assert.DoesNotContain($"lm_heads.{heads}.weight", keys);
        Assert.Equal(vocalHeads, keys.Count(key => key.StartsWith("vocal_lm_heads.", StringComparison.Ordinal)));
        Assert.Contains("model.decoder.embed_positions.weights", keys);
        Assert.Contains("model.decoder.layer_norm.weight", keys);
        Assert.Contains("model.decoder.layers.1.fc2.weight", keys);
        Assert.Equal(heads * 2 + vocalHeads + 1 + 2 + 2 * 16, keys.Count);
    }

    [Fact]
    public void Weighted_training_loss_splits_parallel_streams_and_adds_a_tenth_of_the_vocal_loss()
    {
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 0.5f, 0.25f });
        var mixed = SongGenForCausalLM.WeightedTrainingLoss(tensor(new float[] { 2, 4 }), w, tensor(new float[] { 10, 20 }));
        Assert.Equal(2 * 0.5f + 4 * 0.25f + 0.1f * (10 * 0.5f + 20 * 0.25f), mixed.item<float>(), 5);
        var parallel = SongGenForCausalLM.WeightedTrainingLoss(tensor(new float[] { 2, 4, 6, 8 }), w);
        Assert.Equal(0.5f * (1 + 1) + 0.5f * (3 + 2), parallel.item<float>(), 5);
    }

    [Fact]
    public void Cached_steps_equal_the_full_forward()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var lm = new SongGenForCausalLM(Tiny(TrackPattern.ParallelStd));
        lm.eval();
        using var noGrad = no_grad();
        var ids = randint(0, 34, [2, 8, 5]);
        var memory = randn(2, 3, 16);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }).view(2, 3);
        var full = lm.Forward(ids, memory, mask).Logits.view(2, 8, 5, 40);
        var head = lm.Forward(ids[.., .., ..3], memory, mask, useCache: true);
        var tail = lm.Forward(ids[.., .., 3..], memory, mask, pastKeyValues: head.PresentKeyValues, useCache: true);
        Assert.True(Compare.MaxAbs(head.Logits.view(2, 8, 3, 40), full[.., .., ..3]) < 1e-5);
        Assert.True(Compare.MaxAbs(tail.Logits.view(2, 8, 2, 40), full[.., .., 3..]) < 1e-5);
    }

    [RequiresFixtureFact("decoder_lm_mixed_pro")]
    public void Matches_decoder_lm_mixed_pro() => Check("decoder_lm_mixed_pro");

    [RequiresFixtureFact("decoder_lm_interleaving_A_V")]
    public void Matches_decoder_lm_interleaving_A_V() => Check("decoder_lm_interleaving_A_V");

    [RequiresFixtureFact("decoder_lm_parallel_std")]
    public void Matches_decoder_lm_parallel_std() => Check("decoder_lm_parallel_std");

    private void Check(string name)
    {
        using var f = Fixture.Load(name);
        if (f.Config.TryGetProperty("mode", out var mode)) Assert.Equal("eval", mode.GetString());
        var config = ConfigFrom(f);
        using var lm = new SongGenForCausalLM(config);
        lm.eval();
        var weights = f.Weights();
        var report = StateDictLoader.Load(lm, weights, strict: true);
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(weights.Count, report.Loaded.Count);
        Assert.Equal(lm.state_dict().Count, weights.Count);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor? vocalLabels = f.Tensors.TryGetValue("inputs.vocal_labels", out var vl) ? vl : null;
        using var result = lm.Forward(
            f.Input("decoder_input_ids"), f.Input("encoder_hidden_states"), f.Input("encoder_attention_mask"),
            f.Input("labels"), vocalLabels, outputHiddenStates: true);

        var produced = new Dictionary<string, Tensor>
        {
            ["logits"] = result.Logits,
            ["loss"] = result.Loss!,
            ["codebook_losses"] = result.CodebookLosses!,
        };
        if (result.VocalLoss is not null)
        {
            produced["vocal_loss"] = result.VocalLoss;
            produced["vocal_codebook_losses"] = result.VocalCodebookLosses!;
        }
        for (var i = 0; i < result.HiddenStates!.Count; i++) produced[$"hidden_states.{i}"] = result.HiddenStates[i];

        var outputs = f.Tensors.Keys.Where(k => k.StartsWith("outputs.", StringComparison.Ordinal)).Select(k => k["outputs.".Length..]).ToList();
        Assert.Contains("logits", outputs);
        Assert.Contains("loss", outputs);
        foreach (var o in outputs)
        {
            Assert.True(produced.ContainsKey(o), $"output {o} not produced");
            output.WriteLine($"[{name}] {o}: max abs error {Compare.Output(f, o, produced[o]):G3} (tolerance {f.Tolerance("outputs." + o):G3})");
        }
        Assert.Equal(outputs.Count(o => o.StartsWith("hidden_states.", StringComparison.Ordinal)), result.HiddenStates.Count);
        Assert.Equal(config.HasVocalLmHeads, outputs.Contains("vocal_loss"));
    }
}
