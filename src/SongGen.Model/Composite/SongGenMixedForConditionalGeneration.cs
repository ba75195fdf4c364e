using SongGen.Model.Codes;
using SongGen.Model.Decoder;
using SongGen.Model.Lyrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Composite;

/// <summary>The decoder's cross-attention memory and its mask (1 = attend).</summary>
/// <param name="HiddenStates">(B, M, H).</param>
/// <param name="AttentionMask">(B, M) int64.</param>
public sealed record SongGenConditioning(Tensor HiddenStates, Tensor AttentionMask) : IDisposable
{
    public void Dispose()
    {
        HiddenStates.Dispose();
        AttentionMask.Dispose();
    }
}

/// <summary>Output of <see cref="SongGenMixedForConditionalGeneration.Forward"/>.</summary>
/// <param name="Decoder">The decoder's logits and losses (<c>loss</c>, <c>codebook_losses</c>, <c>vocal_loss</c>, …).</param>
/// <param name="EncoderHiddenStates">(B, Tm+Td+Tl, H) the memory <c>[voice ; enc_to_dec_proj(text)·mask ; lyrics]</c>.</param>
/// <param name="EncoderAttentionMask">(B, Tm+Td+Tl) int64, as passed to the decoder.</param>
/// <param name="DecoderInputIds">(B, K′, S) <c>shift_tokens_right(labels).transpose(1,2)</c> (or the given ids).</param>
/// <param name="PromptHiddenStates">(B, Tl, H) <c>encode_lyrics</c> output; null without lyrics.</param>
public sealed record SongGenMixedOutput(
    SongGenCausalLMOutput Decoder,
    Tensor EncoderHiddenStates,
    Tensor EncoderAttentionMask,
    Tensor DecoderInputIds,
    Tensor? PromptHiddenStates) : IDisposable
{
    public Tensor Logits => Decoder.Logits;
    public Tensor? Loss => Decoder.Loss;

    public void Dispose()
    {
        Decoder.Dispose();
        EncoderHiddenStates.Dispose();
        EncoderAttentionMask.Dispose();
        DecoderInputIds.Dispose();
        PromptHiddenStates?.Dispose();
    }
}

/// <summary>
/// <c>SongGenMixedForConditionalGeneration</c> without its frozen pretrained networks: the text encoder (flan-T5) and
/// MERT are run elsewhere and their hidden states are inputs. Holds, under the checkpoint names, <c>decoder</c>,
/// <c>enc_to_dec_proj</c>, <c>embed_prompts</c>, <c>lyrics_encoder</c>, <c>lyrics_to_dec_proj</c>, <c>mert_layer_agg</c>
/// and <c>audio_mert_to_dec_proj</c>.
/// The cross-attention memory is <c>[voice ; description ; lyrics]</c>: the voice frames (aggregated MERT layers,
/// projected; masked out entirely for an all-zero reference waveform), the description states multiplied by their mask
/// (projected by <c>enc_to_dec_proj</c> in training, not at generation — see <see cref="SongGenMixedOptions.ApplyEncToDecProjAtGeneration"/>),
/// and the Conformer-encoded lyrics.
/// </summary>
public sealed class SongGenMixedForConditionalGeneration : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly SongGenForCausalLM decoder;
    private readonly Linear enc_to_dec_proj;
    private readonly Embedding embed_prompts;
    private readonly ConformerEncoder lyrics_encoder;
    private readonly Linear lyrics_to_dec_proj;
    private readonly Conv1d mert_layer_agg;
    private readonly Linear audio_mert_to_dec_proj;
