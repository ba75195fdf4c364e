using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Decoder;

/// <summary>
/// The decoder's additive attention masks, as the reference builds them: 0 where attended, <c>finfo(dtype).min</c>
/// (not −∞) where blocked.
/// </summary>
public static class DecoderMasks
{
    /// <summary>
    /// Causal mask (B, 1, S, T): query i (absolute position <c>past + i</c>) sees key j iff <c>j ≤ past + i</c>.
    /// <paramref name="targetLength"/> defaults to <c>past + S</c>; the reference's eager decoder without cache uses
    /// <c>past + S + 1</c> (one extra, fully blocked column that attention slices off).
    /// </summary>
    public static Tensor Causal(long batch, long queryLength, long pastLength = 0, long? targetLength = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var target = targetLength ?? pastLength + queryLength;
        var i = arange(queryLength, dtype: ScalarType.Int64, device: device).unsqueeze(1) + pastLength;
        var j = arange(target, dtype: ScalarType.Int64, device: device).unsqueeze(0);
        var mask = zeros(queryLength, target, dtype: dtype, device: device).masked_fill(j.gt(i), MinValue(dtype));
        return mask.view(1, 1, queryLength, target).expand(batch, 1, queryLength, target).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The memory (cross-attention) mask: a 2-D (B, M) mask, 1 = attend, expanded to the additive (B, 1, S, M) mask
    /// <c>(1 − m)·finfo.min</c> (exactly <c>finfo.min</c> on blocked keys).
    /// </summary>
    public static Tensor ExpandPadding(Tensor mask2d, long queryLength, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        long b = mask2d.shape[0], m = mask2d.shape[1];
        var blocked = mask2d.eq(0).view(b, 1, 1, m).expand(b, 1, queryLength, m);
        var mask = zeros(b, 1, queryLength, m, dtype: dtype, device: mask2d.device).masked_fill(blocked, MinValue(dtype));
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary><c>torch.finfo(dtype).min</c>.</summary>
    public static Scalar MinValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => float.MinValue,
        ScalarType.Float64 => double.MinValue,
        ScalarType.Float16 => -65504.0f,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        _ => throw new ArgumentException($"no finfo for {dtype}"),
    };
}
