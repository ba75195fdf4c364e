using System.Text;
using System.Text.Json;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Hub.Emulator;
using TorchSharp;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen ckpt inspect|convert</c>: local and remote headers, hostile files, conversions read back.</summary>
public sealed class CkptCommandTests : IAsyncLifetime
{
    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync(seedDemo: false);

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    private static string Pickle => Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny_state_dict.bin");

    /// <summary>Four tensors over two prefixes and three dtypes: 12 + 12 + 6 + 2 = 32 parameters.</summary>
    private static Dictionary<string, torch.Tensor> Sample(int scale = 1) => new(StringComparer.Ordinal)
    {
        ["decoder.layers.0.fc.weight"] = torch.arange(12 * scale, dtype: torch.float32).reshape(4, 3 * scale),
        ["decoder.layers.1.fc.weight"] = torch.arange(12 * scale, dtype: torch.float16).reshape(4, 3 * scale),
        ["lm_head.weight"] = torch.linspace(-1, 1, 6 * scale).to_type(torch.ScalarType.BFloat16).reshape(2, 3 * scale),
        ["steps"] = torch.tensor(new long[] { 7, -3 }),
    };

    private static void AssertSameValues(IReadOnlyDictionary<string, torch.Tensor> expected, IReadOnlyDictionary<string, torch.Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in expected)
        {
            Assert.Equal(value.dtype, actual[name].dtype);
            Assert.Equal(value.shape, actual[name].shape);
            Assert.True(value.eq(actual[name]).all().item<bool>(), name);
        }
    }

    private static JsonElement Json(CliResult result) => JsonDocument.Parse(result.Out).RootElement;

    /// <summary>Name → "DTYPE [d0, d1]".</summary>
    private static Dictionary<string, string> Tensors(JsonElement report) =>
        report.GetProperty("tensors").EnumerateArray().ToDictionary(
            t => t.GetProperty("name").GetString()!,
            t => $"{t.GetProperty("dtype").GetString()} [{string.Join(", ", t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()))}]");

    [Fact]
    public async Task Inspect_of_a_local_file_lists_names_dtypes_shapes_and_counts()
    {
        var path = Path.Combine(_cli.Folder, "model.safetensors");
        SafetensorsWriter.Write(path, Sample(), new Dictionary<string, string> { ["format"] = "pt", ["note"] = "tiny" });

        var report = Json(await _cli.RunOkAsync("ckpt", "inspect", path, "--json"));

        Assert.Equal("safetensors", report.GetProperty("format").GetString());
        Assert.Equal(4, report.GetProperty("tensor_count").GetInt32());
        Assert.Equal(32, report.GetProperty("parameters").GetInt64());
        Assert.Equal(12 * 4 + 12 * 2 + 6 * 2 + 2 * 8, report.GetProperty("total_bytes").GetInt64());
        var tensors = Tensors(report);
        Assert.Equal("F32 [4, 3]", tensors["decoder.layers.0.fc.weight"]);
        Assert.Equal("F16 [4, 3]", tensors["decoder.layers.1.fc.weight"]);
        Assert.Equal("BF16 [2, 3]", tensors["lm_head.weight"]);
        Assert.Equal("I64 [2]", tensors["steps"]);
        Assert.Equal("tiny", report.GetProperty("metadata").GetProperty("note").GetString());
        var prefixes = report.GetProperty("by_prefix").EnumerateArray().ToDictionary(p => p.GetProperty("prefix").GetString()!, p => p.GetProperty("bytes").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["decoder.layers"] = 72, ["lm_head"] = 12, ["steps"] = 16 }, prefixes);

        var text = await _cli.RunOkAsync("ckpt", "inspect", path);
        Assert.Contains("parameters: 32", text.Out);
        Assert.Contains("note: tiny", text.Out);
        Assert.Contains(text.OutLines, l => l.Contains("decoder.layers.1.fc.weight") && l.Contains("F16") && l.Contains("[4, 3]"));
        Assert.Contains(text.OutLines, l => l.TrimStart().StartsWith("decoder.layers ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inspect_of_a_sharded_folder_reads_the_index_and_every_shard()
    {
        var folder = Path.Combine(_cli.Folder, "sharded");
        var written = ShardedCheckpoint.Save(folder, Sample(), maxShardBytes: 50);

        var report = Json(await _cli.RunOkAsync("ckpt", "inspect", folder, "--json"));

        var shards = written.Count(p => p.EndsWith(".safetensors", StringComparison.Ordinal));
        Assert.True(shards > 1);
        Assert.Equal(shards, report.GetProperty("files").GetArrayLength());
        Assert.Equal(32, report.GetProperty("parameters").GetInt64());
        Assert.Equal(report.GetProperty("total_bytes").GetInt64(), report.GetProperty("index_total_size").GetInt64());
        Assert.Equal(Sample().Keys.Order(StringComparer.Ordinal), Tensors(report).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Inspect_of_a_pickle_lists_its_state_dict()
    {
        var report = Json(await _cli.RunOkAsync("ckpt", "inspect", Pickle, "--json"));

        Assert.Equal("pytorch-pickle", report.GetProperty("format").GetString());
        Assert.Equal(38, report.GetProperty("parameters").GetInt64());
        var tensors = Tensors(report);
        Assert.Equal(["embed.weight", "norm.bias", "norm.weight", "proj.bias", "proj.weight", "steps"], tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("F32 [3, 4]", tensors["proj.weight"]);
        Assert.Equal("I64 [2]", tensors["steps"]);
    }

    [Fact]
    public async Task Remote_inspect_moves_only_the_headers_by_range_and_sends_no_token_to_the_cdn()
    {
        // Tensors large enough that the weights dwarf the headers.
        var folder = Path.Combine(_cli.Folder, "remote");
        var written = ShardedCheckpoint.Save(folder, Sample(scale: 4096), maxShardBytes: 100_000);
        await _cli.Hub.Store.CreateRepoAsync("model", "alice/tiny-ckpt");
        await _cli.Hub.Store.CommitAsync("model", "alice/tiny-ckpt", "main",
            written.Select(p => EmulatorFile.FromLocalFile(Path.GetFileName(p), p)));
        _cli.Hub.Emulator.ClearRequests();

        var report = Json(await _cli.RunOkAsync("ckpt", "inspect", "alice/tiny-ckpt", "--json"));

        Assert.Equal(Sample().Keys.Order(StringComparer.Ordinal), Tensors(report).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(32 * 4096 - 2 * 4095, report.GetProperty("parameters").GetInt64());
        var shardNames = written.Select(Path.GetFileName).Where(n => n!.EndsWith(".safetensors", StringComparison.Ordinal)).ToList();
        var requests = _cli.Hub.Emulator.Requests;
        var fileRequests = requests.Where(r => r.Host == EmulatorHost.Cdn || r.PathAndQuery.Contains("/resolve/")).ToList();
        // Every read of a file is a Range request; nothing reads a whole weight file.
        Assert.All(fileRequests, r => Assert.False(r.Method == "GET" && r.Range is null, $"a whole-file GET: {r}"));
        var cdn = requests.Where(r => r.Host == EmulatorHost.Cdn).ToList();
        Assert.Equal(2 * shardNames.Count, cdn.Count);
        Assert.All(cdn, r => Assert.False(r.HasAuthorization, $"the token went to the CDN: {r}"));
        foreach (var shard in shardNames)
        {
            var header = SafetensorsHeader.Read(Path.Combine(folder, shard!));
            var ranges = requests.Where(r => r.Host == EmulatorHost.Hub && r.PathAndQuery.EndsWith("/" + shard, StringComparison.Ordinal))
                .Select(r => r.Range).ToList();
            Assert.Equal(["bytes=0-7", $"bytes=8-{7 + header.HeaderLength}"], ranges);
        }

        // A named file: only that file's header.
        _cli.Hub.Emulator.ClearRequests();
        var one = Json(await _cli.RunOkAsync("ckpt", "inspect", $"alice/tiny-ckpt:{shardNames[0]}", "--json"));
        Assert.Equal(1, one.GetProperty("files").GetArrayLength());
        Assert.Equal(2, _cli.Hub.Emulator.Requests.Count(r => r.Host == EmulatorHost.Cdn));
    }

    [Fact]
    public async Task A_hostile_file_is_one_line_naming_the_file_and_the_fault()
    {
        var huge = Path.Combine(_cli.Folder, "huge-header.safetensors");
        File.WriteAllBytes(huge, [.. BitConverter.GetBytes(long.MaxValue), .. "{}"u8.ToArray()]);
        var result = await _cli.RunAsync("ckpt", "inspect", huge);
        CliSession.AssertCleanFailure(result, 1);
        Assert.Contains(huge, result.Err);
        Assert.Contains("above the 100000000-byte limit", result.Err);

        var overlap = Path.Combine(_cli.Folder, "overlap.safetensors");
        var json = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""");
        File.WriteAllBytes(overlap, [.. BitConverter.GetBytes((long)json.Length), .. json, .. new byte[8]]);
        var second = await _cli.RunAsync("ckpt", "inspect", overlap);
        CliSession.AssertCleanFailure(second, 1);
        Assert.Contains(overlap, second.Err);
        Assert.Contains("overlaps", second.Err);

        // Converting it fails the same way and leaves no OUT behind.
        var output = Path.Combine(_cli.Folder, "out-hostile");
        CliSession.AssertCleanFailure(await _cli.RunAsync("ckpt", "convert", overlap, output), 1);
        Assert.False(Directory.Exists(output));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_cli.Folder), e => e.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hostile_remote_header_names_the_repo_file_and_the_fault()
    {
        var json = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""");
        await _cli.Hub.Store.CreateRepoAsync("model", "alice/truncated");
        await _cli.Hub.Store.CommitAsync("model", "alice/truncated", "main",
            [EmulatorFile.FromBytes("model.safetensors", [.. BitConverter.GetBytes((long)json.Length), .. json, .. new byte[4]])]);

        var result = await _cli.RunAsync("ckpt", "inspect", "alice/truncated");

        CliSession.AssertCleanFailure(result, 1);
        Assert.Contains("alice/truncated:model.safetensors: tensor offsets reach byte 16 but the data section has only 4 bytes", result.Err);
    }

    [Fact]
    public async Task Convert_of_a_pickle_to_safetensors_keeps_every_value()
    {
        var output = Path.Combine(_cli.Folder, "tiny.safetensors");

        var result = await _cli.RunOkAsync("ckpt", "convert", Pickle, output);

        Assert.Equal([output], result.OutLines);
        Assert.Contains(": 6 tensors, 38 parameters", result.Err);
        var expected = PyTorchPickle.Load(Pickle);
        using var file = SafetensorsFile.Open(output);
        AssertSameValues(expected, file.ReadStateDict());
    }

    [Fact]
    public async Task Convert_reshards_a_folder_with_an_index_and_copies_the_config()
    {
        var input = Path.Combine(_cli.Folder, "in");
        ShardedCheckpoint.Save(input, Sample());
        File.WriteAllText(Path.Combine(input, "config.json"), """{"model_type":"tiny"}""");
        var output = Path.Combine(_cli.Folder, "out");

        await _cli.RunOkAsync("ckpt", "convert", input, output, "--max-shard-size", "60");

        Assert.True(File.Exists(Path.Combine(output, ShardedCheckpoint.IndexFileName)));
        Assert.False(File.Exists(Path.Combine(output, ShardedCheckpoint.SingleFileName)));
        Assert.True(Directory.EnumerateFiles(output, "model-*-of-*.safetensors").Count() > 1);
        Assert.Equal("""{"model_type":"tiny"}""", File.ReadAllText(Path.Combine(output, "config.json")));
        using var checkpoint = ShardedCheckpoint.Open(output);
        AssertSameValues(Sample(), checkpoint.ReadStateDict());

        // Back into one file in the same folder: the old shards and index go.
        await _cli.RunOkAsync("ckpt", "convert", output, output);
        Assert.Equal(["config.json", ShardedCheckpoint.SingleFileName], Directory.EnumerateFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var single = ShardedCheckpoint.Open(output);
        AssertSameValues(Sample(), single.ReadStateDict());
    }

    [Fact]
    public async Task Convert_casts_floating_point_tensors_to_bf16()
    {
        var output = Path.Combine(_cli.Folder, "bf16");

        await _cli.RunOkAsync("ckpt", "convert", Pickle, output, "--dtype", "bf16");

        var original = PyTorchPickle.Load(Pickle);
        var expected = original.ToDictionary(p => p.Key, p => p.Value.is_floating_point() ? p.Value.to_type(torch.ScalarType.BFloat16) : p.Value);
        using var checkpoint = ShardedCheckpoint.Open(output);
        AssertSameValues(expected, checkpoint.ReadStateDict());
        Assert.Equal(torch.ScalarType.Int64, checkpoint.GetEntry("steps").Dtype);

        var report = Json(await _cli.RunOkAsync("ckpt", "inspect", output, "--json"));
        Assert.Equal(5, report.GetProperty("dtypes").GetProperty("BF16").GetInt32());
    }

    private static string ShardedPickleFolder => Path.Combine(AppContext.BaseDirectory, "fixtures", "sharded_pickle");

    private static void AssertSameFiles(string expectedFolder, string actualFolder)
    {
        var expected = Directory.GetFiles(expectedFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Directory.GetFiles(actualFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in expected)
            Assert.True(File.ReadAllBytes(Path.Combine(expectedFolder, name!)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualFolder, name!))), name);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bf16")]
    public async Task Streaming_convert_writes_the_bytes_and_shards_of_the_in_memory_save_and_keeps_the_metadata(string? dtype)
    {
        var input = Path.Combine(_cli.Folder, "in-meta");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "tiny", ["license"] = "mit" };
        ShardedCheckpoint.Save(input, Sample(scale: 8), maxShardBytes: 300, metadata);
        Assert.True(Directory.GetFiles(input, "model-*.safetensors").Length > 1);
        var output = Path.Combine(_cli.Folder, "out-meta");

        var result = await _cli.RunOkAsync(["ckpt", "convert", input, output, "--max-shard-size", "250", .. dtype is null ? Array.Empty<string>() : ["--dtype", dtype]]);

        // What the in-memory path wrote: the whole state dict read, cast, then saved with the source metadata.
        var expected = Path.Combine(_cli.Folder, "expected-meta");
        using (var source = ShardedCheckpoint.Open(input))
        {
            var state = source.ReadStateDict();
            if (dtype is not null)
                state = state.ToDictionary(p => p.Key, p => p.Value.is_floating_point() ? p.Value.to_type(torch.ScalarType.BFloat16) : p.Value, StringComparer.Ordinal);
            ShardedCheckpoint.Save(expected, state, 250, metadata);
        }
        AssertSameFiles(expected, output);
        Assert.True(Directory.GetFiles(output, "model-*.safetensors").Length > 1);
        using var shard = SafetensorsFile.Open(Directory.GetFiles(output, "model-*.safetensors")[0]);
        Assert.Equal("tiny", shard.Metadata["note"]);
        Assert.Equal("mit", shard.Metadata["license"]);
        Assert.Equal("pt", shard.Metadata["format"]);
        if (dtype is not null) Assert.Contains("Cast 2 floating-point tensors to BF16", result.Err);
    }

    [Fact]
    public async Task Convert_to_one_file_keeps_the_source_metadata_and_adds_the_format()
    {
        var input = Path.Combine(_cli.Folder, "meta-in.safetensors");
        SafetensorsWriter.Write(input, Sample(), new Dictionary<string, string> { ["note"] = "kept" });
        var output = Path.Combine(_cli.Folder, "meta-out.safetensors");

        await _cli.RunOkAsync("ckpt", "convert", input, output, "--dtype", "f32");

        using var file = SafetensorsFile.Open(output);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "kept" }, file.Metadata);
        Assert.All(file.Entries.Where(e => e.Name != "steps"), e => Assert.Equal(torch.ScalarType.Float32, e.Dtype));
        var expected = Sample().ToDictionary(p => p.Key, p => p.Value.is_floating_point() ? p.Value.to_type(torch.ScalarType.Float32) : p.Value);
        AssertSameValues(expected, file.ReadStateDict());
    }

    [Fact]
    public async Task Inspect_reads_a_sharded_pickle_by_folder_and_by_index()
    {
        foreach (var target in new[] { ShardedPickleFolder, Path.Combine(ShardedPickleFolder, ShardedPyTorchPickle.IndexFileName) })
        {
            var report = Json(await _cli.RunOkAsync("ckpt", "inspect", target, "--json"));

            Assert.Equal("pytorch-pickle", report.GetProperty("format").GetString());
            Assert.Equal(38, report.GetProperty("parameters").GetInt64());
            Assert.Equal(160, report.GetProperty("index_total_size").GetInt64());
            Assert.Equal(3, report.GetProperty("files").GetArrayLength());
            var tensors = Tensors(report);
            Assert.Equal(["embed.weight", "norm.bias", "norm.weight", "proj.bias", "proj.weight", "steps"], tensors.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("F32 [3, 4]", tensors["proj.weight"]);
            var steps = report.GetProperty("tensors").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "steps");
            Assert.Equal("pytorch_model-00003-of-00003.bin", steps.GetProperty("file").GetString());
        }
    }

    [Fact]
    public async Task Convert_of_a_sharded_pickle_keeps_every_value()
    {
        var output = Path.Combine(_cli.Folder, "from-sharded-pickle");
        var input = Path.Combine(_cli.Folder, "sharded-pickle");
        Directory.CreateDirectory(input);
        foreach (var part in Directory.GetFiles(ShardedPickleFolder)) File.Copy(part, Path.Combine(input, Path.GetFileName(part)));
        File.WriteAllText(Path.Combine(input, "config.json"), """{"model_type":"tiny"}""");

        var result = await _cli.RunOkAsync("ckpt", "convert", input, output, "--max-shard-size", "100");

        Assert.Contains(": 6 tensors, 38 parameters", result.Err);
        Assert.Equal("""{"model_type":"tiny"}""", File.ReadAllText(Path.Combine(output, "config.json")));
        using var checkpoint = ShardedCheckpoint.Open(output);
        Assert.Equal(160, checkpoint.TotalSize);
        AssertSameValues(PyTorchPickle.Load(Pickle), checkpoint.ReadStateDict());

        // By its index file, into one safetensors file.
        var single = Path.Combine(_cli.Folder, "from-index.safetensors");
        await _cli.RunOkAsync("ckpt", "convert", Path.Combine(input, ShardedPyTorchPickle.IndexFileName), single);
        using var file = SafetensorsFile.Open(single);
        AssertSameValues(PyTorchPickle.Load(Pickle), file.ReadStateDict());

        // A shard gone: a clear error naming it, and no OUT.
        File.Delete(Path.Combine(input, "pytorch_model-00002-of-00003.bin"));
        var failed = await _cli.RunAsync("ckpt", "convert", input, Path.Combine(_cli.Folder, "never"));
        CliSession.AssertCleanFailure(failed, 1);
        Assert.Contains("pytorch_model-00002-of-00003.bin", failed.Err);
        Assert.False(Directory.Exists(Path.Combine(_cli.Folder, "never")));
    }
}
