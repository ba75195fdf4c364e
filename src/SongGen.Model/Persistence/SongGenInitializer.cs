using SongGen.Checkpoints;
using SongGen.Checkpoints.Binding;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Hub;
using SongGen.Model.Config;
using SongGen.Model.TextEncoder;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Persistence;

/// <summary>What <see cref="SongGenInitializer.Create"/> builds.</summary>
public sealed record SongGenInitOptions
{
    /// <summary>The decoder's track pattern (<c>decoder.track_pattern</c>); <c>add_vocal_loss</c> follows it (mixed_pro only).</summary>
    public TrackPattern TrackPattern { get; init; } = TrackPattern.MixedPro;

    /// <summary>False (default): the released decoder and Conformer sizes. True: the tiny test sizes of
    /// <see cref="SongGenPresets.Tiny"/> (32-wide, 2 layers) with <c>max_length</c> 40.</summary>
    public bool Tiny { get; init; }

    /// <summary>Seeds the generator every random weight is drawn from, so equal seeds give equal models. Default 0.</summary>
    public long Seed { get; init; }
}

/// <summary>
/// The reference's <c>helpers/model_init_scripts/init_model_mixed.py</c>: an untrained SongGen (decoder, lyrics path,
/// projections: every Linear, Conv1d and Embedding weight drawn from normal(0, <c>initializer_factor</c> = 0.02),
/// biases zero) whose text encoder holds a pretrained T5's encoder weights, with the init script's generation
/// defaults (BOS 1025, PAD = EOS 1024, <c>max_length</c> 1500, sampling).
/// </summary>
public static class SongGenInitializer
{
    /// <summary>What the text model's folder needs from a Hub snapshot when it has safetensors weights.</summary>
    public static IReadOnlyList<string> TextModelSafetensorsPatterns { get; } = ["*.json", "*.safetensors", "spiece.model"];

    /// <summary>The same for a text model with only a pickled <c>pytorch_model.bin</c>.</summary>
    public static IReadOnlyList<string> TextModelPicklePatterns { get; } = ["*.json", "pytorch_model.bin", "spiece.model"];

    public const string PickleFileName = "pytorch_model.bin";

