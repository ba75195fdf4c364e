using SongGen.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Codes;

/// <summary>
/// Combining two tracks (accompaniment, vocal) into one decoder id layout and back, and the combined delay pattern
/// generation uses, for the dual-track patterns (parallel_std / parallel_A_V / parallel_V_A / interleaving_A_V /
/// interleaving_V_A).
/// </summary>
public static class DualTrackPatterns
{
    /// <summary>
    /// combine_track_input_ids semantics. <paramref name="acc"/> and <paramref name="vocal"/> are (B, K, L).
    /// Interleaving: (B, K, 2L) with columns a0 v0 a1 v1 … (A_V) or v0 a0 v1 a1 … (V_A).
    /// parallel_std: (B, 2K, L) = [acc ; vocal]. parallel_A_V: [acc ++ PAD ; BOS ++ vocal] → (B, 2K, L+1).
    /// parallel_V_A: [BOS ++ acc ; vocal ++ PAD] → (B, 2K, L+1). Accompaniment rows always come first.
    /// </summary>
    public static Tensor Combine(Tensor acc, Tensor vocal, TrackPattern pattern, long bosTokenId = SpecialTokens.Bos, long padTokenId = SpecialTokens.Pad)
    {
        if (acc.dim() != 3 || vocal.dim() != 3) throw new ArgumentException("acc and vocal must be (B, K, L)");
        using var scope = NewDisposeScope();
        Tensor result;
        switch (pattern)
        {
            case TrackPattern.InterleavingAV:
            case TrackPattern.InterleavingVA:
            {
                var (first, second) = pattern == TrackPattern.InterleavingAV ? (acc, vocal) : (vocal, acc);
                result = stack(new[] { first, second }, -1).reshape(acc.shape[0], acc.shape[1], 2 * acc.shape[2]);
                break;
            }
            case TrackPattern.ParallelStd:
                result = cat(new[] { acc, vocal }, 1);
                break;
            case TrackPattern.ParallelAV:
                result = cat(new[] { AppendColumn(acc, padTokenId), PrependColumn(vocal, bosTokenId) }, 1);
                break;
            case TrackPattern.ParallelVA:
                result = cat(new[] { PrependColumn(acc, bosTokenId), AppendColumn(vocal, padTokenId) }, 1);
                break;
            default:
                throw new ArgumentException($"{pattern} is not a dual-track pattern", nameof(pattern));
        }
        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// split_combined_track_input_ids semantics, for (B, K', L') combined ids. Interleaving: the even / odd columns
    /// (A_V: acc even; V_A: vocal even). Parallel: the first / last K rows. For parallel_A_V / parallel_V_A this is not
    /// the inverse of <see cref="Combine"/>: the appended PAD / prepended BOS columns stay in both tracks.
    /// </summary>
    public static (Tensor Acc, Tensor Vocal) Split(Tensor combined, TrackPattern pattern, int numCodebooks)
    {
        using var scope = NewDisposeScope();
        Tensor acc, vocal;
        if (pattern.IsInterleaved())
        {
            var even = combined[TensorIndex.Ellipsis, TensorIndex.Slice(0, null, 2)];
            var odd = combined[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)];
            (acc, vocal) = pattern == TrackPattern.InterleavingAV ? (even, odd) : (odd, even);
        }
        else if (pattern.IsParallel())
        {
            acc = combined[TensorIndex.Colon, TensorIndex.Slice(0, numCodebooks)];
            vocal = combined[TensorIndex.Colon, TensorIndex.Slice(numCodebooks, null)];
        }
        else throw new ArgumentException($"{pattern} is not a dual-track pattern", nameof(pattern));
        return (acc.contiguous().MoveToOuterDisposeScope(), vocal.contiguous().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// build_combined_delay_pattern_mask semantics. <paramref name="acc"/> and <paramref name="vocal"/> are (B, K, S)
    /// or (B*K, S), each starting with a BOS column. Each track is delayed with <see cref="DelayPattern.Build"/>
    /// (max_length <paramref name="maxLength"/>), column 0 of ids and pattern is dropped, the tracks are combined with
    /// <see cref="Combine"/> and one BOS column is prepended; for parallel_A_V / parallel_V_A the last column of the
    /// ids is dropped. Returns the decoder input ids (B*K', S') and the pattern (B*K', M'), with M' = 2M−1
    /// (interleaving), M (parallel_std) or M+1 (parallel_A_V / parallel_V_A).
    /// </summary>
    public static (Tensor InputIds, Tensor Pattern) BuildCombinedDelayPattern(Tensor acc, Tensor vocal, TrackPattern pattern, long bosTokenId, long padTokenId, long maxLength, int numCodebooks)
    {
        if (!pattern.IsDualTrack()) throw new ArgumentException($"{pattern} is not a dual-track pattern", nameof(pattern));
        using var scope = NewDisposeScope();
        var (accIds, accPattern) = DelayPattern.Build(acc, bosTokenId, padTokenId, maxLength, numCodebooks);
        var (vocalIds, vocalPattern) = DelayPattern.Build(vocal, bosTokenId, padTokenId, maxLength, numCodebooks);

        var ids = CombineRows(accIds, vocalIds, pattern, bosTokenId, padTokenId, numCodebooks);
        var mask = CombineRows(accPattern, vocalPattern, pattern, bosTokenId, padTokenId, numCodebooks);
        if (pattern is TrackPattern.ParallelAV or TrackPattern.ParallelVA)
            ids = ids[TensorIndex.Colon, TensorIndex.Slice(0, ids.shape[1] - 1)];
        return (ids.contiguous().MoveToOuterDisposeScope(), mask.contiguous().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Undoes the delay of a dual-track generation as the dual-track generate does. The raw ids (B·K′, L) are
    /// delay-masked with the generation <paramref name="pattern"/> (width ≥ L); for interleaving an even L loses its last
    /// column. The combined pattern of a BOS start is rebuilt with the output max length M′ (interleaving
    /// (L−1)/2 + 1, parallel_std L, parallel_A_V / parallel_V_A L − 1), which has exactly L columns; its BOS and PAD
    /// positions are dropped and the rest is reshaped to (B, K′, ·) and split into the two tracks, each (B, K, M′ − K)
    /// (M′ ≥ 2K − 1; below that the rebuilt pattern is all free, as in the reference, and nothing but its BOS/PAD
    /// columns is dropped).
    /// </summary>
    public static (Tensor Acc, Tensor Vocal) UndoGeneration(Tensor rawIds, Tensor pattern, TrackPattern trackPattern, int numCodebooks, long bosTokenId = SpecialTokens.Bos, long padTokenId = SpecialTokens.Pad)
    {
        if (!trackPattern.IsDualTrack()) throw new ArgumentException($"{trackPattern} is not a dual-track pattern", nameof(trackPattern));
        using var scope = NewDisposeScope();
        var delayed = DelayPattern.Apply(rawIds, pattern);
        long length = delayed.shape[1];
        long outputMaxLength;
        if (trackPattern.IsInterleaved())
        {
            if (length % 2 == 0) delayed = delayed[TensorIndex.Colon, TensorIndex.Slice(0, length - 1)];
            outputMaxLength = (delayed.shape[1] - 1) / 2 + 1;
        }
        else outputMaxLength = trackPattern == TrackPattern.ParallelStd ? length : length - 1;
        if (outputMaxLength < 2)
            throw new ArgumentException($"{length} generated columns are too few to undo the {trackPattern.ToHfName()} delay pattern", nameof(rawIds));

        int streams = trackPattern.NumStreams(numCodebooks);
        long batch = delayed.shape[0] / streams;
        var start = full(new[] { batch, (long)numCodebooks, 1L }, bosTokenId, ScalarType.Int64, device: delayed.device);
        var (_, mask) = BuildCombinedDelayPattern(start, start, trackPattern, bosTokenId, padTokenId, outputMaxLength, numCodebooks);
        if (mask.shape[1] != delayed.shape[1])
            throw new InvalidOperationException($"rebuilt pattern has {mask.shape[1]} columns, the output {delayed.shape[1]}");
        var keep = mask.ne(bosTokenId).logical_and(mask.ne(padTokenId)).to(delayed.device);
        var frames = delayed.masked_select(keep).reshape(batch, streams, -1);
        var (acc, vocal) = Split(frames, trackPattern, numCodebooks);
        return (acc.MoveToOuterDisposeScope(), vocal.MoveToOuterDisposeScope());
    }

    // (B*K, S) per track -> drop column 0 -> combine as (B, K, S-1) -> (B*K', ·) with one BOS column prepended.
    private static Tensor CombineRows(Tensor accRows, Tensor vocalRows, TrackPattern pattern, long bos, long pad, int numCodebooks)
    {
        var acc = accRows[TensorIndex.Colon, TensorIndex.Slice(1, null)];
        var vocal = vocalRows[TensorIndex.Colon, TensorIndex.Slice(1, null)];
        long batch = accRows.shape[0] / numCodebooks;
        // explicit widths: the start ids have no column left after dropping column 0 (reshape with -1 fails on 0 elements)
        var combined = Combine(acc.reshape(batch, numCodebooks, acc.shape[1]), vocal.reshape(batch, numCodebooks, vocal.shape[1]), pattern, bos, pad);
        var rows = combined.reshape(batch * combined.shape[1], combined.shape[2]);
        return PrependColumn(rows, bos);
    }

    private static Tensor AppendColumn(Tensor x, long value)
    {
        var shape = x.shape.ToArray();
        shape[^1] = 1;
        return cat(new[] { x, full(shape, value, x.dtype, device: x.device) }, -1);
    }

    private static Tensor PrependColumn(Tensor x, long value)
    {
        var shape = x.shape.ToArray();
        shape[^1] = 1;
        return cat(new[] { full(shape, value, x.dtype, device: x.device), x }, -1);
    }
}
