using SongGen.Model.Codes;
using SongGen.Model.Config;
using SongGen.Model.Lyrics;

namespace SongGen.Model.Composite;

/// <summary>
/// Sizes of <see cref="SongGenMixedForConditionalGeneration"/>. The released <c>__init__</c> hard-codes the Conformer
/// output and the MERT width (1024); they are options here so tiny models can be built.
/// </summary>
public sealed record SongGenMixedOptions
{
    /// <summary>The decoder (<c>decoder.*</c>, a <c>SongGenForCausalLM</c>).</summary>
    public SongGenDecoderConfig Decoder { get; init; } = new();

    /// <summary>Width of the text encoder's hidden states (flan-T5-large: 1024); input width of <c>enc_to_dec_proj</c>.</summary>
    public long TextHiddenSize { get; init; } = 1024;

    /// <summary>Rows of <c>embed_prompts</c> (the composite config's <c>vocab_size</c>, 7000).</summary>
    public long PromptVocabSize { get; init; } = 7000;

    /// <summary>The lyrics Conformer; its input size must equal the decoder width (the <c>embed_prompts</c> width).</summary>
    public ConformerEncoderOptions LyricsEncoder { get; init; } = new();

    /// <summary>Hidden states MERT returns (25 for MERT-v1-330M): the channels of <c>mert_layer_agg</c>.</summary>
    public long MertLayers { get; init; } = 25;

    /// <summary>MERT width (1024): input width of <c>audio_mert_to_dec_proj</c>.</summary>
    public long MertHiddenSize { get; init; } = 1024;

    /// <summary>PAD id used by <c>shift_tokens_right</c> (composite <c>pad_token_id</c>); null: the decoder's, else 1024.</summary>
    public long? PadTokenId { get; init; }

    /// <summary>Decoder start id used by <c>shift_tokens_right</c> (<c>decoder_start_token_id</c>); null: the decoder's BOS, else 1025.</summary>
    public long? DecoderStartTokenId { get; init; }

    /// <summary>
    /// Whether generation-time conditioning applies <c>enc_to_dec_proj</c> to the description states. Null (default)
    /// follows the official <c>generate</c>: only when the text width differs from the decoder width (never for the
    /// released flan-T5-large models, although training always applies it; spec §1.1). True applies it as training does;
    /// false never applies it.
    /// </summary>
    public bool? ApplyEncToDecProjAtGeneration { get; init; }

    public long EffectivePadTokenId => PadTokenId ?? Decoder.PadTokenId ?? SpecialTokens.Pad;

    public long EffectiveDecoderStartTokenId => DecoderStartTokenId ?? Decoder.BosTokenId ?? SpecialTokens.DecoderStart;

    /// <summary>The sizes of a composite <c>config.json</c> (the Conformer's from its optional <c>lyrics_encoder</c> key).</summary>
    public static SongGenMixedOptions FromConfig(SongGenConfig config) => new()
    {
        Decoder = config.Decoder,
        TextHiddenSize = config.TextEncoder.DModel,
        PromptVocabSize = config.VocabSize,
        LyricsEncoder = config.LyricsEncoder is { } lyrics
            ? new ConformerEncoderOptions
            {
                InputSize = config.Decoder.HiddenSize,
                OutputSize = lyrics.OutputSize,
                AttentionHeads = lyrics.AttentionHeads,
                LinearUnits = lyrics.LinearUnits,
                NumBlocks = lyrics.NumBlocks,
            }
            : new ConformerEncoderOptions { InputSize = config.Decoder.HiddenSize },
        PadTokenId = config.PadTokenId,
        DecoderStartTokenId = config.DecoderStartTokenId,
    };
}