    /// <summary>
    /// Builds the untrained model around the T5 in <paramref name="textModelFolder"/> (its <c>config.json</c> and its
    /// weights: <c>model.safetensors</c>, shards with an index, or <c>pytorch_model.bin</c>; the decoder half and
    /// <c>lm_head</c> of a <c>T5ForConditionalGeneration</c> are ignored, as <c>T5EncoderModel</c> does).
    /// <paramref name="textModelName"/> becomes the text encoder's <c>_name_or_path</c> (default: the folder).
    /// </summary>
    public static SongGenPretrainedModel Create(string textModelFolder, SongGenInitOptions? options = null, string? textModelName = null)
    {
        options ??= new SongGenInitOptions();
        var textConfig = TextEncoderConfig.Load(Path.Combine(textModelFolder, "config.json"));
        textConfig.NameOrPath = textModelName ?? textModelFolder;
        var config = options.Tiny ? SongGenPresets.Tiny(options.TrackPattern) : SongGenPresets.Released(options.TrackPattern);
        config.TextEncoder = textConfig;
        var generation = options.Tiny ? SongGenPresets.TinyGeneration(options.TrackPattern) : SongGenPresets.Generation(options.TrackPattern);

        var model = new SongGenPretrainedModel(config, generation);
        try
        {
            using var generator = new Generator((ulong)options.Seed, CPU);
            InitializeWeights(model.Model, config.Decoder.InitializerFactor, generator);
            LoadTextEncoder(model.TextEncoder, textModelFolder);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Downloads the text model through <paramref name="hub"/> when <paramref name="textModel"/> is a repo id (its
    /// safetensors when it has them, else <c>pytorch_model.bin</c>), then <see cref="Create"/>. Returns the model and
    /// the text model's local folder (to copy its tokenizer files from).
    /// </summary>
    public static async Task<(SongGenPretrainedModel Model, string TextModelFolder)> CreateAsync(
        string textModel, SongGenInitOptions? options = null, HubClient? hub = null, string? revision = null,
        IProgress<DownloadEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        var folder = textModel;
        if (!Directory.Exists(textModel) && SongGenPretrained.AsRepoId(textModel) is { } repo && hub is not null)
        {
            var plan = await new HubDownloader(hub)
                .PlanSnapshotAsync(new SnapshotRequest(repo) { Revision = revision, Include = ["*.safetensors"] }, cancellationToken)
                .ConfigureAwait(false);
            var patterns = plan.Files.Count > 0 ? TextModelSafetensorsPatterns : TextModelPicklePatterns;
            folder = await SongGenPretrained.ResolveFolderAsync(textModel, patterns, hub, revision, progress, cancellationToken).ConfigureAwait(false);
        }
        else folder = await SongGenPretrained.ResolveFolderAsync(textModel, TextModelSafetensorsPatterns, hub, revision, progress, cancellationToken).ConfigureAwait(false);
        return (Create(folder, options, textModel), folder);
    }

    /// <summary>
    /// The reference's <c>_init_weights</c>: normal(0, <paramref name="std"/>) for the weight of every Linear, Conv1d
    /// and Embedding under <paramref name="module"/>, zero biases. The Conformer's <c>pos_bias_u/v</c>, which the
    /// reference draws with <c>xavier_uniform_</c> in their constructor, are drawn again that way, so that every random
    /// value comes from <paramref name="generator"/> (CPU tensors) and nothing depends on torch's global generator.
    /// Layer norms and the sinusoidal table keep their construction values.
    /// </summary>
    public static void InitializeWeights(nn.Module module, double std, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var m in module.modules())
        {
            switch (m)
            {
                case Linear linear:
                    Normal(linear.weight!, std, generator);
                    linear.bias?.zero_();
                    break;
                case Conv1d conv:
                    Normal(conv.weight!, std, generator);
                    conv.bias?.zero_();
                    break;
                case Embedding embedding:
                    Normal(embedding.weight!, std, generator);
                    break;
            }
        }
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (!name.EndsWith(".pos_bias_u", StringComparison.Ordinal) && !name.EndsWith(".pos_bias_v", StringComparison.Ordinal)) continue;
            // xavier_uniform_ of a (heads, d_k) matrix: fan_in = d_k, fan_out = heads.
            var bound = Math.Sqrt(6.0 / (parameter.shape[0] + parameter.shape[1]));
            using var drawn = empty(parameter.shape).uniform_(-bound, bound, generator);
            parameter.copy_(drawn);
        }
    }

    /// <summary>Draws on the CPU (where the generator lives) and copies to the parameter's device.</summary>
    private static void Normal(Tensor parameter, double std, Generator generator)
    {
        using var drawn = empty(parameter.shape).normal_(0, std, generator);
        parameter.copy_(drawn);
    }

    /// <summary>Copies a T5 checkpoint's encoder weights (<c>shared.weight</c>, <c>encoder.*</c>) into <paramref name="encoder"/>, strictly.</summary>
    public static LoadReport LoadTextEncoder(T5EncoderModel encoder, string textModelFolder)
    {
        var tensors = ReadEncoderTensors(textModelFolder);
        try
        {
            var report = StateDictLoader.Load(encoder, tensors, strict: false);
            if (!report.IsExact) throw new SongGenLoadException(textModelFolder, report);
            return report;
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    private static bool IsEncoderKey(string name) => name == "shared.weight" || name.StartsWith("encoder.", StringComparison.Ordinal);

    private static Dictionary<string, Tensor> ReadEncoderTensors(string folder)
    {
        if (File.Exists(Path.Combine(folder, ShardedCheckpoint.IndexFileName)) || File.Exists(Path.Combine(folder, ShardedCheckpoint.SingleFileName)))
        {
            using var checkpoint = ShardedCheckpoint.Open(folder);
            // Mapped, not copied: the tensors are read once, into the encoder's parameters.
            return checkpoint.MapStateDict(checkpoint.Names.Where(IsEncoderKey).ToList());
        }
        var pickle = Path.Combine(folder, PickleFileName);
        if (!File.Exists(pickle))
            throw new FileNotFoundException($"{folder}: no T5 weights there ({ShardedCheckpoint.SingleFileName}, {ShardedCheckpoint.IndexFileName} or {PickleFileName})");
        var all = PyTorchPickle.Load(pickle);
        foreach (var (name, tensor) in all.Where(p => !IsEncoderKey(p.Key)).ToList())
        {
            tensor.Dispose();
            all.Remove(name);
        }
        return all;
    }
}
