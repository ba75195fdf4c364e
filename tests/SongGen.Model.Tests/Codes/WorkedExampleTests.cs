using SongGen.Model.Config;
using SongGen.Model.Codes;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Codes;

/// <summary>Hand-written examples from the spec (no fixture needed).</summary>
public sealed class WorkedExampleTests
{
    private const long B = SpecialTokens.Bos, P = SpecialTokens.Pad, E = SpecialTokens.Eos;

    private static Tensor Ids(long[,] values) => tensor(values, ScalarType.Int64);

    [Fact]
    public void Labels_for_K4_F3_are_the_delay_table()
    {
        // codes c_k[j] = 10k + j
        using var codes = Ids(new long[,] { { 0, 1, 2 }, { 10, 11, 12 }, { 20, 21, 22 }, { 30, 31, 32 } });
        using var labels = DelayPattern.BuildLabels(codes);
        using var expected = Ids(new long[,]
        {
            { 0, 1, 2, E, E, E, E },
            { B, 10, 11, 12, E, E, E },
            { B, B, 20, 21, 22, E, E },
            { B, B, B, 30, 31, 32, E },
        });
        TensorAssert.Exact(expected, labels, "labels");
    }

    [Fact]
    public void Generation_start_pattern_for_K4_M8()
    {
        using var start = full(new[] { 4L, 1L }, B, ScalarType.Int64);
        var (ids, pattern) = DelayPattern.Build(start, B, P, 8, 4);
        using (ids)
        using (pattern)
        {
            using var expected = Ids(new long[,]
            {
                { B, -1, -1, -1, -1, P, P, P },
                { B, B, -1, -1, -1, -1, P, P },
                { B, B, B, -1, -1, -1, -1, P },
                { B, B, B, B, -1, -1, -1, -1 },
            });
            TensorAssert.Exact(expected, pattern, "pattern");
            TensorAssert.Exact(start, ids, "input ids (first free column of codebook 0 is 1)");
        }
    }

    [Fact]
    public void Max_length_below_2K_minus_1_means_no_delay()
    {
        using var start = full(new[] { 4L, 2L }, B, ScalarType.Int64);
        var (ids, pattern) = DelayPattern.Build(start, B, P, 6, 4);
        using (ids)
        using (pattern)
        {
            Assert.Equal(new long[] { 4, 6 }, pattern.shape);
            Assert.True(pattern.eq(-1L).all().item<bool>());
            TensorAssert.Exact(start, ids, "ids unchanged");
        }
    }

    [Fact]
    public void Undo_recovers_the_frames_of_a_generation()
    {
        using var scope = NewDisposeScope();
        const int k = 4;
        const long length = 8;
        var (_, pattern) = DelayPattern.Build(full(new[] { 2L * k, 1L }, B, ScalarType.Int64), B, P, 12, k);
        // raw sampled ids (2 items x 4 codebooks, 8 steps): 100*row + column, BOS column first
        var raw = arange(2 * k, ScalarType.Int64).unsqueeze(1) * 100 + arange(length, ScalarType.Int64).unsqueeze(0);
        raw[TensorIndex.Colon, 0] = tensor(B);
        var frames = DelayPattern.Undo(raw, pattern, k);
        Assert.Equal(new long[] { 2, k, length - k }, frames.shape);
        // row k keeps columns k+1 .. L-K+k
        for (int b = 0; b < 2; b++)
            for (int cb = 0; cb < k; cb++)
                for (int j = 0; j < length - k; j++)
                    Assert.Equal(100L * (b * k + cb) + cb + 1 + j, frames[b, cb, j].item<long>());
    }

    [Fact]
    public void Undo_of_track_labels_gives_the_codes_and_the_eos_column()
    {
        using var scope = NewDisposeScope();
        var codes = Ids(new long[,] { { 0, 1, 2 }, { 10, 11, 12 }, { 20, 21, 22 }, { 30, 31, 32 } });
        var withBos = DelayPattern.BuildLabels(codes, keepFirstColumn: true); // (4, 8)
        var frames = DelayPattern.UndoDelayed(withBos, 4);
        var expected = cat(new[] { codes, full(new[] { 4L, 1L }, E, ScalarType.Int64) }, 1).unsqueeze(0);
        TensorAssert.Exact(expected, frames, "undone labels");
    }

    [Fact]
    public void Interleaving_alternates_frames_and_split_inverts_it()
    {
        using var scope = NewDisposeScope();
        var acc = Ids(new long[,] { { 1, 2, 3 }, { 4, 5, 6 } }).unsqueeze(0);      // (1, 2, 3)
        var vocal = Ids(new long[,] { { 11, 12, 13 }, { 14, 15, 16 } }).unsqueeze(0);
        var av = DualTrackPatterns.Combine(acc, vocal, TrackPattern.InterleavingAV);
        TensorAssert.Exact(Ids(new long[,] { { 1, 11, 2, 12, 3, 13 }, { 4, 14, 5, 15, 6, 16 } }).unsqueeze(0), av, "A_V");
        var va = DualTrackPatterns.Combine(acc, vocal, TrackPattern.InterleavingVA);
        TensorAssert.Exact(Ids(new long[,] { { 11, 1, 12, 2, 13, 3 }, { 14, 4, 15, 5, 16, 6 } }).unsqueeze(0), va, "V_A");
        foreach (var (pattern, combined) in new[] { (TrackPattern.InterleavingAV, av), (TrackPattern.InterleavingVA, va) })
        {
            var (a, v) = DualTrackPatterns.Split(combined, pattern, 2);
            TensorAssert.Exact(acc, a, $"{pattern} acc");
            TensorAssert.Exact(vocal, v, $"{pattern} vocal");
        }
    }

