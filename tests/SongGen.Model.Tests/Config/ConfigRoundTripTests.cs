using System.Text.Json.Nodes;
using SongGen.Model.Config;

namespace SongGen.Model.Tests.Config;

public sealed class ConfigRoundTripTests
{
    // Shaped like a transformers-written file (sorted keys, 2-space indent, Python number forms), with unknown keys
    // at every level, including nested objects, arrays and nulls.
    internal const string SampleConfig = """
        {
          "_name_or_path": "./outputs/mixed_pro",
          "add_prenet": true,
          "architectures": [
            "SongGenMixedForConditionalGeneration"
          ],
          "custom_top": {
            "nested": [
              1,
              2.5,
              null,
              "x"
            ]
          },
          "decoder": {
            "_name_or_path": "",
            "activation_dropout": 0.0,
            "activation_function": "gelu",
            "add_cross_attention": true,
            "add_vocal_loss": true,
            "architectures": [
              "SongGenForCausalLM"
            ],
            "attention_dropout": 0.0,
            "bos_token_id": 1025,
            "cross_attention_implementation_strategy": null,
            "dropout": 0.1,
            "eos_token_id": 1024,
            "ffn_dim": 4096,
            "hidden_size": 1024,
            "id2label": {
              "0": "LABEL_0",
              "1": "LABEL_1"
            },
            "initializer_factor": 0.02,
            "is_decoder": true,
            "layerdrop": 0.0,
            "max_length": 20,
            "max_position_embeddings": 6547,
            "model_type": "songgen_decoder",
            "num_attention_heads": 16,
            "num_codebooks": 8,
            "num_cross_attention_key_value_heads": 16,
            "num_hidden_layers": 24,
            "num_key_value_heads": 16,
            "pad_token_id": 1024,
            "rope_embeddings": false,
            "rope_theta": 10000.0,
            "scale_embedding": false,
            "tie_word_embeddings": false,
            "top_k": 50,
            "track_pattern": "mixed_pro",
            "use_cache": true,
            "vocab_size": 1088
          },
          "decoder_start_token_id": 1025,
          "is_encoder_decoder": true,
          "model_type": "songgen",
          "pad_token_id": 1024,
          "prompt_cross_attention": true,
          "text_encoder": {
            "_name_or_path": "google/flan-t5-large",
            "architectures": [
              "T5ForConditionalGeneration"
            ],
            "d_ff": 2816,
            "d_kv": 64,
            "d_model": 1024,
            "decoder_start_token_id": 0,
            "dense_act_fn": "gelu_new",
            "dropout_rate": 0.1,
            "eos_token_id": 1,
            "feed_forward_proj": "gated-gelu",
            "initializer_factor": 1.0,
            "is_encoder_decoder": true,
            "is_gated_act": true,
            "layer_norm_epsilon": 1e-06,
            "model_type": "t5",
            "n_positions": 512,
            "num_decoder_layers": 24,
            "num_heads": 16,
            "num_layers": 24,
            "output_past": true,
            "pad_token_id": 0,
            "relative_attention_max_distance": 128,
            "relative_attention_num_buckets": 32,
            "task_specific_params": {},
            "tie_word_embeddings": false,
            "use_cache": true,
            "vocab_size": 32128
          },
          "torch_dtype": "float32",
          "transformers_version": "4.43.2",
          "vocab_size": 7000,
          "zz_unknown_last": "kept"
        }

        """;

    [Fact]
    public void Reads_the_known_keys()
    {
        var c = SongGenConfig.Parse(SampleConfig);
        Assert.Equal(7000, c.VocabSize);
        Assert.Equal(["SongGenMixedForConditionalGeneration"], c.Architectures);
        Assert.Equal(TrackPattern.MixedPro, c.Decoder.TrackPattern);
        Assert.True(c.Decoder.AddVocalLoss);
        Assert.Equal(1024, c.Decoder.HiddenSize);
        Assert.Equal(64, c.Decoder.HeadDim);
        Assert.Null(c.Decoder.CrossAttentionImplementationStrategy);
        Assert.Equal(1e-6, c.TextEncoder.LayerNormEpsilon);
        Assert.Equal("gelu_new", c.TextEncoder.DenseActFn);
        Assert.True(c.TextEncoder.IsGatedAct);
        Assert.Equal("4.43.2", c.TransformersVersion);
    }

    [Fact]
    public void Unknown_keys_are_kept_in_order()
    {
        var c = SongGenConfig.Parse(SampleConfig);
        Assert.Equal(["custom_top", "zz_unknown_last"], c.ExtensionData.Select(p => p.Key));
        Assert.Equal(["add_cross_attention", "id2label", "is_decoder", "max_length", "top_k"], c.Decoder.ExtensionData.Select(p => p.Key));
        Assert.Equal(["n_positions", "output_past", "task_specific_params"], c.TextEncoder.ExtensionData.Select(p => p.Key));
        Assert.Equal("LABEL_1", c.Decoder.ExtensionData["id2label"]!["1"]!.GetValue<string>());
    }

