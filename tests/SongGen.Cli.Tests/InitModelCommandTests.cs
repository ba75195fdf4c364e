using SongGen.Hub.Emulator;
using SongGen.Model.Config;
using SongGen.Model.Persistence;
using SongGen.Model.Tests.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen init-model</c>: an untrained SongGen around a pretrained T5, written as a model folder.</summary>
public sealed class InitModelCommandTests
{
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void AssertTextEncoderIs(SongGenPretrainedModel model, Dictionary<string, Tensor> t5Weights)
    {
        var text = model.TextEncoder.state_dict();
        foreach (var (name, expected) in t5Weights) Assert.True(Same(expected, text[name]), $"text encoder {name} differs");
    }

    [Fact]
    public async Task Tiny_init_from_a_local_text_model_writes_a_folder_that_loads_exactly()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var t5 = Path.Combine(session.Folder, "tiny-t5");
        var t5Weights = TinyT5Folder.Write(t5);
        var output = Path.Combine(session.Folder, "out", "songgen-tiny");

        var result = await session.RunOkAsync("init-model", output, "--track-pattern", "interleaving_A_V", "--text-model", t5, "--tiny", "--seed", "7");

        Assert.Equal([Path.GetFullPath(output)], result.OutLines);
        Assert.Contains(result.ErrLines, l => l.StartsWith("Initialised interleaving_A_V (tiny): ", StringComparison.Ordinal));
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json"],
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var (model, report) = SongGenPretrained.Load(output);
        using (model)
        {
            Assert.True(report.Weights.IsExact, report.ToString());
            Assert.Equal(TrackPattern.InterleavingAV, model.Config.TrackPattern);
            Assert.False(model.Config.Decoder.AddVocalLoss);
            Assert.Equal(t5, model.Config.TextEncoder.NameOrPath);
            Assert.Equal(40, model.GenerationConfig.MaxLength);
            Assert.True(model.GenerationConfig.DoSample);
            AssertTextEncoderIs(model, t5Weights);
            // The untrained heads are normal(0, 0.02).
            var head = model.Model.state_dict()["decoder.lm_heads.0.weight"];
            Assert.InRange(head.std().item<float>(), 0.018, 0.022);
        }