    [Fact]
    public void Parallel_lag_patterns_pad_and_shift_by_one_frame()
    {
        using var scope = NewDisposeScope();
        var acc = Ids(new long[,] { { 1, 2 } }).unsqueeze(0);   // (1, 1, 2)
        var vocal = Ids(new long[,] { { 11, 12 } }).unsqueeze(0);
        TensorAssert.Exact(Ids(new long[,] { { 1, 2 }, { 11, 12 } }).unsqueeze(0),
            DualTrackPatterns.Combine(acc, vocal, TrackPattern.ParallelStd), "parallel_std");
        TensorAssert.Exact(Ids(new long[,] { { 1, 2, P }, { B, 11, 12 } }).unsqueeze(0),
            DualTrackPatterns.Combine(acc, vocal, TrackPattern.ParallelAV), "parallel_A_V");
        TensorAssert.Exact(Ids(new long[,] { { B, 1, 2 }, { 11, 12, P } }).unsqueeze(0),
            DualTrackPatterns.Combine(acc, vocal, TrackPattern.ParallelVA), "parallel_V_A");
    }

    [Fact]
    public void Interleaved_generation_pattern_has_2M_minus_1_columns_with_a_bos_column_first()
    {
        using var scope = NewDisposeScope();
        var start = full(new[] { 1L, 4L, 1L }, B, ScalarType.Int64);
        var (ids, pattern) = DualTrackPatterns.BuildCombinedDelayPattern(start, start, TrackPattern.InterleavingAV, B, P, 12, 4);
        Assert.Equal(new long[] { 4, 23 }, pattern.shape);
        Assert.Equal(new long[] { 4, 1 }, ids.shape);
        Assert.True(pattern[TensorIndex.Colon, 0].eq(B).all().item<bool>());
        // row 0: acc slot j at column 2j-1, vocal slot j at 2j; slot 0 is free for both
        Assert.Equal(-1L, pattern[0, 1].item<long>());
        Assert.Equal(-1L, pattern[0, 2].item<long>());
        // row 3 (delay 3): slots 0..2 are BOS for both tracks
        for (int col = 1; col <= 6; col++) Assert.Equal(B, pattern[3, col].item<long>());
        Assert.Equal(-1L, pattern[3, 7].item<long>());
    }

    [Fact]
    public void Shift_tokens_right_inserts_the_start_and_maps_ignore_index_to_pad()
    {
        using var scope = NewDisposeScope();
        var labels = Ids(new long[,] { { 5, 6, 7 }, { 8, -100, -100 } });
        TensorAssert.Exact(Ids(new long[,] { { B, 5, 6 }, { B, 8, P } }), TokenShift.ShiftTokensRight(labels), "2-D");
    }

    [Fact]
    public void Logits_processor_lets_codebook_k_end_only_after_k_minus_1()
    {
        using var scope = NewDisposeScope();
        const int eos = 9;
        var processor = new CodebookEosLogitsProcessor(eos, numCodebooks: 3, batchSize: 1);
        var scores = zeros(3, 10);
        // t = 0: BOS only -> rows 1, 2 may not end
        var s0 = processor.Process(full(new[] { 3L, 1L }, 8L, ScalarType.Int64), scores);
        Assert.Equal(new[] { false, true, true }, Enumerable.Range(0, 3).Select(r => s0[r, eos].isneginf().item<bool>()).ToArray());
        Assert.Equal(0L, processor.FirstCodebooksUnfinished[0]);
        // t = 1: row 0 and row 2 emitted EOS; the chain advances by one codebook only
        var ids = Ids(new long[,] { { 8, eos }, { 8, 1 }, { 8, eos } });
        var s1 = processor.Process(ids, scores);
        Assert.Equal(1L, processor.FirstCodebooksUnfinished[0]);
        Assert.Equal(new[] { false, false, true }, Enumerable.Range(0, 3).Select(r => s1[r, eos].isneginf().item<bool>()).ToArray());
        // other entries untouched
        Assert.Equal(0f, s1[2, 0].item<float>());
        Assert.Equal(0f, scores[2, eos].item<float>());
    }

    [Fact]
    public void Loss_weight_curriculum_stages_and_float32_boundaries()
    {
        Assert.Equal(0, LossWeightCurriculum.Stage(3, 10));           // 0.3 stays in stage 0
        Assert.Equal(0, LossWeightCurriculum.Stage(30000001, 100000000)); // rounds to float32(0.3)
        Assert.Equal(1, LossWeightCurriculum.Stage(31, 100));
        Assert.Equal(2, LossWeightCurriculum.Stage(7, 10));
        Assert.Equal(3, LossWeightCurriculum.Stage(81, 100));
        var w0 = LossWeightCurriculum.WeightsArray(0, 100);
        Assert.Equal(new[] { 0.25f, 0.25f, 0.25f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f }, w0);
        var w3 = LossWeightCurriculum.WeightsArray(100, 100);
        Assert.Equal(0.15f, w3[0], 1e-6f);
        Assert.Equal(0.11f, w3[7], 1e-6f);
        Assert.Equal(0.8f, LossWeightCurriculum.WeightsArray(0, 100, 4).Sum(), 1e-6f);
    }

    [Fact]
    public void Track_ids_are_remapped_to_bos_and_eos()
    {
        using var scope = NewDisposeScope();
        var ids = Ids(new long[,] { { 1039, 5, 1040, 1037, 1038, 1030, -100, 1024 } });
        TensorAssert.Exact(Ids(new long[,] { { B, 5, E, B, E, 1030, -100, 1024 } }), SpecialTokens.RemapTrackIds(ids), "remapped");
    }
}
