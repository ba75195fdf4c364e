using SongGen.Model.Codes;
using SongGen.Model.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Decoder;

/// <summary>The <c>model</c> wrapper of the reference (<c>SongGenModel</c>): it only holds <c>decoder</c>.</summary>
public sealed class SongGenModel : nn.Module
{
#pragma warning disable IDE1006 // state_dict name
    private readonly SongGenDecoder decoder;
#pragma warning restore IDE1006

    public SongGenModel(SongGenDecoderConfig config, Device? device = null) : base(nameof(SongGenModel))
    {
        decoder = new SongGenDecoder(config, device);
        RegisterComponents();
    }

    public SongGenDecoder Decoder => decoder;
}

/// <summary>Output of <see cref="SongGenForCausalLM.Forward"/>.</summary>
/// <param name="Logits">(B·K′, S, V) per-stream logits, row <c>b·K′ + k</c> (the reference's reshaped <c>lm_logits</c>).</param>
/// <param name="Loss">0-dim mean of <see cref="CodebookLosses"/>; null without labels.</param>
/// <param name="CodebookLosses">(K′,) per-stream cross-entropy; null without labels.</param>
/// <param name="VocalLogits">(B·K, S, V) logits of the vocal heads (mixed_pro with <c>add_vocal_loss</c>); null otherwise.</param>
/// <param name="VocalLoss">0-dim mean of <see cref="VocalCodebookLosses"/>; null without vocal labels.</param>
/// <param name="VocalCodebookLosses">(K,) per-codebook vocal cross-entropy; null without vocal labels.</param>
/// <param name="HiddenStates">The decoder's hidden-state tuple when requested (see <see cref="SongGenDecoderOutput"/>).</param>
/// <param name="PresentKeyValues">Per-layer caches when <c>useCache</c>.</param>
public sealed record SongGenCausalLMOutput(
    Tensor Logits,
    Tensor? Loss,
    Tensor? CodebookLosses,
    Tensor? VocalLogits,
    Tensor? VocalLoss,
    Tensor? VocalCodebookLosses,
    IReadOnlyList<Tensor>? HiddenStates,
    IReadOnlyList<LayerKeyValues>? PresentKeyValues) : IDisposable
{
    /// <summary>Per-stream losses as numbers, for logging (empty without labels).</summary>
    public float[] CodebookLossValues => CodebookLosses?.to(CPU).data<float>().ToArray() ?? [];

    /// <summary>Per-codebook vocal losses as numbers, for logging (empty without vocal labels).</summary>
    public float[] VocalCodebookLossValues => VocalCodebookLosses?.to(CPU).data<float>().ToArray() ?? [];

    public void Dispose()
    {
        Logits.Dispose();
        Loss?.Dispose();
        CodebookLosses?.Dispose();
        VocalLogits?.Dispose();
        VocalLoss?.Dispose();
        VocalCodebookLosses?.Dispose();
        if (HiddenStates is not null) foreach (var h in HiddenStates) h.Dispose();
    }
}

/// <summary>
/// <c>SongGenForCausalLM</c>: the decoder (<c>model.decoder.*</c>), one bias-free LM head per stream
/// (<c>lm_heads.{k}.weight</c>, 2·K for parallel patterns) and, for mixed_pro with <c>add_vocal_loss</c>, K auxiliary
/// vocal heads (<c>vocal_lm_heads.{k}.weight</c>). With labels the forward computes the reference loss: BOS labels
/// ignored, positions whose decoder input is PAD/EOS dropped, mean cross-entropy per stream, loss = mean over streams.
/// </summary>
public sealed class SongGenForCausalLM : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly SongGenModel model;
    private readonly ModuleList<Linear> lm_heads;
    private readonly ModuleList<Linear>? vocal_lm_heads;
