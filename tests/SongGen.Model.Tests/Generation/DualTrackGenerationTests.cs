using SongGen.Model.Codes;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Generation;
using SongGen.Model.Tests.Codes;
using TorchSharp;
using static TorchSharp.torch;

using static SongGen.Model.Tests.Generation.TinyGenerationSetup;

namespace SongGen.Model.Tests.Generation;

/// <summary>Dual-track generation (spec §5.4) with tiny random decoders of every dual-track pattern.</summary>
public sealed class DualTrackGenerationTests
{
    private const int K = 8;

    public static TheoryData<TrackPattern> DualPatterns() => new(TrackPatterns.All.Where(p => p.IsDualTrack()));

    private static GenerationConfig Config(TrackPattern pattern, bool sample, int maxLength = 40, bool cache = true) =>
        TinyGenerationSetup.Config(pattern, sample, maxLength, cache);

    /// <summary>Frames per track that the post-processing keeps for a raw length L (spec §5.4).</summary>
    private static long ExpectedFrames(TrackPattern pattern, long length) => pattern switch
    {
        TrackPattern.InterleavingAV or TrackPattern.InterleavingVA => ((length % 2 == 0 ? length - 1 : length) - 1) / 2 + 1 - K,
        TrackPattern.ParallelStd => length - K,
        _ => length - 1 - K,
    };

    [Theory]
    [MemberData(nameof(DualPatterns))]
    public void Greedy_with_the_cache_equals_greedy_recomputing_and_the_output_follows_the_combined_pattern(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(pattern);
        using var cond = Conditioning(2);
        const int maxLength = 40;
        using var cached = SongGenGenerator.GenerateDualTrack(lm, cond, Config(pattern, false, maxLength, cache: true), seed: 1);
        using var recomputed = SongGenGenerator.GenerateDualTrack(lm, cond, Config(pattern, false, maxLength, cache: false), seed: 1);
        Assert.Equal(Values(recomputed.RawIds), Values(cached.RawIds));
        Assert.Equal(Values(recomputed.AccompanimentFrames), Values(cached.AccompanimentFrames));
        Assert.Equal(Values(recomputed.VocalFrames), Values(cached.VocalFrames));

        int streams = pattern.NumStreams(K);
        long length = cached.RawIds.shape[1];
        Assert.Equal(2L * streams, cached.RawIds.shape[0]);
        Assert.True(length <= maxLength);
        Assert.Equal(length - 1, cached.Steps);
        Assert.True(cached.RawIds[.., 0].eq(SpecialTokens.Bos).all().item<bool>(), "start input: one BOS column over all K′ rows");

        // the delay pattern is the combined one for max length M (interleaving: 2M−1 columns, of which the run reads the first L)
        var start = full(new[] { 2L, K, 1L }, SpecialTokens.Bos, ScalarType.Int64);
        var (_, combined) = DualTrackPatterns.BuildCombinedDelayPattern(start, start, pattern, SpecialTokens.Bos, SpecialTokens.Pad, maxLength, K);
        Assert.Equal(pattern.IsInterleaved() ? 2 * maxLength - 1 : pattern == TrackPattern.ParallelStd ? maxLength : maxLength + 1, combined.shape[1]);
        TensorAssert.Exact(DelayPattern.Apply(cached.RawIds, combined), cached.DelayedIds, "delayed ids");

        var (acc, vocal) = DualTrackPatterns.UndoGeneration(cached.RawIds, combined, pattern, K);
        TensorAssert.Exact(acc, cached.AccompanimentFrames, "accompaniment frames");
        TensorAssert.Exact(vocal, cached.VocalFrames, "vocal frames");
        Assert.Equal(new long[] { 2, K, ExpectedFrames(pattern, length) }, cached.AccompanimentFrames.shape);
        Assert.Equal(cached.AccompanimentFrames.shape, cached.VocalFrames.shape);

        // each track keeps, per item, exactly its frames of regular ids, independently of the other track
        foreach (var (frames, codes) in new[] { (cached.AccompanimentFrames, cached.AccompanimentCodes), (cached.VocalFrames, cached.VocalCodes) })
        {
            Assert.Equal(2, codes.Count);
            for (var b = 0; b < 2; b++)
            {
                var keep = frames[b].lt(SpecialTokens.CodebookSize).all(0);
                Assert.Equal(Values(frames[b].index_select(1, keep.nonzero().view(-1))), Values(codes[b]));
                if (codes[b].numel() > 0) Assert.True(codes[b].max().item<long>() < SpecialTokens.CodebookSize);
            }
        }
    }

