using System.Text.Json;
using SongGen.Checkpoints.Safetensors;
using SongGen.Model.Config;
using SongGen.Model.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Persistence;

/// <summary>A temp folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "songgen-persist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class SongGenPretrainedTests
{
    public static TheoryData<TrackPattern> SavedPatterns => [TrackPattern.MixedPro, TrackPattern.InterleavingAV];

    internal static SongGenPretrainedModel TinyModel(TrackPattern pattern, long seed = 11)
    {
        manual_seed(seed);
        return new SongGenPretrainedModel(SongGenPresets.Tiny(pattern), SongGenPresets.TinyGeneration(pattern)).Eval();
    }

    /// <summary>Logits and memory of a fixed batch: text through T5, lyrics through the Conformer, codes through the decoder.</summary>
    internal static (Tensor Logits, Tensor Memory) Outputs(SongGenPretrainedModel m)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(123, CPU);
        var device = m.Device;
        var textIds = randint(0, m.Config.TextEncoder.VocabSize, [2, 5], generator: g).to(device);
        var textMask = tensor(new long[,] { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 0, 0 } }).to(device);
        var lyricIds = randint(0, 7000, [2, 6], generator: g).to(device);
        var lyricMask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0, 0 } }).to(device);
        var codes = randint(0, 1024, [2, m.Config.Decoder.NumEmbedTokens, 7], generator: g).to(device);
        using var noGrad = no_grad();
        var text = m.TextEncoder.Forward(textIds, textMask);
        using var output = m.Model.Forward(text, textMask, lyricIds, lyricMask, decoderInputIds: codes);
        return (output.Logits.detach().clone().MoveToOuterDisposeScope(), output.EncoderHiddenStates.detach().clone().MoveToOuterDisposeScope());
    }

    /// <summary>Same shape and every element equal (TorchSharp's <c>Tensor.equal</c> is element-wise).</summary>
    internal static bool TensorsEqual(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }

    internal static void AssertSameWeights(SongGenPretrainedModel expected, SongGenPretrainedModel actual)
    {
        var a = expected.CheckpointStateDict();
        var b = actual.CheckpointStateDict().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(a.Select(p => p.Key).Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in a)
            Assert.True(TensorsEqual(tensor.to_type(b[name].dtype), b[name]), $"{name} differs");
    }

    [Theory]
    [MemberData(nameof(SavedPatterns))]
    public void Save_then_load_gives_the_same_weights_configs_and_outputs(TrackPattern pattern)
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(pattern);
        var (logits, memory) = Outputs(model);

        var written = SongGenPretrained.Save(model, folder);
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors"], written.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(temp.Path), p => p.EndsWith(".partial", StringComparison.Ordinal));
        using (var file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors")))
        {
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal(model.CheckpointStateDict().Select(p => p.Key).Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
            Assert.DoesNotContain("text_encoder.encoder.embed_tokens.weight", file.Names);
            Assert.Contains("decoder.model.decoder.embed_positions.weights", file.Names);
            Assert.Equal(pattern == TrackPattern.MixedPro, file.Names.Any(n => n.StartsWith("decoder.vocal_lm_heads.", StringComparison.Ordinal)));
        }

        var (loaded, report) = SongGenPretrained.Load(folder);
        using (loaded)
        {
            Assert.True(report.Weights.IsExact, report.ToString());
            Assert.Empty(report.AudioPartKeys);
            Assert.True(report.GenerationConfigFound);
            Assert.Equal("text_encoder.shared.weight", report.Weights.Loaded["text_encoder.encoder.embed_tokens.weight"]);
            Assert.Equal(pattern, loaded.Config.TrackPattern);
            Assert.Equal("float32", loaded.Config.TorchDtype);
            Assert.Equal(32, loaded.Config.LyricsEncoder!.OutputSize);
            Assert.Equal(model.GenerationConfig.ToJsonString(), loaded.GenerationConfig.ToJsonString());
            Assert.False(loaded.Model.training);
            AssertSameWeights(model, loaded);
            var (logits2, memory2) = Outputs(loaded);
            Assert.True(TensorsEqual(logits, logits2), "logits differ after save -> load");
            Assert.True(TensorsEqual(memory, memory2), "memory differs after save -> load");
        }
    }

    [Fact]
    public void A_small_shard_limit_writes_several_shards_and_a_valid_index_and_a_later_save_removes_them()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(TrackPattern.MixedPro);
        const long limit = 300_000;
        SongGenPretrained.Save(model, folder, new SongGenSaveOptions { MaxShardBytes = limit });

        var shards = Directory.GetFiles(folder, "model-*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.True(shards.Count >= 3, $"{shards.Count} shards");
        Assert.Equal(Enumerable.Range(1, shards.Count).Select(i => $"model-{i:D5}-of-{shards.Count:D5}.safetensors"), shards);
        Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")));
        var (weightMap, totalSize) = ShardedCheckpoint.ParseIndex(File.ReadAllBytes(Path.Combine(folder, "model.safetensors.index.json")), "index");
        var state = model.CheckpointStateDict();
        Assert.Equal(state.Select(p => p.Key).Order(StringComparer.Ordinal), weightMap.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(state.Sum(p => p.Value.numel() * 4), totalSize);
        foreach (var shard in shards)
        {
            using var file = SafetensorsFile.Open(Path.Combine(folder, shard!));
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal(weightMap.Where(p => p.Value == shard).Select(p => p.Key).Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
            var bytes = file.Entries.Sum(e => e.ByteLength);
            Assert.True(bytes <= limit || file.Entries.Count == 1, $"{shard}: {bytes} bytes in {file.Entries.Count} tensors");
        }
        var (loaded, report) = SongGenPretrained.Load(folder);
        using (loaded)
        {
            Assert.True(report.Weights.IsExact, report.ToString());
            AssertSameWeights(model, loaded);
        }

        // Saving again with the default limit leaves one file and no stale shards or index.
        SongGenPretrained.Save(model, folder);
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Released_layout_keys_of_MERT_and_the_X_Codec_are_reported_as_the_audio_part()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(TrackPattern.MixedPro);
        SongGenPretrained.Save(model, folder);
        var audioKeys = new Dictionary<string, Tensor>
        {
            ["mert_model.feature_extractor.conv_layers.0.conv.weight"] = randn(4, 1, 3),
            ["mert_model.encoder.pos_conv_embed.conv.parametrizations.weight.original0"] = randn(1, 1, 4),
            ["audio_encoder.model.encoder.block.0.weight_g"] = randn(4, 1, 1),
            ["audio_encoder.model.quantizer.vq.layers.0._codebook.embed"] = randn(8, 4),
        };
        ShardedCheckpoint.Save(folder, model.CheckpointStateDict().Concat(audioKeys), maxShardBytes: 400_000);

        var (loaded, report) = SongGenPretrained.Load(folder);
        using (loaded)
        {
            Assert.True(report.Weights.IsExact, report.ToString());
            Assert.Equal(audioKeys.Keys.Order(StringComparer.Ordinal), report.AudioPartKeys);
            Assert.Contains("4 keys (audio_encoder.* 2, mert_model.* 2): audio part, not loaded by the model", report.ToString());
            AssertSameWeights(model, loaded);
        }
    }

    [Fact]
    public void Weights_that_do_not_fit_fail_strictly_naming_the_folder_and_keys_and_are_reported_otherwise()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(TrackPattern.InterleavingAV);
        var state = model.CheckpointStateDict().Where(p => p.Key != "decoder.lm_heads.3.weight")
            .Append(new("decoder.not_a_module.weight", zeros(3)));
        SongGenPretrained.Save(model, folder);
        ShardedCheckpoint.Save(folder, state);

        var error = Assert.Throws<SongGenLoadException>(() => SongGenPretrained.Load(folder));
        Assert.Contains(folder, error.Message);
        Assert.Contains("1 missing: decoder.lm_heads.3.weight", error.Message);
        Assert.Contains("1 unexpected: decoder.not_a_module.weight", error.Message);

        var (loaded, report) = SongGenPretrained.Load(folder, new SongGenLoadOptions { Strict = false });
        using (loaded)
        {
            Assert.Equal(["decoder.lm_heads.3.weight"], report.Weights.Missing);
            Assert.Equal(["decoder.not_a_module.weight"], report.Weights.Unexpected);
        }
    }

    [Fact]
    public void A_missing_or_corrupt_config_or_missing_weights_give_an_error_naming_the_file()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(TrackPattern.MixedPro);
        SongGenPretrained.Save(model, folder);
        var configPath = Path.Combine(folder, "config.json");

        var missingFolder = Assert.Throws<DirectoryNotFoundException>(() => SongGenPretrained.Load(temp.Sub("absent")));
        Assert.Contains(temp.Sub("absent"), missingFolder.Message);

        var good = File.ReadAllText(configPath);
        File.WriteAllText(configPath, good[..(good.Length / 2)]);
        var corrupt = Assert.Throws<SongGenConfigException>(() => SongGenPretrained.Load(folder));
        Assert.Equal(configPath, corrupt.File);
        Assert.StartsWith(configPath + ":", corrupt.Message);

        File.WriteAllText(configPath, good.Replace("\"track_pattern\": \"mixed_pro\"", "\"track_pattern\": \"sideways\"", StringComparison.Ordinal));
        var badValue = Assert.Throws<SongGenConfigException>(() => SongGenPretrained.Load(folder));
        Assert.Contains(configPath, badValue.Message);
        Assert.Contains("decoder.track_pattern", badValue.Message);

        File.Delete(configPath);
        var missing = Assert.Throws<SongGenConfigException>(() => SongGenPretrained.Load(folder));
        Assert.Contains(configPath, missing.Message);

        File.WriteAllText(configPath, good);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        var noWeights = Assert.Throws<FileNotFoundException>(() => SongGenPretrained.Load(folder));
        Assert.Contains(folder, noWeights.Message);
    }

    [Fact]
    public void Without_generation_config_the_defaults_come_from_config_json()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(TrackPattern.MixedPro);
        SongGenPretrained.Save(model, folder);
        File.Delete(Path.Combine(folder, "generation_config.json"));
        var (loaded, report) = SongGenPretrained.Load(folder);
        using (loaded)
        {
            Assert.False(report.GenerationConfigFound);
            Assert.Contains("no generation_config.json", report.ToString());
            Assert.Equal(1025, loaded.GenerationConfig.BosTokenId);
            Assert.Equal(1025, loaded.GenerationConfig.DecoderStartTokenId);
            Assert.Equal(1024, loaded.GenerationConfig.PadTokenId);
            Assert.Equal(1024, loaded.GenerationConfig.EosTokenId);
            Assert.Equal(20, loaded.GenerationConfig.MaxLength);
        }
    }

    [Fact]
    public void Bf16_weights_save_as_BF16_and_load_in_either_dtype()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        using var model = TinyModel(TrackPattern.MixedPro);
        model.To(CPU, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, model.Dtype);
        SongGenPretrained.Save(model, folder);
        Assert.Contains("\"torch_dtype\": \"bfloat16\"", File.ReadAllText(Path.Combine(folder, "config.json")));
        using (var file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors")))
            Assert.All(file.Entries, e => Assert.Equal(ScalarType.BFloat16, e.Dtype));

        var (asFloat, _) = SongGenPretrained.Load(folder);
        using (asFloat)
        {
            Assert.Equal(ScalarType.Float32, asFloat.Dtype);
            Assert.All(asFloat.TextEncoder.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            AssertSameWeights(model, asFloat);
        }
        var (asBf16, _) = SongGenPretrained.Load(folder, new SongGenLoadOptions { Dtype = ScalarType.BFloat16 });
        using (asBf16)
        {
            Assert.All(asBf16.Model.parameters().Concat(asBf16.TextEncoder.parameters()), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            AssertSameWeights(model, asBf16);
            var (logits, _) = Outputs(asBf16);
            Assert.Equal(ScalarType.BFloat16, logits.dtype);
        }
    }

    [Fact]
    public void Saving_into_an_existing_folder_keeps_other_files_copies_tokenizer_files_and_a_failed_save_changes_nothing()
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("model");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "README.md"), "notes");
        var tokenizer = temp.Sub("tok");
        Directory.CreateDirectory(tokenizer);
        File.WriteAllText(Path.Combine(tokenizer, "spiece.model"), "sp");
        File.WriteAllText(Path.Combine(tokenizer, "tokenizer_config.json"), "{}");
        File.WriteAllText(Path.Combine(tokenizer, "unrelated.txt"), "x");
        using var model = TinyModel(TrackPattern.MixedPro);

        SongGenPretrained.Save(model, folder, new SongGenSaveOptions { TokenizerSource = tokenizer });
        Assert.Equal(["README.md", "config.json", "generation_config.json", "model.safetensors", "spiece.model", "tokenizer_config.json"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var before = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);
        var error = Assert.Throws<DirectoryNotFoundException>(() =>
            SongGenPretrained.Save(model, folder, new SongGenSaveOptions { TokenizerSource = temp.Sub("nope") }));
        Assert.Contains(temp.Sub("nope"), error.Message);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(folder).Order());
        foreach (var (path, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(temp.Path), p => p.EndsWith(".partial", StringComparison.Ordinal));
    }

    [RequiresPythonTorchFact]
    public void The_saved_files_read_in_python_torch_give_the_same_tensors_by_name()
    {
        using var temp = new TempFolder();
        using var model = TinyModel(TrackPattern.MixedPro);
        Check(temp, model, "sharded-f32", 250_000);
        model.To(CPU, ScalarType.BFloat16);
        Check(temp, model, "single-bf16", ShardedCheckpoint.DefaultMaxShardBytes);

        static void Check(TempFolder temp, SongGenPretrainedModel model, string name, long limit)
        {
            var folder = temp.Sub(name);
            SongGenPretrained.Save(model, folder, new SongGenSaveOptions { MaxShardBytes = limit });
            var manifest = temp.Sub(name + ".json");
            var values = temp.Sub(name + ".f64");
            var state = model.CheckpointStateDict();
            DumpValues(state, manifest, values);
            using var summary = JsonDocument.Parse(PythonTorch.RunScript("check_model_folder.py", folder, manifest, values));
            var root = summary.RootElement;
            Assert.Equal(JsonValueKind.Array, root.GetProperty("errors").ValueKind);
            Assert.Empty(root.GetProperty("errors").EnumerateArray());
            Assert.Empty(root.GetProperty("mismatches").EnumerateArray());
            Assert.Empty(root.GetProperty("extra").EnumerateArray());
            Assert.Equal(state.Count, root.GetProperty("checked").GetInt32());
            var files = root.GetProperty("files").EnumerateArray().Select(f => f.GetString()).ToList();
            Assert.Equal(limit < 1_000_000, files.Count > 1);
            foreach (var meta in root.GetProperty("metadata").EnumerateObject())
                Assert.Equal("{\"format\":\"pt\"}", meta.Value.GetRawText().Replace(" ", "", StringComparison.Ordinal));
        }
    }

    /// <summary>A manifest (name, shape, torch dtype, offset) and every value as little-endian float64, written without safetensors code.</summary>
    private static void DumpValues(IReadOnlyList<KeyValuePair<string, Tensor>> state, string manifestPath, string valuesPath)
    {
        var manifest = new List<object>();
        long offset = 0;
        using var writer = new BinaryWriter(File.Create(valuesPath));
        foreach (var (name, tensor) in state)
        {
            using var asDouble = tensor.detach().to_type(ScalarType.Float64).cpu().contiguous();
            var data = asDouble.data<double>().ToArray();
            foreach (var v in data) writer.Write(v);
            manifest.Add(new { name, shape = tensor.shape, torch_dtype = SongGenPretrained.DtypeName(tensor.dtype), offset });
            offset += data.Length;
        }
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest));
    }
}