#pragma warning restore IDE1006

    public SongGenForCausalLM(SongGenDecoderConfig config, Device? device = null) : base(nameof(SongGenForCausalLM))
    {
        Config = config;
        model = new SongGenModel(config, device);
        lm_heads = new ModuleList<Linear>();
        for (var k = 0; k < config.NumLmHeads; k++) lm_heads.Add(nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device));
        if (config.HasVocalLmHeads)
        {
            vocal_lm_heads = new ModuleList<Linear>();
            for (var k = 0; k < config.NumCodebooks; k++) vocal_lm_heads.Add(nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device));
        }
        RegisterComponents();
    }

    public SongGenDecoderConfig Config { get; }

    public SongGenDecoder Decoder => model.Decoder;

    /// <summary>Streams predicted per step (K′ = number of <c>lm_heads</c>).</summary>
    public int NumStreams => lm_heads.Count;

    public bool HasVocalHeads => vocal_lm_heads is not null;

    /// <summary>The PAD id used by the loss mask (<c>pad_token_id</c>, 1024 when absent).</summary>
    public long PadTokenId => Config.PadTokenId ?? SpecialTokens.Pad;

    /// <summary>The BOS id never used as a target (<c>bos_token_id</c>, 1025 when absent).</summary>
    public long BosTokenId => Config.BosTokenId ?? SpecialTokens.Bos;

    /// <summary>
    /// The reference forward <c>forward(input_ids, encoder_hidden_states, encoder_attention_mask, labels, vocal_labels)</c>.
    /// </summary>
    /// <param name="inputIds">(B·K′, S) rows <c>b·K′ + k</c>, or (B, K′, S) (e.g. <c>shift_tokens_right(labels).transpose(1,2)</c>).</param>
    /// <param name="encoderHiddenStates">(B, M, E) cross-attention memory.</param>
    /// <param name="encoderAttentionMask">(B, M) memory mask (1 = attend) or null.</param>
    /// <param name="labels">(B, S, K′) targets with −100 padding, or null (no loss).</param>
    /// <param name="vocalLabels">(B, S, K) vocal targets (only with vocal heads), or null.</param>
    public SongGenCausalLMOutput Forward(
        Tensor inputIds,
        Tensor? encoderHiddenStates = null,
        Tensor? encoderAttentionMask = null,
        Tensor? labels = null,
        Tensor? vocalLabels = null,
        bool outputHiddenStates = false,
        IReadOnlyList<LayerKeyValues>? pastKeyValues = null,
        bool useCache = false)
    {
        if (vocalLabels is not null && vocal_lm_heads is null)
            throw new InvalidOperationException("vocal labels need the vocal heads (track_pattern mixed_pro with add_vocal_loss)");
        using var scope = NewDisposeScope();
        var decoderOut = model.Decoder.Forward(inputIds, encoderHiddenStates, encoderAttentionMask, outputHiddenStates, pastKeyValues, useCache);
        var h = decoderOut.LastHiddenState;
        long s = h.shape[1];
        var (lmLogits, vocalLogits) = Heads(h);

        Tensor? loss = null, losses = null, vocalLoss = null, vocalLosses = null;
        if (labels is not null || vocalLabels is not null)
        {
            var inputs3d = inputIds.reshape(-1, NumStreams, inputIds.shape[^1]);   // (B,K',S)
            if (labels is not null)
            {
                losses = CodebookCrossEntropy(lmLogits, labels, inputs3d);
                loss = losses.mean();
            }
            if (vocalLabels is not null)
            {
                vocalLosses = CodebookCrossEntropy(vocalLogits!, vocalLabels, inputs3d);
                vocalLoss = vocalLosses.mean();
            }
        }

        Tensor Out(Tensor t) => t.reshape(-1, s, t.shape[^1]).MoveToOuterDisposeScope();
        var hidden = decoderOut.HiddenStates?.Select(t => t.MoveToOuterDisposeScope()).ToList();
        if (decoderOut.PresentKeyValues is { } presents)
            for (var i = 0; i < presents.Count; i++)
            {
                var pr = presents[i];
                pr.Self.Key.MoveToOuterDisposeScope();
                pr.Self.Value.MoveToOuterDisposeScope();
                if (pastKeyValues is null || !ReferenceEquals(pastKeyValues[i].Cross.Key, pr.Cross.Key))
                {
                    pr.Cross.Key.MoveToOuterDisposeScope();
                    pr.Cross.Value.MoveToOuterDisposeScope();
                }
            }
        return new SongGenCausalLMOutput(
            Out(lmLogits), loss?.MoveToOuterDisposeScope(), losses?.MoveToOuterDisposeScope(),
            vocalLogits is null ? null : Out(vocalLogits), vocalLoss?.MoveToOuterDisposeScope(), vocalLosses?.MoveToOuterDisposeScope(),
            hidden, decoderOut.PresentKeyValues);
    }

    /// <summary>
    /// Every head on <paramref name="h"/> (B, S, E): (B, K′, S, V) logits of <c>lm_heads</c> and (B, K, S, V) of
    /// <c>vocal_lm_heads</c> (null without). Over many positions all heads run as one matmul against their concatenated
    /// weights (~1.4× less CPU than 16 separate ones at 508 positions; see <see cref="SongGenAttention.FusedProjectionMinRows"/>).
    /// </summary>
    private (Tensor Logits, Tensor? VocalLogits) Heads(Tensor h)
    {
        long b = h.shape[0], s = h.shape[1];
        if (b * s < SongGenAttention.FusedProjectionMinRows)
        {
            var logits = stack(lm_heads.Select(head => head.forward(h)), 1);
            return (logits, vocal_lm_heads is null ? null : stack(vocal_lm_heads.Select(head => head.forward(h)), 1));
        }
        var heads = vocal_lm_heads is null ? lm_heads.ToList() : lm_heads.Concat(vocal_lm_heads).ToList();
        long v = Config.VocabSize;
        var all = nn.functional.linear(h, cat(heads.Select(head => (Tensor)head.weight!).ToList(), 0))
            .view(b, s, heads.Count, v).permute(0, 2, 1, 3).contiguous();                  // (B, K'+K, S, V)
        var lm = all[.., ..NumStreams];
        return (lm, vocal_lm_heads is null ? null : all[.., NumStreams..]);
    }

    /// <summary>
    /// Per-stream mean cross-entropy as the reference computes it: BOS labels become −100, and stream k keeps the
    /// positions where <c>label ≠ −100</c> and the decoder input is not PAD (so of the EOS targets only the first of each
    /// row survives). A stream with no kept position gives NaN, as in the reference.
    /// </summary>
    /// <param name="logits">(B, K, S_all, V); the last S positions are used (S = labels' time length).</param>
    /// <param name="labels">(B, S, K).</param>
    /// <param name="decoderInputIds">(B, K_in ≥ K, S): the decoder inputs; stream k of the mask uses row k.</param>
    /// <returns>(K,) float32 losses.</returns>
    public Tensor CodebookCrossEntropy(Tensor logits, Tensor labels, Tensor decoderInputIds)
    {
        using var scope = NewDisposeScope();
        long s = labels.shape[1], k = labels.shape[2], v = logits.shape[^1];
        var lg = logits[.., .., ^(int)s..];
        var target = labels.masked_fill(labels.eq(BosTokenId), SpecialTokens.IgnoreIndex);
        var keep = LossMask(labels, decoderInputIds);
        var result = new List<Tensor>();
        for (var c = 0; c < k; c++)
        {
            var idx = keep[.., .., c].reshape(-1).nonzero().squeeze(1);
            // Reduced-precision logits are widened first: the loss is always a float32 cross-entropy (as under autocast).
            var sel = lg[.., c].reshape(-1, v).index_select(0, idx).to_type(ScalarType.Float32);
            var tgt = target[.., .., c].reshape(-1).index_select(0, idx);
            result.Add(nn.functional.cross_entropy(sel, tgt));
        }
        return stack(result).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The positions the loss trains on: a label that is neither −100 nor BOS, whose decoder input (same position) is not
    /// PAD. With EOS = PAD this keeps every code target and only the first EOS of each row; for interleaving, the vocal
    /// EOS that follows an accompaniment EOS input is dropped.
    /// </summary>
    /// <param name="labels">(B, S, K) targets.</param>
    /// <param name="decoderInputIds">(B, K_in ≥ K, S) decoder inputs; stream k of the mask uses row k.</param>
    /// <returns>(B, S, K) bool.</returns>
    public Tensor LossMask(Tensor labels, Tensor decoderInputIds)
    {
        using var scope = NewDisposeScope();
        long s = labels.shape[1], k = labels.shape[2];
        if (decoderInputIds.dim() != 3 || decoderInputIds.shape[2] != s || decoderInputIds.shape[1] < k)
            throw new ArgumentException($"decoder inputs ({string.Join(", ", decoderInputIds.shape)}) do not fit labels ({string.Join(", ", labels.shape)})", nameof(decoderInputIds));
        var target = labels.masked_fill(labels.eq(BosTokenId), SpecialTokens.IgnoreIndex);
        var inputNotPad = decoderInputIds.transpose(1, 2).ne(PadTokenId)[.., .., ..(int)k];
        return inputNotPad.logical_and(target.ne(SpecialTokens.IgnoreIndex)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The loss the training scripts optimise with <c>codebook_weighting</c>: <c>Σ_k w_k·L_k</c> for mixed and
    /// interleaving patterns, plus <c>0.1·Σ_k w_k·Lvocal_k</c> with vocal losses (mixed_pro), and for parallel patterns
    /// <c>0.5·Σ_{k&lt;K} w_k·L_k + 0.5·Σ_{k≥K} w_{k−K}·L_k</c>.
    /// </summary>
    /// <param name="codebookLosses">(K′,) from <see cref="SongGenCausalLMOutput.CodebookLosses"/>.</param>
    /// <param name="weights">(K,) codebook weights (<see cref="LossWeightCurriculum.Weights"/>).</param>
    /// <param name="vocalCodebookLosses">(K,) or null.</param>
    public static Tensor WeightedTrainingLoss(Tensor codebookLosses, Tensor weights, Tensor? vocalCodebookLosses = null)
    {
        using var scope = NewDisposeScope();
        long kPrime = codebookLosses.shape[0], k = weights.shape[0];
        var w = weights.to(codebookLosses.dtype, codebookLosses.device);
        Tensor loss;
        if (kPrime == 2 * k)
            loss = 0.5 * (codebookLosses[..(int)k] * w).sum() + 0.5 * (codebookLosses[(int)k..] * w).sum();
        else if (kPrime == k)
            loss = (codebookLosses * w).sum();
        else
            throw new ArgumentException($"{kPrime} losses do not fit {k} weights");
        if (vocalCodebookLosses is not null) loss = loss + 0.1 * (vocalCodebookLosses * w).sum();
        return loss.MoveToOuterDisposeScope();
    }
}