    [Fact]
    public void Round_trip_is_byte_for_byte_for_a_transformers_shaped_file_and_stable_after()
    {
        var first = SongGenConfig.Parse(SampleConfig).ToJsonString();
        Assert.Equal(SampleConfig.ReplaceLineEndings("\n"), first);
        var second = SongGenConfig.Parse(first).ToJsonString();
        Assert.Equal(first, second);
    }

    [Fact]
    public void Round_trip_keeps_key_order_at_every_level()
    {
        var source = JsonNode.Parse(SampleConfig)!.AsObject();
        var written = JsonNode.Parse(SongGenConfig.Parse(SampleConfig).ToJsonString())!.AsObject();
        Assert.True(JsonNode.DeepEquals(source, written));
        Assert.Equal(source.Select(p => p.Key), written.Select(p => p.Key));
        foreach (var section in new[] { "decoder", "text_encoder" })
            Assert.Equal(source[section]!.AsObject().Select(p => p.Key), written[section]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Edited_values_are_written_in_place_and_new_keys_appended()
    {
        var c = SongGenConfig.Parse(SampleConfig);
        c.Decoder.TrackPattern = TrackPattern.InterleavingAV;
        c.Decoder.AddVocalLoss = false;
        c.TextEncoder.LayerNormEpsilon = 1e-5;
        c.Decoder.ExtensionData["my_note"] = "added";
        var json = c.ToJsonString();
        var root = JsonNode.Parse(json)!.AsObject();
        var decoderKeys = root["decoder"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal("track_pattern", decoderKeys[decoderKeys.IndexOf("top_k") + 1]);
        Assert.Equal("my_note", decoderKeys[^1]);
        Assert.Contains("\"layer_norm_epsilon\": 1e-05,", json);
        Assert.Contains("\"track_pattern\": \"interleaving_A_V\"", json);
        var again = SongGenConfig.Parse(json);
        Assert.Equal(TrackPattern.InterleavingAV, again.Decoder.TrackPattern);
        Assert.Equal(json, again.ToJsonString());
    }

    [Fact]
    public void Clone_is_independent_and_writes_the_same()
    {
        var c = SongGenConfig.Parse(SampleConfig);
        var copy = c.Clone();
        Assert.Equal(c.ToJsonString(), copy.ToJsonString());
        copy.Decoder.NumHiddenLayers = 2;
        copy.Decoder.ExtensionData["is_decoder"] = false;
        Assert.Equal(24, c.Decoder.NumHiddenLayers);
        Assert.True(c.Decoder.ExtensionData["is_decoder"]!.GetValue<bool>());
    }

    [Fact]
    public void Save_and_load_through_a_folder()
    {
        var dir = Directory.CreateTempSubdirectory("songgen-config-");
        try
        {
            var c = SongGenPresets.InterleavingAV;
            c.SaveToDirectory(dir.FullName);
            SongGenPresets.Generation(TrackPattern.InterleavingAV).SaveToDirectory(dir.FullName);
            var loaded = SongGenConfig.LoadFromDirectory(dir.FullName);
            Assert.Equal(c.ToJsonString(), loaded.ToJsonString());
            Assert.Equal(1500, GenerationConfig.LoadFromDirectory(dir.FullName).MaxLength);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Presets_round_trip(TrackPattern pattern)
    {
        foreach (var c in new[] { SongGenPresets.Released(pattern), SongGenPresets.Tiny(pattern) })
        {
            var json = c.ToJsonString();
            var back = SongGenConfig.Parse(json);
            Assert.Equal(json, back.ToJsonString());
            Assert.Equal(pattern, back.TrackPattern);
            Assert.Equal(c.Decoder.HiddenSize, back.Decoder.HiddenSize);
            Assert.Equal(c.TextEncoder.DFf, back.TextEncoder.DFf);
            Assert.Contains("\"rope_theta\": 10000.0", json);
            Assert.Contains("\"layer_norm_epsilon\": 1e-06", json);
            Assert.Contains("\"cross_attention_implementation_strategy\": null", json);
        }
    }

    public static TheoryData<TrackPattern> Patterns() => new(TrackPatterns.All);

    [Fact]
    public void Absent_keys_take_defaults()
    {
        var c = SongGenConfig.Parse("""{"text_encoder": {}, "decoder": {"track_pattern": "parallel_std"}}""");
        Assert.Equal(7000, c.VocabSize);
        Assert.Equal(512, c.TextEncoder.DModel);
        Assert.Equal("relu", c.TextEncoder.DenseActFn);
        Assert.False(c.TextEncoder.IsGatedAct);
        Assert.Equal(1024, c.Decoder.HiddenSize);
        Assert.Equal(16, c.Decoder.NumEmbedTokens);
        Assert.False(c.Decoder.HasVocalLmHeads);
    }
}
