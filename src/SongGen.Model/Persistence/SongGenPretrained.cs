using SongGen.Checkpoints;
using SongGen.Checkpoints.Binding;
using SongGen.Checkpoints.Safetensors;
using SongGen.Hub;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using static TorchSharp.torch;

namespace SongGen.Model.Persistence;

/// <summary>
/// <c>save_pretrained</c> and <c>from_pretrained</c> for SongGen model folders: <c>config.json</c>,
/// <c>generation_config.json</c>, safetensors weights named exactly as the reference's <c>state_dict</c> (one
/// <c>model.safetensors</c>, or shards with <c>model.safetensors.index.json</c>, <c>__metadata__ {"format": "pt"}</c>),
/// and optionally the tokenizer files. Released folders also hold MERT (<c>mert_model.*</c>) and the X-Codec
/// (<c>audio_encoder.*</c>): those belong to the audio part and are reported, not loaded.
/// </summary>
public static class SongGenPretrained
{
    /// <summary>Checkpoint prefixes of the audio part: MERT and the X-Codec.</summary>
    public static IReadOnlyList<string> AudioPartPrefixes => SongGenModelShapes.ExternalPrefixes;

    /// <summary>Files a tokenizer or processor folder may hold that are copied on save (those present).</summary>
    public static IReadOnlyList<string> TokenizerFileNames { get; } =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "spiece.model", "added_tokens.json",
        "preprocessor_config.json",
    ];

    /// <summary>What a model folder needs from a Hub snapshot (configs, weights, tokenizer files).</summary>
    public static IReadOnlyList<string> SnapshotPatterns { get; } = ["*.json", "*.safetensors", "*.model"];

    /// <summary>The audio part's prefix of a key (<c>mert_model.</c>, <c>audio_encoder.</c>), or null.</summary>
    public static string? AudioPartPrefixOf(string key) =>
        AudioPartPrefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.Ordinal));

    // ------------------------------------------------------------------ save

    /// <summary>
    /// Writes <paramref name="model"/> into <paramref name="folder"/>. Everything is written into a staging folder beside
    /// it first and moved into place only when complete, so a failure leaves the folder as it was. Into an existing
    /// folder, the new files replace the old ones and weight files of an earlier save that the new one does not use
    /// are removed; other files stay. <c>torch_dtype</c> in <c>config.json</c> is set to the weights' dtype.
    /// Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Save(SongGenPretrainedModel model, string folder, SongGenSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SongGenSaveOptions();
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (File.Exists(target)) throw new IOException($"{folder}: is a file, not a folder");
        var tokenizerFiles = TokenizerFilesIn(options.TokenizerSource);
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            Directory.CreateDirectory(staging);
            var written = ShardedCheckpoint.Save(staging, model.CheckpointStateDict(), options.MaxShardBytes)
                .Select(p => Path.GetFileName(p)!).ToList();
            var config = model.Config.Clone();
            config.TorchDtype = DtypeName(model.Dtype);
            config.SaveToDirectory(staging);
            model.GenerationConfig.SaveToDirectory(staging);
            written.Add(SongGenConfig.FileName);
            written.Add(GenerationConfig.FileName);
            foreach (var source in tokenizerFiles)
            {
                var name = Path.GetFileName(source);
                File.Copy(source, Path.Combine(staging, name), overwrite: true);
                written.Add(name);
            }
            Publish(staging, target, written);
            return written.Select(n => Path.Combine(target, n)).ToList();
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                try
                {
                    Directory.Delete(staging, recursive: true);
                }
                catch (IOException)
                {
                    // Leftover staging files are named .<folder>.<guid>.partial; never mask the original error.
                }
            }
        }
    }

    private static List<string> TokenizerFilesIn(string? source)
    {
        if (source is null) return [];
        if (!Directory.Exists(source)) throw new DirectoryNotFoundException($"{source}: the tokenizer folder does not exist");
        var files = TokenizerFileNames.Select(n => Path.Combine(source, n)).Where(File.Exists).ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"{source}: no tokenizer files there (expected one of {string.Join(", ", TokenizerFileNames)})");
        return files;
    }

    private static void Publish(string staging, string target, List<string> written)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        // Weights first, then the index and configs that name them.
        foreach (var name in written.OrderBy(n => n.EndsWith(".json", StringComparison.Ordinal) ? 1 : 0))
            File.Move(Path.Combine(staging, name), Path.Combine(target, name), overwrite: true);
        foreach (var file in Directory.EnumerateFiles(target))
        {
            var name = Path.GetFileName(file);
            if (!written.Contains(name) && ShardedCheckpoint.IsWeightFileName(name))
                File.Delete(file);
        }
    }

    /// <summary>transformers' name of a dtype (<c>torch_dtype</c>).</summary>
    public static string DtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float64 => "float64",
        _ => throw new NotSupportedException($"weights of type {dtype} are not supported"),
    };

    // ------------------------------------------------------------------ load

    /// <summary>
    /// Loads a model folder: <c>config.json</c> decides the module (track pattern, sizes), the weights are copied by
    /// name (strict by default; <c>text_encoder.encoder.embed_tokens.weight</c> comes from <c>text_encoder.shared.weight</c>),
    /// and the audio part's keys are listed in the report, not loaded. <c>generation_config.json</c> is read when
    /// present, otherwise derived from <c>config.json</c> as transformers does. The model is in evaluation mode.
    /// </summary>
    /// <exception cref="SongGenConfigException">A config file is missing or malformed (the message names the file).</exception>
    /// <exception cref="SongGenLoadException">Strict, and the weights do not fit the config.</exception>
    /// <exception cref="CheckpointFormatException">A weight file or the index is malformed.</exception>
    public static (SongGenPretrainedModel Model, SongGenLoadReport Report) Load(string folder, SongGenLoadOptions? options = null)
    {
        options ??= new SongGenLoadOptions();
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(File.Exists(folder) ? $"{folder}: is a file, not a model folder" : $"{folder}: no such model folder");
        if (!IsFloating(options.Dtype)) throw new ArgumentException($"weights cannot be {options.Dtype}: use float32 or bfloat16", nameof(options));
        var config = SongGenConfig.LoadFromDirectory(folder);
        var generationPath = Path.Combine(folder, GenerationConfig.FileName);
        var generationFound = File.Exists(generationPath);
        var generation = generationFound ? GenerationConfig.Load(generationPath) : FromModelConfig(config);

        using var checkpoint = ShardedCheckpoint.Open(folder);
        var audio = checkpoint.Names.Where(n => AudioPartPrefixOf(n) is not null).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var model = new SongGenPretrainedModel(config, generation);
        try
        {
            var composite = LoadPart(model.Model, checkpoint, n => AudioPartPrefixOf(n) is null && !n.StartsWith(SongGenPretrainedModel.TextEncoderPrefix, StringComparison.Ordinal), "");
            var text = LoadPart(model.TextEncoder, checkpoint, n => n.StartsWith(SongGenPretrainedModel.TextEncoderPrefix, StringComparison.Ordinal), SongGenPretrainedModel.TextEncoderPrefix);
            var weights = Merge(composite, text);
            if (options.Strict && !weights.IsExact) throw new SongGenLoadException(folder, weights);
            model.To(options.Device?.Device ?? CPU, options.Dtype == ScalarType.Float32 ? null : options.Dtype);
            model.Eval();
            return (model, new SongGenLoadReport(folder, weights, audio, generationFound));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Load"/> for a local folder or a Hub repo id (<c>org/name</c>): a repo is downloaded through
    /// <paramref name="hub"/> into its cache (configs, safetensors and tokenizer files; the cached snapshot is used
    /// when the Hub cannot be reached or offline mode is on) and loaded from the snapshot folder.
    /// </summary>
    public static async Task<(SongGenPretrainedModel Model, SongGenLoadReport Report)> LoadAsync(
        string folderOrRepoId, SongGenLoadOptions? options = null, HubClient? hub = null, string? revision = null,
        IProgress<DownloadEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        var folder = await ResolveFolderAsync(folderOrRepoId, SnapshotPatterns, hub, revision, progress, cancellationToken).ConfigureAwait(false);
        return Load(folder, options);
    }

    /// <summary>
    /// A local folder as it is, or the snapshot folder of a Hub repo id after downloading the files matching
    /// <paramref name="include"/> into the cache.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">A path that does not exist (and cannot be a repo id).</exception>
    public static async Task<string> ResolveFolderAsync(
        string folderOrRepoId, IReadOnlyList<string> include, HubClient? hub, string? revision = null,
        IProgress<DownloadEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folderOrRepoId);
        if (Directory.Exists(folderOrRepoId)) return folderOrRepoId;
        if (File.Exists(folderOrRepoId)) throw new IOException($"{folderOrRepoId}: is a file, not a model folder");
        var repo = AsRepoId(folderOrRepoId)
            ?? throw new DirectoryNotFoundException($"{folderOrRepoId}: no such folder (and not a Hub repo id)");
        if (hub is null) throw new InvalidOperationException($"{folderOrRepoId}: not a local folder, and no Hub client was given to download it");
        var result = await new HubDownloader(hub)
            .SnapshotDownloadAsync(new SnapshotRequest(repo) { Revision = revision, Include = include }, progress, cancellationToken)
            .ConfigureAwait(false);
        return result.Folder;
    }

    /// <summary>The repo id a string names, or null when it reads as a local path (<c>./x</c>, <c>/x</c>, <c>a/b/c</c>, …).</summary>
    internal static RepoId? AsRepoId(string text)
    {
        if (text.StartsWith('.') || text.StartsWith('/') || text.StartsWith('~') || text.Contains('\\') || text.Count(c => c == '/') > 1) return null;
        try
        {
            return RepoId.Parse(text);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>transformers' <c>GenerationConfig.from_model_config</c>: the decoder's special ids, the rest default.</summary>
    public static GenerationConfig FromModelConfig(SongGenConfig config) => new()
    {
        BosTokenId = config.Decoder.BosTokenId,
        PadTokenId = config.Decoder.PadTokenId ?? config.PadTokenId,
        EosTokenId = config.Decoder.EosTokenId,
        DecoderStartTokenId = config.DecoderStartTokenId,
    };

    private static bool IsFloating(ScalarType type) =>
        type is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64;

    /// <summary>
    /// Loads the checkpoint keys <paramref name="belongs"/> selects (prefix removed), not strictly. The weights are
    /// mapped, not copied (as <see cref="CheckpointFolder"/> does): they are read once, into the module's parameters.
    /// </summary>
    private static LoadReport LoadPart(nn.Module module, ShardedCheckpoint checkpoint, Func<string, bool> belongs, string prefix)
    {
        var names = checkpoint.Names.Where(belongs).ToList();
        var tensors = checkpoint.MapStateDict(names);
        try
        {
            var stateDict = tensors.ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
            var report = StateDictLoader.Load(module, stateDict, strict: false);
            return prefix.Length == 0 ? report : Prefixed(report, prefix);
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    private static LoadReport Prefixed(LoadReport r, string prefix) => new(
        r.Loaded.ToDictionary(p => prefix + p.Key, p => prefix + p.Value, StringComparer.Ordinal),
        r.Missing.Select(k => prefix + k).ToList(),
        r.Unexpected.Select(k => prefix + k).ToList(),
        r.ShapeMismatched.Select(m => m with { Key = prefix + m.Key }).ToList());

    private static LoadReport Merge(LoadReport a, LoadReport b) => new(
        a.Loaded.Concat(b.Loaded).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        [.. a.Missing, .. b.Missing],
        [.. a.Unexpected, .. b.Unexpected],
        [.. a.ShapeMismatched, .. b.ShapeMismatched]);
}
