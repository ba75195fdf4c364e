using SongGen.Checkpoints.Safetensors;
using SongGen.Model.TextEncoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Persistence;

/// <summary>
/// Writes a tiny flan-T5-like model folder as transformers saves a <c>T5ForConditionalGeneration</c>: its
/// <c>config.json</c>, a <c>model.safetensors</c> with <c>shared.weight</c>, the <c>encoder.*</c> weights and some
/// decoder-half and <c>lm_head</c> tensors (which a T5 encoder ignores), and a tokenizer file.
/// </summary>
internal static class TinyT5Folder
{
    public const string ConfigJson = """
        {
          "_name_or_path": "tiny-flan-t5",
          "architectures": ["T5ForConditionalGeneration"],
          "d_ff": 48,
          "d_kv": 8,
          "d_model": 24,
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
          "num_decoder_layers": 2,
          "num_heads": 3,
          "num_layers": 2,
          "output_past": true,
          "pad_token_id": 0,
          "relative_attention_max_distance": 16,
          "relative_attention_num_buckets": 8,
          "tie_word_embeddings": false,
          "transformers_version": "4.43.3",
          "use_cache": true,
          "vocab_size": 96
        }
        """;

    /// <summary>Writes the folder and returns the encoder weights written (checkpoint names, CPU copies the caller owns).</summary>
    public static Dictionary<string, Tensor> Write(string folder, long seed = 5)
    {
        Directory.CreateDirectory(folder);
        var configPath = Path.Combine(folder, "config.json");
        File.WriteAllText(configPath, ConfigJson);
        var config = SongGen.Model.Config.TextEncoderConfig.Load(configPath);
        manual_seed(seed);
        using var encoder = new T5EncoderModel(config);
        var tensors = encoder.CheckpointStateDict().ToDictionary(p => p.Key, p => p.Value.detach().clone(), StringComparer.Ordinal);
        var all = new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal)
        {
            ["decoder.block.0.layer.0.SelfAttention.q.weight"] = randn(24, 24),
            ["decoder.final_layer_norm.weight"] = ones(24),
            ["lm_head.weight"] = randn(96, 24),
        };
        ShardedCheckpoint.Save(folder, all);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"model_max_length\": 512}\n");
        File.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), "{\"eos_token\": \"</s>\"}\n");
        return tensors;
    }
}
