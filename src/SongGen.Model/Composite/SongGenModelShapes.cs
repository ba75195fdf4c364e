using SongGen.Model.Config;
using SongGen.Model.TextEncoder;
using static TorchSharp.torch;

namespace SongGen.Model.Composite;

/// <summary>
/// The parameter names and shapes of a whole SongGen checkpoint as the module tree defines them, built on the
/// <c>meta</c> device so that no weights are allocated: the composite (<c>decoder.*</c>, <c>enc_to_dec_proj</c>,
/// <c>embed_prompts</c>, <c>lyrics_encoder.*</c>, <c>lyrics_to_dec_proj</c>, <c>mert_layer_agg</c>,
/// <c>audio_mert_to_dec_proj</c>) followed by the text encoder (<c>text_encoder.*</c>, without the tied
/// <c>encoder.embed_tokens.weight</c>, which checkpoints drop). MERT (<c>mert_model.*</c>) and the X-Codec
/// (<c>audio_encoder.*</c>) are pretrained networks loaded elsewhere and are not listed.
/// </summary>
public static class SongGenModelShapes
{
    /// <summary>The prefix of the text encoder's parameters in a checkpoint.</summary>
    public const string TextEncoderPrefix = "text_encoder.";

    /// <summary>The prefixes of the networks that <see cref="Describe"/> does not list.</summary>
    public static IReadOnlyList<string> ExternalPrefixes { get; } = ["mert_model.", "audio_encoder."];

    /// <summary>Every parameter name and shape, in module order (the order of the released state-dict tables).</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Describe(SongGenConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var meta = device("meta");
        var list = new List<(string, long[])>();
        using (var composite = new SongGenMixedForConditionalGeneration(SongGenMixedOptions.FromConfig(config), meta))
            foreach (var (name, tensor) in composite.state_dict())
                list.Add((name, tensor.shape));
        using (var text = new T5EncoderModel(config.TextEncoder, meta))
            foreach (var (name, tensor) in text.CheckpointStateDict())
                list.Add((TextEncoderPrefix + name, tensor.shape));
        return list;
    }

    /// <summary>The total number of elements of <paramref name="shapes"/>.</summary>
    public static long Count(IEnumerable<(string Name, long[] Shape)> shapes) =>
        shapes.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>A shape as the state-dict tables write it: <c>[1088, 1024]</c>.</summary>
    public static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
