using System.Text.Json;
using System.Text.Json.Nodes;
using SongGen.Checkpoints.Binding;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Lyrics;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Composite;

public sealed class SongGenMixedForConditionalGenerationTests(ITestOutputHelper output)
{
    private static SongGenMixedOptions OptionsFrom(Fixture f)
    {
        var c = f.Config;
        var decoder = SongGenDecoderConfig.Read(JsonNode.Parse(c.GetProperty("decoder").GetRawText())!.AsObject(), f.Name, "config.decoder");
        var lyr = c.GetProperty("lyrics_encoder");
        long Get(JsonElement e, string name, long fallback) => e.TryGetProperty(name, out var v) ? v.GetInt64() : fallback;
        if (lyr.TryGetProperty("static_chunk_size", out var chunk)) Assert.Equal(0, chunk.GetInt64());
        if (c.TryGetProperty("prompt_cross_attention", out var pca)) Assert.True(pca.GetBoolean());
        if (c.TryGetProperty("add_prenet", out var prenet)) Assert.True(prenet.GetBoolean());
        var d = new ConformerEncoderOptions();
        return new SongGenMixedOptions
        {
            Decoder = decoder,
            TextHiddenSize = Get(c, "text_hidden", 1024),
            PromptVocabSize = Get(c, "prompt_vocab", 7000),
            MertLayers = Get(c, "mert_layers", 25),
            MertHiddenSize = Get(c, "mert_hidden", 1024),
            LyricsEncoder = new ConformerEncoderOptions
            {
                InputSize = Get(lyr, "input_size", d.InputSize),
                OutputSize = Get(lyr, "output_size", d.OutputSize),
                AttentionHeads = Get(lyr, "attention_heads", d.AttentionHeads),
                LinearUnits = Get(lyr, "linear_units", d.LinearUnits),
                NumBlocks = (int)Get(lyr, "num_blocks", d.NumBlocks),
            },
        };
    }

    private static SongGenMixedOptions Tiny(bool? projectAtGeneration = null, long textHidden = 16) => new()
    {
        Decoder = new SongGenDecoderConfig
        {
            VocabSize = 40, MaxPositionEmbeddings = 64, HiddenSize = 16, FfnDim = 32, NumHiddenLayers = 1,
            NumAttentionHeads = 4, NumKeyValueHeads = 4, NumCrossAttentionKeyValueHeads = 4, NumCodebooks = 4,
            TrackPattern = TrackPattern.MixedPro, AddVocalLoss = true, PadTokenId = 32, BosTokenId = 33, EosTokenId = 32,
        },
        TextHiddenSize = textHidden,
        PromptVocabSize = 20,
        LyricsEncoder = new ConformerEncoderOptions { InputSize = 16, OutputSize = 8, AttentionHeads = 2, LinearUnits = 16, NumBlocks = 1 },
        MertLayers = 25,
        MertHiddenSize = 12,
        ApplyEncToDecProjAtGeneration = projectAtGeneration,
    };

    [Fact]
    public void State_dict_has_the_checkpoint_top_level_names()
    {
        using var model = new SongGenMixedForConditionalGeneration(Tiny());
        var tops = model.state_dict().Keys.Select(k => k.Split('.')[0]).ToHashSet();
        Assert.Equal(new[] { "audio_mert_to_dec_proj", "decoder", "embed_prompts", "enc_to_dec_proj", "lyrics_encoder", "lyrics_to_dec_proj", "mert_layer_agg" },
            tops.OrderBy(s => s, StringComparer.Ordinal));
        var keys = model.state_dict();
        Assert.Equal(new long[] { 1, 25, 1 }, keys["mert_layer_agg.weight"].shape);
        Assert.Contains("decoder.model.decoder.embed_positions.weights", keys.Keys);
        Assert.Contains("lyrics_encoder.encoders.0.self_attn.pos_bias_u", keys.Keys);
    }

    [Theory]
    [InlineData(null, 16, false)]
    [InlineData(null, 24, true)]
    [InlineData(true, 16, true)]
    [InlineData(false, 24, false)]
    public void Generation_projection_follows_the_width_rule_unless_the_flag_says_otherwise(bool? flag, long textHidden, bool expected)
    {
        using var model = new SongGenMixedForConditionalGeneration(Tiny(flag, textHidden));
        Assert.Equal(expected, model.ProjectsTextAtGeneration);
    }

