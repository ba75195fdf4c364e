using TorchSharp;
using TorchSharp.Modules;
using SongGen.Model.Config;
using static TorchSharp.torch;

namespace SongGen.Model.TextEncoder;

/// <summary>
/// T5 self-attention: bias-free <c>q</c>, <c>k</c>, <c>v</c>, <c>o</c>, <b>no</b> 1/√d scaling, and an additive relative
/// position bias (<c>relative_attention_bias</c>, held only by the first block and passed on to the others).
/// </summary>
public sealed class T5Attention : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear o;
    private readonly Embedding? relative_attention_bias;
#pragma warning restore IDE1006

    public T5Attention(TextEncoderConfig config, bool hasRelativeAttentionBias, Device? device = null) : base(nameof(T5Attention))
    {
        DModel = config.DModel;
        NumHeads = config.NumHeads;
        KeyValueDim = config.DKv;
        InnerDim = config.InnerDim;
        NumBuckets = config.RelativeAttentionNumBuckets;
        MaxDistance = config.RelativeAttentionMaxDistance;
        DropoutRate = config.DropoutRate;
        HasRelativeAttentionBias = hasRelativeAttentionBias;
        q = nn.Linear(DModel, InnerDim, hasBias: false, device: device);
        k = nn.Linear(DModel, InnerDim, hasBias: false, device: device);
        v = nn.Linear(DModel, InnerDim, hasBias: false, device: device);
        o = nn.Linear(InnerDim, DModel, hasBias: false, device: device);
        if (hasRelativeAttentionBias)
            relative_attention_bias = nn.Embedding(NumBuckets, NumHeads, device: device);
        RegisterComponents();
    }

    public long DModel { get; }
    public long NumHeads { get; }
    public long KeyValueDim { get; }
    public long InnerDim { get; }
    public int NumBuckets { get; }
    public int MaxDistance { get; }
    public double DropoutRate { get; }
    public bool HasRelativeAttentionBias { get; }

    /// <summary>
    /// T5's bucket of each relative position (<c>key − query</c>): half the buckets per direction when bidirectional
    /// (positive offsets in the upper half), exact buckets for |offset| below half of those, then logarithmic buckets up
    /// to <paramref name="maxDistance"/>, beyond which everything shares the last bucket.
    /// </summary>
    public static Tensor RelativePositionBucket(Tensor relativePosition, bool bidirectional = true, int numBuckets = 32, int maxDistance = 128)
    {
        using var scope = NewDisposeScope();
        var rp = relativePosition.to(ScalarType.Int64);
        var buckets = zeros_like(rp);
        if (bidirectional)
        {
            numBuckets /= 2;
            buckets = buckets + rp.gt(0).to(ScalarType.Int64) * numBuckets;
            rp = rp.abs();
        }
        else
        {
            rp = -minimum(rp, zeros_like(rp));
        }
        var maxExact = numBuckets / 2;
        var isSmall = rp.lt(maxExact);
        var large = (rp.to(ScalarType.Float32) / maxExact).log() / Math.Log((double)maxDistance / maxExact) * (numBuckets - maxExact);
        var ifLarge = large.to(ScalarType.Int64) + maxExact;
        ifLarge = minimum(ifLarge, full_like(ifLarge, numBuckets - 1));
        buckets = buckets + where(isSmall, rp, ifLarge);
        return buckets.MoveToOuterDisposeScope();
    }

    /// <summary>The bidirectional position bias (1, H, queryLength, keyLength), or zeros without <c>relative_attention_bias</c>.</summary>
    public Tensor ComputeBias(long queryLength, long keyLength, ScalarType? dtype = null)
    {
        using var scope = NewDisposeScope();
        var dev = q.weight!.device;
        if (relative_attention_bias is null)
            return zeros(1, NumHeads, queryLength, keyLength, dtype: dtype ?? q.weight.dtype, device: dev).MoveToOuterDisposeScope();
        var context = arange(queryLength, dtype: ScalarType.Int64, device: dev).unsqueeze(1);
        var memory = arange(keyLength, dtype: ScalarType.Int64, device: dev).unsqueeze(0);
        var buckets = RelativePositionBucket(memory - context, bidirectional: true, NumBuckets, MaxDistance);
        var values = relative_attention_bias.forward(buckets);       // (Q, K, H)
        var bias = values.permute(2, 0, 1).unsqueeze(0);             // (1, H, Q, K)
        if (dtype is { } t) bias = bias.to(t);
        return bias.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Self-attention over <paramref name="hiddenStates"/> (B, S, D).
    /// </summary>
    /// <param name="mask">Additive mask broadcastable to (B, H, S, S) (0 = attend, finfo.min = blocked), or null.</param>
    /// <param name="positionBias">The bias from an earlier block (already including the mask), or null to compute it here.</param>
    /// <returns>The output (B, S, D) and the position bias plus mask, for the following blocks.</returns>
    public (Tensor Output, Tensor PositionBias) Forward(Tensor hiddenStates, Tensor? mask, Tensor? positionBias)
    {
        using var scope = NewDisposeScope();
        long b = hiddenStates.shape[0], s = hiddenStates.shape[1];
        Tensor Shape(Tensor t) => t.view(b, s, NumHeads, KeyValueDim).transpose(1, 2);
        var query = Shape(q.forward(hiddenStates));
        var key = Shape(k.forward(hiddenStates));
        var value = Shape(v.forward(hiddenStates));
        var scores = matmul(query, key.transpose(2, 3));                 // (B, H, S, S), no scaling
        if (positionBias is null)
        {
            positionBias = ComputeBias(s, s, scores.dtype);
            if (mask is not null) positionBias = positionBias + mask;
        }
        scores = scores + positionBias;
        var weights = nn.functional.softmax(scores.to(ScalarType.Float32), -1).to(scores.dtype);
        weights = nn.functional.dropout(weights, DropoutRate, training);
        var output = matmul(weights, value).transpose(1, 2).contiguous().view(b, s, InnerDim);
        output = o.forward(output);
        return (output.MoveToOuterDisposeScope(), positionBias.MoveToOuterDisposeScope());
    }
}