#pragma warning restore IDE1006

    public SongGenMixedForConditionalGeneration(SongGenMixedOptions options, Device? device = null) : base(nameof(SongGenMixedForConditionalGeneration))
    {
        Options = options;
        long h = options.Decoder.HiddenSize;
        if (options.LyricsEncoder.InputSize != h)
            throw new ArgumentException($"lyrics encoder input size {options.LyricsEncoder.InputSize} must equal the decoder width {h} (embed_prompts width)", nameof(options));
        decoder = new SongGenForCausalLM(options.Decoder, device);
        enc_to_dec_proj = nn.Linear(options.TextHiddenSize, h, device: device);
        embed_prompts = nn.Embedding(options.PromptVocabSize, h, device: device);
        lyrics_encoder = new ConformerEncoder(options.LyricsEncoder, device);
        lyrics_to_dec_proj = nn.Linear(options.LyricsEncoder.OutputSize, h, device: device);
        mert_layer_agg = nn.Conv1d(options.MertLayers, 1, 1, device: device);
        audio_mert_to_dec_proj = nn.Linear(options.MertHiddenSize, h, device: device);
        RegisterComponents();
    }

    public SongGenMixedOptions Options { get; }

    public SongGenForCausalLM Decoder => decoder;

    public ConformerEncoder LyricsEncoder => lyrics_encoder;

    /// <summary>Whether <see cref="PrepareGenerationConditioning"/> applies <c>enc_to_dec_proj</c>.</summary>
    public bool ProjectsTextAtGeneration => Options.ApplyEncToDecProjAtGeneration ?? Options.TextHiddenSize != Options.Decoder.HiddenSize;

    /// <summary><c>encode_lyrics</c>: <c>lyrics_to_dec_proj(Conformer(embed_prompts(ids), mask))</c>, (B, Tl, H). Padded rows are not zeroed.</summary>
    public Tensor EncodeLyrics(Tensor promptInputIds, Tensor promptAttentionMask)
    {
        using var scope = NewDisposeScope();
        var embeds = embed_prompts.forward(promptInputIds);
        var encoded = lyrics_encoder.forward(embeds, promptAttentionMask);
        return lyrics_to_dec_proj.forward(encoded).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The reference-voice memory: MERT's hidden states <paramref name="mertHiddenStates"/> (L, B, T, Hm) (the stacked
    /// tuple) → <c>mert_layer_agg</c> over the L layers → <c>audio_mert_to_dec_proj</c>, (B, T, H); and its mask (B, T)
    /// int64: ones, zero for items whose <paramref name="refVoiceValues"/> row is all zeros.
    /// </summary>
    public SongGenConditioning EncodeVoice(Tensor mertHiddenStates, Tensor refVoiceValues)
    {
        if (mertHiddenStates.dim() != 4 || mertHiddenStates.shape[0] != Options.MertLayers)
            throw new ArgumentException($"MERT hidden states must be ({Options.MertLayers}, B, T, H), got ({string.Join(", ", mertHiddenStates.shape)})", nameof(mertHiddenStates));
        using var scope = NewDisposeScope();
        long l = mertHiddenStates.shape[0], b = mertHiddenStates.shape[1], t = mertHiddenStates.shape[2], hm = mertHiddenStates.shape[3];
        var layers = mertHiddenStates.permute(1, 2, 0, 3).reshape(b * t, l, hm);   // (B·T, L, Hm): layers are channels
        var agg = mert_layer_agg.forward(layers).reshape(b, t, hm);
        var voice = audio_mert_to_dec_proj.forward(agg);
        var silent = refVoiceValues.abs().sum(-1).eq(0);                          // (B,)
        var mask = ones(b, t, ScalarType.Int64, voice.device).masked_fill(silent.unsqueeze(1), 0);
        return new SongGenConditioning(voice.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The memory of the training forward: <c>[voice ; enc_to_dec_proj(text)·mask ; lyrics]</c> and its mask.
    /// </summary>
    /// <param name="textHiddenStates">(B, Td, Ht) the text encoder's <c>last_hidden_state</c>.</param>
    /// <param name="attentionMask">(B, Td) description mask, or null (all ones).</param>
    /// <param name="promptHiddenStates">(B, Tl, H) from <see cref="EncodeLyrics"/>, or null (no lyrics).</param>
    /// <param name="promptAttentionMask">(B, Tl) lyrics mask (required with lyrics).</param>
    /// <param name="voice">From <see cref="EncodeVoice"/>, or null (no reference voice).</param>
    /// <param name="projectText">Whether to apply <c>enc_to_dec_proj</c> to the description states.</param>
    public SongGenConditioning BuildMemory(Tensor textHiddenStates, Tensor? attentionMask, Tensor? promptHiddenStates, Tensor? promptAttentionMask, SongGenConditioning? voice, bool projectText)
    {
        using var scope = NewDisposeScope();
        long b = textHiddenStates.shape[0], td = textHiddenStates.shape[1];
        var desc = projectText ? enc_to_dec_proj.forward(textHiddenStates) : textHiddenStates;
        if (attentionMask is not null) desc = desc * attentionMask.unsqueeze(-1).to_type(desc.dtype);
        var mask = attentionMask?.to_type(ScalarType.Int64) ?? ones(b, td, ScalarType.Int64, desc.device);
        var states = new List<Tensor>();
        var masks = new List<Tensor>();
        if (voice is not null)
        {
            states.Add(voice.HiddenStates.to_type(desc.dtype));
            masks.Add(voice.AttentionMask.to_type(ScalarType.Int64));
        }
        states.Add(desc);
        masks.Add(mask);
        if (promptHiddenStates is not null)
        {
            if (promptAttentionMask is null) throw new ArgumentNullException(nameof(promptAttentionMask), "lyrics states need their mask");
            states.Add(promptHiddenStates.to_type(desc.dtype));
            masks.Add(promptAttentionMask.to_type(ScalarType.Int64));
        }
        return new SongGenConditioning(cat(states, 1).MoveToOuterDisposeScope(), cat(masks, 1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Generation-time conditioning (<c>_prepare_text_encoder_kwargs_for_generation</c> then
    /// <c>_prepare_prompt_kwargs_for_generation</c>): <c>[text·mask ; lyrics]</c>, the text projected only when
    /// <see cref="ProjectsTextAtGeneration"/>. With MERT states and a reference waveform, the voice frames are prepended
    /// once (the reference prepends them at the first decoding step and caches the cross-attention keys).
    /// </summary>
    public SongGenConditioning PrepareGenerationConditioning(
        Tensor textHiddenStates, Tensor? attentionMask,
        Tensor? promptInputIds = null, Tensor? promptAttentionMask = null,
        Tensor? mertHiddenStates = null, Tensor? refVoiceValues = null)
    {
        using var scope = NewDisposeScope();
        Tensor? lyrics = null;
        if (promptInputIds is not null)
        {
            promptAttentionMask ??= ones_like(promptInputIds);
            lyrics = EncodeLyrics(promptInputIds, promptAttentionMask);
        }
        var voice = VoiceOrNull(mertHiddenStates, refVoiceValues);
        var memory = BuildMemory(textHiddenStates, attentionMask, lyrics, promptAttentionMask, voice, ProjectsTextAtGeneration);
        memory.HiddenStates.MoveToOuterDisposeScope();
        memory.AttentionMask.MoveToOuterDisposeScope();
        return memory;
    }

    /// <summary>
    /// The training forward <c>model(input_ids, attention_mask, prompt_input_ids, prompt_attention_mask, ref_voice_values,
    /// ref_voice_attention_mask, labels, vocal_labels)</c> with the text encoder's and MERT's outputs given: builds the
    /// memory (<c>enc_to_dec_proj</c> applied), <c>decoder_input_ids = shift_tokens_right(labels).transpose(1,2)</c>
    /// unless given, and runs the decoder with its loss.
    /// </summary>
    /// <param name="textHiddenStates">(B, Td, Ht) text encoder <c>last_hidden_state</c>.</param>
    /// <param name="attentionMask">(B, Td) description mask.</param>
    /// <param name="promptInputIds">(B, Tl) lyrics ids, or null.</param>
    /// <param name="promptAttentionMask">(B, Tl) lyrics mask.</param>
    /// <param name="mertHiddenStates">(L, B, T, Hm) MERT hidden states of <paramref name="refVoiceValues"/>, or null (no voice).</param>
    /// <param name="refVoiceValues">(B, N) reference waveforms (all-zero rows = no voice); required with MERT states.</param>
    /// <param name="labels">(B, S, K′) labels, −100 padded, or null (then <paramref name="decoderInputIds"/> is required).</param>
    /// <param name="vocalLabels">(B, S, K) vocal labels (mixed_pro), or null.</param>
    /// <param name="decoderInputIds">(B, K′, S) or (B·K′, S) decoder inputs; null: built from the labels.</param>
    public SongGenMixedOutput Forward(
        Tensor textHiddenStates,
        Tensor? attentionMask,
        Tensor? promptInputIds = null,
        Tensor? promptAttentionMask = null,
        Tensor? mertHiddenStates = null,
        Tensor? refVoiceValues = null,
        Tensor? labels = null,
        Tensor? vocalLabels = null,
        Tensor? decoderInputIds = null)
    {
        Tensor? lyrics;
        SongGenConditioning memory;
        Tensor inputIds;
        using (var scope = NewDisposeScope())
        {
            lyrics = null;
            if (promptInputIds is not null)
            {
                promptAttentionMask ??= ones_like(promptInputIds);
                lyrics = EncodeLyrics(promptInputIds, promptAttentionMask);
            }
            var voice = VoiceOrNull(mertHiddenStates, refVoiceValues);
            memory = BuildMemory(textHiddenStates, attentionMask, lyrics, promptAttentionMask, voice, projectText: true);
            if (decoderInputIds is null)
            {
                if (labels is null) throw new ArgumentException("either labels or decoder input ids are needed");
                inputIds = TokenShift.ShiftTokensRight(labels, Options.EffectivePadTokenId, Options.EffectiveDecoderStartTokenId).transpose(1, 2).contiguous();
            }
            else inputIds = decoderInputIds.alias();
            lyrics?.MoveToOuterDisposeScope();
            memory.HiddenStates.MoveToOuterDisposeScope();
            memory.AttentionMask.MoveToOuterDisposeScope();
            inputIds.MoveToOuterDisposeScope();
        }
        var decoderOut = decoder.Forward(inputIds, memory.HiddenStates, memory.AttentionMask, labels, vocalLabels);
        return new SongGenMixedOutput(decoderOut, memory.HiddenStates, memory.AttentionMask, inputIds, lyrics);
    }

    private SongGenConditioning? VoiceOrNull(Tensor? mertHiddenStates, Tensor? refVoiceValues)
    {
        if (mertHiddenStates is null) return null;
        if (refVoiceValues is null) throw new ArgumentNullException(nameof(refVoiceValues), "the reference waveform decides which voices are masked out");
        return EncodeVoice(mertHiddenStates, refVoiceValues);
    }
}