    [Fact]
    public void Generation_memory_with_flag_equals_training_memory_and_voice_goes_first()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new SongGenMixedForConditionalGeneration(Tiny(projectAtGeneration: true));
        model.eval();
        using var noGrad = no_grad();
        var text = randn(2, 3, 16);
        var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0 }).view(2, 3);
        var ids = randint(1, 20, [2, 4]);
        var pmask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 0, 0 }).view(2, 4);
        var mert = randn(25, 2, 2, 12);
        var wave = cat([randn(1, 10), zeros(1, 10)], 0);
        var gen = model.PrepareGenerationConditioning(text, mask, ids, pmask, mert, wave);
        var labels = randint(0, 32, [2, 3, 4]);
        using var train = model.Forward(text, mask, ids, pmask, mert, wave, labels);
        Assert.True(Compare.MaxAbs(gen.HiddenStates, train.EncoderHiddenStates) == 0);
        Assert.True(gen.AttentionMask.eq(train.EncoderAttentionMask).all().item<bool>());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, train.EncoderAttentionMask[0].data<long>().ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 0, 0, 1, 1, 0, 0 }, train.EncoderAttentionMask[1].data<long>().ToArray());
        Assert.True(train.EncoderHiddenStates[1, 3..5].abs().max().item<float>() == 0);   // description padding zeroed
        Assert.Equal(new long[] { 2, 4, 3 }, train.DecoderInputIds.shape);
        Assert.True(train.DecoderInputIds[.., .., 0].eq(33).all().item<bool>());
    }

    [RequiresFixtureFact("songgen_forward")]
    public void Matches_songgen_forward()
    {
        using var f = Fixture.Load("songgen_forward");
        if (f.Config.TryGetProperty("mode", out var mode)) Assert.Equal("eval", mode.GetString());
        using var model = new SongGenMixedForConditionalGeneration(OptionsFrom(f));
        model.eval();
        var weights = f.Weights();
        var report = StateDictLoader.Load(model, weights, strict: true);
        Assert.True(report.IsExact, report.ToString());
        Assert.Equal(weights.Count, report.Loaded.Count);
        Assert.Equal(model.state_dict().Count, weights.Count);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var result = model.Forward(
            f.Input("text_encoder_last_hidden_state"), f.Input("attention_mask"),
            f.Input("prompt_input_ids"), f.Input("prompt_attention_mask"),
            f.Input("mert_hidden_states"), f.Input("ref_voice_values"),
            f.Input("labels"), f.Input("vocal_labels"));
        var gen = model.PrepareGenerationConditioning(
            f.Input("text_encoder_last_hidden_state"), f.Input("attention_mask"), f.Input("prompt_input_ids"), f.Input("prompt_attention_mask"));

        var produced = new Dictionary<string, Tensor>
        {
            ["loss"] = result.Decoder.Loss!,
            ["codebook_losses"] = result.Decoder.CodebookLosses!,
            ["vocal_loss"] = result.Decoder.VocalLoss!,
            ["vocal_codebook_losses"] = result.Decoder.VocalCodebookLosses!,
            ["logits"] = result.Logits,
            ["encoder_hidden_states"] = result.EncoderHiddenStates,
            ["encoder_attention_mask"] = result.EncoderAttentionMask,
            ["decoder_input_ids"] = result.DecoderInputIds,
            ["prompt_hidden_states"] = result.PromptHiddenStates!,
            ["gen_encoder_hidden_states"] = gen.HiddenStates,
            ["gen_attention_mask"] = gen.AttentionMask,
        };
        var outputs = f.Tensors.Keys.Where(k => k.StartsWith("outputs.", StringComparison.Ordinal)).Select(k => k["outputs.".Length..]).ToList();
        Assert.Contains("loss", outputs);
        Assert.Contains("gen_encoder_hidden_states", outputs);
        foreach (var o in outputs)
        {
            Assert.True(produced.ContainsKey(o), $"output {o} not produced");
            output.WriteLine($"[songgen_forward] {o}: max abs error {Compare.Output(f, o, produced[o]):G3} (tolerance {f.Tolerance("outputs." + o):G3})");
        }
    }
}