    [Theory]
    [InlineData(TrackPattern.InterleavingAV)]
    [InlineData(TrackPattern.ParallelVA)]
    public void Sampling_is_reproducible_from_the_seed_with_and_without_the_cache(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(pattern);
        using var cond = Conditioning(2);
        var g = Config(pattern, true, 30);
        using var a = SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 123);
        using var b = SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 123);
        using var c = SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 124);
        manual_seed(777);   // the global RNG plays no part
        using var uncached = SongGenGenerator.GenerateDualTrack(lm, cond, Config(pattern, true, 30, cache: false), seed: 123);
        Assert.Equal(Values(a.RawIds), Values(b.RawIds));
        Assert.Equal(Values(a.RawIds), Values(uncached.RawIds));
        Assert.NotEqual(Values(a.RawIds), Values(c.RawIds));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(Values(a.AccompanimentCodes[i]), Values(b.AccompanimentCodes[i]));
            Assert.Equal(Values(a.VocalCodes[i]), Values(b.VocalCodes[i]));
        }
        Assert.Same(a.VocalCodes, a.CodesOf(AudioTrack.Vocal));
    }

    [Theory]
    [InlineData(TrackPattern.InterleavingVA)]
    [InlineData(TrackPattern.ParallelStd)]
    public void Batch_of_two_equals_two_batches_of_one_under_greedy(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(pattern);
        using var cond = Conditioning(2);
        var g = Config(pattern, false, 24);
        using var both = SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 0);
        int streams = pattern.NumStreams(K);
        for (long b = 0; b < 2; b++)
        {
            long valid = cond.AttentionMask[b].sum().item<long>();
            using var single = new SongGenConditioning(
                cond.HiddenStates[TensorIndex.Slice(b, b + 1), TensorIndex.Slice(0, valid)].clone(),
                cond.AttentionMask[TensorIndex.Slice(b, b + 1), TensorIndex.Slice(0, valid)].clone());
            using var one = SongGenGenerator.GenerateDualTrack(lm, single, g, seed: 0);
            Assert.Equal(Values(both.RawIds[TensorIndex.Slice(b * streams, (b + 1) * streams)]), Values(one.RawIds));
            Assert.Equal(Values(both.AccompanimentCodes[(int)b]), Values(one.AccompanimentCodes[0]));
            Assert.Equal(Values(both.VocalCodes[(int)b]), Values(one.VocalCodes[0]));
        }
    }

    [Theory]
    [InlineData(TrackPattern.ParallelStd)]
    [InlineData(TrackPattern.ParallelAV)]
    public void Parallel_patterns_end_each_track_on_its_own_eos_chain(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(pattern);
        RaiseEos(lm);
        using var cond = Conditioning(2);
        using var r = SongGenGenerator.GenerateDualTrack(lm, cond, Config(pattern, false), seed: 0);
        // two chains of 8: accompaniment codebook k and vocal codebook k both end at step k+1 (BOS + 8 steps in all)
        Assert.Equal(9, r.RawIds.shape[1]);
        var raw = r.RawIds.view(2, 16, 9);
        for (var k = 0; k < K; k++)
            foreach (var row in new[] { k, K + k })
            {
                Assert.Equal(SpecialTokens.Eos, raw[1, row, k + 1].item<long>());
                if (k > 0) Assert.NotEqual(SpecialTokens.Eos, raw[1, row, k].item<long>());
            }
        Assert.All(r.AccompanimentCodes.Concat(r.VocalCodes), c => Assert.Equal(0, c.shape[1]));
    }

    [Fact]
    public void Interleaving_has_one_eos_chain_over_its_eight_rows()
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.InterleavingAV);
        RaiseEos(lm);
        using var cond = Conditioning(1);
        using var r = SongGenGenerator.GenerateDualTrack(lm, cond, Config(TrackPattern.InterleavingAV, false), seed: 0);
        Assert.Equal(new long[] { 8, 9 }, r.RawIds.shape);
        for (var k = 0; k < K; k++) Assert.Equal(SpecialTokens.Eos, r.RawIds[k, k + 1].item<long>());
        Assert.All(r.AccompanimentCodes.Concat(r.VocalCodes), c => Assert.Equal(0, c.shape[1]));
    }

    [Fact]
    public void Max_new_tokens_bounds_the_run_and_the_pattern()
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.InterleavingAV);
        using var cond = Conditioning(1);
        var g = Config(TrackPattern.InterleavingAV, true);
        g.TopK = 0;
        using var r = SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 4, maxNewTokens: 30);
        Assert.Equal(31, r.RawIds.shape[1]);
        var start = full(new[] { 1L, K, 1L }, SpecialTokens.Bos, ScalarType.Int64);
        var (_, combined) = DualTrackPatterns.BuildCombinedDelayPattern(start, start, TrackPattern.InterleavingAV, SpecialTokens.Bos, SpecialTokens.Pad, 31, K);
        TensorAssert.Exact(DelayPattern.Apply(r.RawIds, combined), r.DelayedIds, "pattern of max length 31");
        Assert.Equal(new long[] { 1, K, 16 - K }, r.AccompanimentFrames.shape);   // (31−1)/2 + 1 − 8
    }

    [Theory]
    [InlineData(TrackPattern.InterleavingAV, true)]
    [InlineData(TrackPattern.ParallelStd, false)]
    public void A_disposed_run_leaves_no_tensor_behind(TrackPattern pattern, bool cache)
    {
        using var lm = TinyDecoder(pattern);
        using var cond = Conditioning(2);
        var g = Config(pattern, true, 20, cache);
        SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 2, keepStepLogits: true).Dispose();   // warm-up
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 2, keepStepLogits: true).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Each_entry_point_refuses_the_other_kind_of_pattern()
    {
        using var dual = TinyDecoder(TrackPattern.InterleavingAV);
        using var single = TinyDecoder(TrackPattern.MixedPro);
        using var cond = Conditioning(1);
        var e1 = Assert.Throws<NotSupportedException>(() => SongGenGenerator.Generate(dual, cond, Config(TrackPattern.InterleavingAV, false), seed: 0));
        Assert.Contains(nameof(SongGenGenerator.GenerateDualTrack), e1.Message);
        var e2 = Assert.Throws<NotSupportedException>(() => SongGenGenerator.GenerateDualTrack(single, cond, Config(TrackPattern.MixedPro, false), seed: 0));
        Assert.Contains("mixed_pro", e2.Message);
    }

    /// <summary>Makes EOS the most likely token of every head: final norm output fixed to ones, EOS rows raised.</summary>
    internal static void RaiseEos(SongGenForCausalLM lm)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in lm.named_parameters())
        {
            if (name == "model.decoder.layer_norm.weight") p.zero_();
            if (name == "model.decoder.layer_norm.bias") p.fill_(1.0);
            if (name.StartsWith("lm_heads.", StringComparison.Ordinal)) p[SpecialTokens.Eos] = p[SpecialTokens.Eos] + 100f;
        }
    }
}
