using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Codes;

/// <summary>shift_tokens_right: builds decoder inputs from labels by shifting along dimension 1.</summary>
public static class TokenShift
{
    /// <summary>
    /// Shifts <paramref name="labels"/> one step right along dimension 1 (the time axis of (B, S) or (B, S, K)
    /// labels): out[:, 0] = <paramref name="decoderStartTokenId"/>, out[:, 1:] = labels[:, :-1], and every −100 of the
    /// result becomes <paramref name="padTokenId"/>. Returns a new tensor of the same shape.
    /// </summary>
    public static Tensor ShiftTokensRight(Tensor labels, long padTokenId = SpecialTokens.Pad, long decoderStartTokenId = SpecialTokens.DecoderStart)
    {
        if (labels.dim() < 2) throw new ArgumentException("labels need at least 2 dimensions (B, S, ...)", nameof(labels));
        using var scope = NewDisposeScope();
        long seqLen = labels.shape[1];
        var startShape = labels.shape.ToArray();
        startShape[1] = 1;
        var start = full(startShape, decoderStartTokenId, labels.dtype, device: labels.device);
        var body = labels[TensorIndex.Colon, TensorIndex.Slice(0, seqLen - 1)];
        var shifted = cat(new[] { start, body }, 1);
        shifted = shifted.masked_fill(shifted.eq(SpecialTokens.IgnoreIndex), padTokenId);
        return shifted.contiguous().MoveToOuterDisposeScope();
    }
}