        // The same seed again, sharded this time: the same tensors.
        var sharded = Path.Combine(session.Folder, "sharded");
        await session.RunOkAsync("init-model", sharded, "--track-pattern", "interleaving_A_V", "--text-model", t5, "--tiny", "--seed", "7", "--max-shard-size", "200KB");
        Assert.True(File.Exists(Path.Combine(sharded, "model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(sharded, "model-*-of-*.safetensors").Length > 1);
        var (first, _) = SongGenPretrained.Load(output);
        var (second, _) = SongGenPretrained.Load(sharded);
        using (first)
        using (second)
        {
            var a = first.CheckpointStateDict().ToDictionary(p => p.Key, p => p.Value);
            foreach (var (name, tensor) in second.CheckpointStateDict()) Assert.True(Same(a[name], tensor), $"{name} differs between equal seeds");
        }
    }

    [Fact]
    public async Task A_repo_text_model_comes_through_the_hub_cache_without_its_pickle()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var t5 = Path.Combine(session.Folder, "upload");
        var t5Weights = TinyT5Folder.Write(t5);
        await session.Hub.Store.CreateRepoAsync("model", "alice/tiny-flan-t5");
        var files = Directory.GetFiles(t5).Select(p => EmulatorFile.FromLocalFile(Path.GetFileName(p), p))
            .Append(EmulatorFile.FromBytes("pytorch_model.bin", new byte[4096]));
        await session.Hub.Store.CommitAsync("model", "alice/tiny-flan-t5", "main", files);
        var output = Path.Combine(session.Folder, "songgen");

        await session.RunOkAsync("init-model", output, "--track-pattern", "mixed_pro", "--text-model", "alice/tiny-flan-t5", "--tiny");

        var snapshotFiles = Directory.GetFiles(session.CacheDir, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("model.safetensors", snapshotFiles);
        Assert.DoesNotContain("pytorch_model.bin", snapshotFiles);
        var (model, report) = SongGenPretrained.Load(output);
        using (model)
        {
            Assert.True(report.Weights.IsExact, report.ToString());
            Assert.Equal("alice/tiny-flan-t5", model.Config.TextEncoder.NameOrPath);
            Assert.True(model.Config.Decoder.AddVocalLoss);
            AssertTextEncoderIs(model, t5Weights);
        }
        Assert.True(File.Exists(Path.Combine(output, "tokenizer_config.json")));
    }

    [Fact]
    public async Task Model_load_reports_the_audio_part_and_fails_on_weights_that_do_not_fit()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var t5 = Path.Combine(session.Folder, "tiny-t5");
        TinyT5Folder.Write(t5);
        var output = Path.Combine(session.Folder, "model");
        await session.RunOkAsync("init-model", output, "--track-pattern", "mixed_pro", "--text-model", t5, "--tiny");

        // The released layout: MERT and X-Codec tensors beside the model's.
        var (model, _) = SongGenPretrained.Load(output);
        using (model)
        {
            var audio = new Dictionary<string, Tensor>
            {
                ["mert_model.encoder.layers.0.attention.k_proj.weight"] = zeros(4, 4),
                ["audio_encoder.model.fc_post2.weight"] = zeros(4, 4),
            };
            SongGen.Checkpoints.Safetensors.ShardedCheckpoint.Save(output, model.CheckpointStateDict().Concat(audio));
        }
        var loaded = await session.RunOkAsync("model", "load", output, "--dtype", "bf16", "--device", "cpu");
        Assert.Contains($"{output}: loaded ", loaded.OutLines[0]);
        Assert.EndsWith(", missing 0, unexpected 0, shape-mismatched 0", loaded.OutLines[0]);
        Assert.Contains("  2 keys (audio_encoder.* 1, mert_model.* 1): audio part, not loaded by the model", loaded.OutLines);
        Assert.StartsWith("mixed_pro: ", loaded.OutLines[^1]);
        Assert.Contains("parameters (bfloat16) on cpu", loaded.OutLines[^1]);

        // A key the model does not have: one line naming the folder and the key, exit 1.
        (model, _) = SongGenPretrained.Load(output);
        using (model)
            SongGen.Checkpoints.Safetensors.ShardedCheckpoint.Save(output, model.CheckpointStateDict().Append(new("decoder.extra.weight", zeros(2))));
        var failed = await session.RunAsync("model", "load", output);
        Assert.Equal(1, failed.ExitCode);
        Assert.Single(failed.ErrLines);
        Assert.StartsWith($"songgen: {output}: the weights do not fit config.json (1 unexpected: decoder.extra.weight)", failed.ErrLines[0]);
        var lenient = await session.RunOkAsync("model", "load", output, "--non-strict");
        Assert.Contains("  unexpected: decoder.extra.weight", lenient.OutLines);
    }

    [Fact]
    public async Task A_missing_or_broken_text_model_fails_with_one_line_naming_it_and_writes_nothing()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var output = Path.Combine(session.Folder, "out");
        var missing = Path.Combine(session.Folder, "no-such-t5");

        var absent = await session.RunAsync("init-model", output, "--track-pattern", "mixed_pro", "--text-model", missing, "--tiny");
        Assert.Equal(1, absent.ExitCode);
        Assert.Equal([$"songgen: {missing}: no such folder (and not a Hub repo id)"], absent.ErrLines);

        var t5 = Path.Combine(session.Folder, "tiny-t5");
        TinyT5Folder.Write(t5);
        var config = Path.Combine(t5, "config.json");
        File.WriteAllText(config, "{ \"model_type\": \"t5\", \"d_model\": ");
        var broken = await session.RunAsync("init-model", output, "--track-pattern", "mixed_pro", "--text-model", t5, "--tiny");
        Assert.Equal(1, broken.ExitCode);
        Assert.Single(broken.ErrLines);
        Assert.StartsWith($"songgen: {config}: ", broken.ErrLines[0]);

        var badPattern = await session.RunAsync("init-model", output, "--track-pattern", "sideways", "--text-model", t5, "--tiny");
        Assert.Equal(1, badPattern.ExitCode);
        Assert.Contains("sideways", badPattern.Err);

        Assert.False(Directory.Exists(output));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(session.Folder), p => p.EndsWith(".partial", StringComparison.Ordinal));
    }
}
