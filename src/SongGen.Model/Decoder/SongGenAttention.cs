using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Decoder;

/// <summary>
/// The decoder's multi-head attention (self or cross): bias-free <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>,
/// <c>out_proj</c>, <c>softmax(q·kᵀ/√d + mask)·v</c> via scaled-dot-product attention, with grouped key/value heads
/// (each key/value head serves <c>heads / kv_heads</c> consecutive query heads).
/// </summary>
public sealed class SongGenAttention : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear q_proj;
    private readonly Linear out_proj;
#pragma warning restore IDE1006

    public SongGenAttention(long embedDim, long numHeads, long numKeyValueHeads, bool isCausal, double attentionDropout = 0.0, Device? device = null)
        : base(nameof(SongGenAttention))
    {
        if (numHeads <= 0 || embedDim % numHeads != 0) throw new ArgumentException($"embedDim {embedDim} must be a multiple of numHeads {numHeads}");
        if (numKeyValueHeads <= 0 || numHeads % numKeyValueHeads != 0) throw new ArgumentException($"numHeads {numHeads} must be a multiple of numKeyValueHeads {numKeyValueHeads}");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        NumKeyValueHeads = numKeyValueHeads;
        HeadDim = embedDim / numHeads;
        IsCausal = isCausal;
        AttentionDropout = attentionDropout;
        k_proj = nn.Linear(embedDim, numKeyValueHeads * HeadDim, hasBias: false, device: device);
        v_proj = nn.Linear(embedDim, numKeyValueHeads * HeadDim, hasBias: false, device: device);
        q_proj = nn.Linear(embedDim, embedDim, hasBias: false, device: device);
        out_proj = nn.Linear(embedDim, embedDim, hasBias: false, device: device);
        RegisterComponents();
    }

    /// <summary>
    /// Rows (batch × positions) from which the projections of one input run as a single matmul against their
    /// concatenated weights (q/k/v for self-attention, k/v for the memory): at 508 rows that took ~1.3× less CPU than
    /// separate matmuls (bench/SongGen.Model.Bench profile). Below it, e.g. one generated step, copying the weights
    /// would cost more memory traffic than it saves.
    /// </summary>
    public const long FusedProjectionMinRows = 64;

    public long EmbedDim { get; }
    public long NumHeads { get; }
    public long NumKeyValueHeads { get; }
    public long HeadDim { get; }
    /// <summary>True for the self-attention: without an explicit mask, query i sees keys 0 … past + i.</summary>
    public bool IsCausal { get; }
    public double AttentionDropout { get; }

    /// <summary>
    /// One attention call.
    /// </summary>
    /// <param name="hiddenStates">(B, S, E) queries (and keys/values for self-attention).</param>
    /// <param name="keyValueStates">(B, M, E) memory for cross-attention; null for self-attention.</param>
    /// <param name="attentionMask">Optional additive mask (B|1, 1|H, S, ≥L) (0 = attend, finfo.min = blocked); columns
    /// beyond the key length L are sliced off, as the reference does. When null and <see cref="IsCausal"/>, the causal
    /// mask is applied internally.</param>
    /// <param name="pastKeyValue">Optional cached (key, value), each (B, kvH, P, d). Self-attention: the new keys/values are
    /// appended. Cross-attention: reused as is (the memory is not projected again).</param>
    /// <returns>The output (B, S, E) and the present (key, value) for a cache, each (B, kvH, L, d). When a cross-attention
    /// cache was passed in, the present pair is that same pair.</returns>
    public (Tensor Output, (Tensor Key, Tensor Value) Present) Forward(
        Tensor hiddenStates,
        Tensor? keyValueStates = null,
        Tensor? attentionMask = null,
        (Tensor Key, Tensor Value)? pastKeyValue = null)
    {
        using var scope = NewDisposeScope();
        long b = hiddenStates.shape[0], s = hiddenStates.shape[1];
        Tensor q, key, value;
        long pastLength = 0;
        var reused = false;
        if (keyValueStates is null)
        {
            var qkv = Project(hiddenStates, q_proj, k_proj, v_proj);   // (B,H,S,d), (B,kvH,S,d) ×2
            (q, key, value) = (qkv[0], qkv[1], qkv[2]);
            if (pastKeyValue is { } cachedSelf)
            {
                pastLength = cachedSelf.Key.shape[2];
                key = cat([cachedSelf.Key, key], 2);
                value = cat([cachedSelf.Value, value], 2);
            }
        }
        else
        {
            q = Project(hiddenStates, q_proj)[0];
            if (pastKeyValue is { } cachedCross)
            {
                (key, value) = cachedCross;
                reused = true;
            }
            else
            {
                var kv = Project(keyValueStates, k_proj, v_proj);       // (B,kvH,M,d) ×2
                (key, value) = (kv[0], kv[1]);
            }
        }
        long keyLength = key.shape[2];

        var k = RepeatKeyValue(key);
        var v = RepeatKeyValue(value);
        var dropoutP = training ? AttentionDropout : 0.0;

        Tensor context;
        if (attentionMask is not null)
        {
            var mask = attentionMask.shape[^1] == keyLength ? attentionMask : attentionMask[.., .., .., ..(int)keyLength];
            context = nn.functional.scaled_dot_product_attention(q, k, v, mask.to_type(q.dtype), dropoutP, false);
        }
        else if (IsCausal && keyValueStates is null && s > 1)
        {
            if (pastLength == 0)
                context = nn.functional.scaled_dot_product_attention(q, k, v, null, dropoutP, true);
            else
                context = nn.functional.scaled_dot_product_attention(q, k, v, DecoderMasks.Causal(1, s, pastLength, dtype: q.dtype, device: q.device), dropoutP, false);
        }
        else
        {
            context = nn.functional.scaled_dot_product_attention(q, k, v, null, dropoutP, false);
        }

        var output = out_proj.forward(context.transpose(1, 2).contiguous().view(b, s, EmbedDim));
        // A reused cross-attention cache is returned as is (the caller keeps owning it).
        return reused ? (output.MoveToOuterDisposeScope(), (key, value)) : (output.MoveToOuterDisposeScope(), (key.MoveToOuterDisposeScope(), value.MoveToOuterDisposeScope()));
    }

    /// <summary>
    /// The <paramref name="projections"/> of <paramref name="source"/> (B, M, E), each viewed as (B, heads, M, d). From
    /// <see cref="FusedProjectionMinRows"/> rows on, several run as one matmul against their concatenated weights.
    /// </summary>
    private Tensor[] Project(Tensor source, params Linear[] projections)
    {
        long b = source.shape[0], m = source.shape[1];
        var outputs = projections.Length > 1 && b * m >= FusedProjectionMinRows
            ? nn.functional.linear(source, cat(projections.Select(p => (Tensor)p.weight!).ToList(), 0))
                .split(projections.Select(p => p.weight!.shape[0]).ToArray(), -1)
            : projections.Select(p => p.forward(source)).ToArray();
        return outputs.Select(o => o.view(b, m, -1, HeadDim).transpose(1, 2)).ToArray();
    }

    /// <summary>(B, kvH, L, d) → (B, H, L, d), each key/value head repeated for <c>H / kvH</c> consecutive query heads.</summary>
    private Tensor RepeatKeyValue(Tensor x)
    {
        var groups = NumHeads / NumKeyValueHeads;
        return groups == 1 ? x : x.repeat_interleave(groups, 1);
    }
}
