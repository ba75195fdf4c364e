using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Codes;

/// <summary>
/// The MusicGen-style delay pattern over K codebooks: codebook k is delayed by k frames. A pattern mask of shape
/// (B*K, maxLength) holds BOS in columns 0..k of row k, PAD in columns ≥ maxLength−K+1+k, the given ids placed at
/// columns k..S−1+k (the BOS part overrides column k) and −1 wherever the model is free to write.
/// Rows are ordered b*K + k.
/// </summary>
public static class DelayPattern
{
    /// <summary>
    /// build_delay_pattern_mask semantics. <paramref name="inputIds"/> is (B*K, S) (any shape whose last dimension is
    /// S and whose element count is a multiple of K*S). Returns the delayed ids up to (excluding) the first free
    /// column of codebook 0 over the batch (S columns when codebook 0 has none) and the pattern (B*K, maxLength).
    /// When maxLength &lt; 2K−1 the ids are returned unchanged (reshaped to (B*K, S)) with an all −1 pattern.
    /// </summary>
    public static (Tensor InputIds, Tensor Pattern) Build(Tensor inputIds, long bosTokenId, long padTokenId, long maxLength, int numCodebooks)
    {
        if (numCodebooks <= 0) throw new ArgumentOutOfRangeException(nameof(numCodebooks));
        using var scope = NewDisposeScope();
        long k = numCodebooks;
        long seqLen = inputIds.shape[^1];
        var ids = inputIds.to_type(ScalarType.Int64).reshape(-1, k, seqLen);
        long batch = ids.shape[0];

        if (maxLength < 2 * k - 1)
        {
            var unchanged = ids.reshape(batch * k, seqLen).clone();
            var free = full(new[] { batch * k, maxLength }, -1L, ScalarType.Int64, device: ids.device);
            return (unchanged.MoveToOuterDisposeScope(), free.MoveToOuterDisposeScope());
        }
        if (seqLen + k - 1 > maxLength)
            throw new ArgumentException($"input length {seqLen} does not fit the delay pattern of max_length {maxLength} with {k} codebooks");

        var shifted = full(new[] { batch, k, maxLength }, -1L, ScalarType.Int64, device: ids.device);
        for (long cb = 0; cb < k; cb++)
            shifted[TensorIndex.Colon, TensorIndex.Single(cb), TensorIndex.Slice(cb, cb + seqLen)] = ids[TensorIndex.Colon, TensorIndex.Single(cb)];

        var column = arange(maxLength, ScalarType.Int64, device: ids.device).unsqueeze(0);   // (1, M)
        var row = arange(k, ScalarType.Int64, device: ids.device).unsqueeze(1);            // (K, 1)
        var bosMask = column.le(row);                                    // tril(diagonal=0)
        var padMask = column.ge(row + (maxLength - k + 1));              // triu(diagonal=M-K+1)
        var pattern3 = where(bosMask, tensor(bosTokenId, device: ids.device), where(padMask, tensor(padTokenId, device: ids.device), shifted));

        var freeColumns = pattern3[TensorIndex.Colon, TensorIndex.Single(0)].eq(-1L).any(0).nonzero();
        long firstFree = freeColumns.shape[0] > 0 ? freeColumns.min().item<long>() : seqLen;

        var pattern = pattern3.reshape(batch * k, maxLength);
        var delayed = pattern[TensorIndex.Colon, TensorIndex.Slice(0, firstFree)].clone();
        return (delayed.MoveToOuterDisposeScope(), pattern.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// apply_delay_pattern_mask semantics: where the first S columns of the pattern are −1 keep the ids, elsewhere take
    /// the pattern. <paramref name="ids"/> is (rows, S) with S ≤ pattern width; returns (rows, S).
    /// </summary>
    public static Tensor Apply(Tensor ids, Tensor pattern)
    {
        using var scope = NewDisposeScope();
        long seqLen = ids.shape[^1];
        var head = pattern[TensorIndex.Ellipsis, TensorIndex.Slice(0, seqLen)];
        return where(head.eq(-1L), ids, head).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Undoes the delay of generated output as generate does: <paramref name="rawIds"/> (B*K, L) raw sampled ids,
    /// <paramref name="pattern"/> the generation pattern (width ≥ L). The ids are first delay-masked, then a pattern
    /// with max_length L is rebuilt from a BOS start and every BOS/PAD position of it is dropped: row k keeps columns
    /// k+1 .. L−K+k. Returns (B, K, L−K).
    /// </summary>
    public static Tensor Undo(Tensor rawIds, Tensor pattern, int numCodebooks, long bosTokenId = SpecialTokens.Bos, long padTokenId = SpecialTokens.Pad)
    {
        using var scope = NewDisposeScope();
        var delayed = Apply(rawIds, pattern);
        return UndoDelayed(delayed, numCodebooks, bosTokenId, padTokenId).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Undoes the delay of already delay-masked ids (B*K, L): drops the BOS/PAD positions of the pattern a BOS start
    /// gives for max_length L. Returns (B, K, L−K).
    /// </summary>
    public static Tensor UndoDelayed(Tensor delayedIds, int numCodebooks, long bosTokenId = SpecialTokens.Bos, long padTokenId = SpecialTokens.Pad)
    {
        using var scope = NewDisposeScope();
        long rows = delayedIds.shape[0], length = delayedIds.shape[^1];
        long batch = rows / numCodebooks;
        var start = full(new[] { rows, 1L }, bosTokenId, ScalarType.Int64, device: delayedIds.device);
        var (_, mask) = Build(start, bosTokenId, padTokenId, length, numCodebooks);
        var keep = mask.ne(bosTokenId).logical_and(mask.ne(padTokenId));
        return delayedIds.masked_select(keep).reshape(batch, numCodebooks, -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The label construction of preprocessing (postprocess_dataset): codes (K, F) get a BOS column, are delayed
    /// with max_length F+1+K, free positions are filled with EOS (=PAD) and the first column is dropped:
    /// row k = [BOS]*k, codes, [EOS]*(K−k). Returns (K, F+K). With <paramref name="keepFirstColumn"/> (the per-track
    /// construction, with track-specific bos/eos ids) the BOS column is kept: (K, F+K+1).
    /// </summary>
    public static Tensor BuildLabels(Tensor codes, long bosTokenId = SpecialTokens.Bos, long eosTokenId = SpecialTokens.Eos, bool keepFirstColumn = false)
    {
        using var scope = NewDisposeScope();
        long k = codes.shape[0], frames = codes.shape[1];
        var withBos = cat(new[] { full(new[] { k, 1L }, bosTokenId, ScalarType.Int64, device: codes.device), codes.to_type(ScalarType.Int64) }, 1);
        var (_, pattern) = Build(withBos, bosTokenId, eosTokenId, frames + 1 + k, (int)k);
        var labels = where(pattern.eq(-1L), tensor(eosTokenId, device: pattern.device), pattern);
        if (!keepFirstColumn) labels = labels[TensorIndex.Colon, TensorIndex.Slice(1, null)];
        return labels.contiguous().MoveToOuterDisposeScope();
    }
}
