using SongGen.Model.Codes;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Tests.Codes;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Decoder;

/// <summary>The loss mask of spec §4.4 on worked examples: decoder inputs from <c>shift_tokens_right</c> of the labels.</summary>
public sealed class LossMaskTests
{
    private const long B = SpecialTokens.Bos, E = SpecialTokens.Eos, I = SpecialTokens.IgnoreIndex;

    private static SongGenForCausalLM Model(TrackPattern pattern, int codebooks) => new(new SongGenDecoderConfig
    {
        VocabSize = SpecialTokens.VocabularySize, MaxPositionEmbeddings = 32, HiddenSize = 8, FfnDim = 16, NumHiddenLayers = 1,
        NumAttentionHeads = 2, NumKeyValueHeads = 2, NumCrossAttentionKeyValueHeads = 2, NumCodebooks = codebooks, TrackPattern = pattern,
    });

    /// <summary>Rows (K′, S) per item → labels (B, S, K′) and decoder inputs (B, K′, S) as the training forward builds them.</summary>
    private static (Tensor Labels, Tensor Inputs) Batch(params long[][,] items)
    {
        var labels = stack(items.Select(rows => tensor(rows).t()).ToArray(), 0);
        var inputs = TokenShift.ShiftTokensRight(labels).transpose(1, 2).contiguous();
        return (labels, inputs);
    }

    private static void AssertMask(long[][,] expectedPerItem, Tensor mask)
    {
        // expected given as (K′, S) rows per item; the mask is (B, S, K′)
        var expected = stack(expectedPerItem.Select(rows => tensor(rows).t().ne(0L)).ToArray(), 0);
        TensorAssert.Exact(expected, mask, "loss mask");
    }

    [Fact]
    public void Single_track_K4_F3_keeps_every_code_and_the_first_eos_and_no_bos_or_padding()
    {
        using var scope = NewDisposeScope();
        using var lm = Model(TrackPattern.MixedPro, 4);
        // item 0: the delay table of the spec (codes 10k + j); item 1: two frames, right-padded with −100
        var (labels, inputs) = Batch(
            new long[,]
            {
                { 0, 1, 2, E, E, E, E },
                { B, 10, 11, 12, E, E, E },
                { B, B, 20, 21, 22, E, E },
                { B, B, B, 30, 31, 32, E },
            },
            new long[,]
            {
                { 0, 1, E, E, E, E, I },
                { B, 10, 11, E, E, E, I },
                { B, B, 20, 21, E, E, I },
                { B, B, B, 30, 31, E, I },
            });
        Assert.Equal(B, inputs[0, 3, 0].item<long>());
        AssertMask(
        [
            new long[,]
            {
                { 1, 1, 1, 1, 0, 0, 0 },
                { 0, 1, 1, 1, 1, 0, 0 },
                { 0, 0, 1, 1, 1, 1, 0 },
                { 0, 0, 0, 1, 1, 1, 1 },
            },
            new long[,]
            {
                { 1, 1, 1, 0, 0, 0, 0 },
                { 0, 1, 1, 1, 0, 0, 0 },
                { 0, 0, 1, 1, 1, 0, 0 },
                { 0, 0, 0, 1, 1, 1, 0 },
            },
        ], lm.LossMask(labels, inputs));
    }

    [Fact]
    public void Interleaving_A_V_trains_the_accompaniment_eos_and_masks_the_vocal_eos_after_it()
    {
        using var scope = NewDisposeScope();
        using var lm = Model(TrackPattern.InterleavingAV, 2);
        // K = 2, F = 2: acc row k = [B]*k, a_k0, a_k1, [E]*(2−k); vocal likewise; interleaved a v a v …
        var acc = tensor(new long[,] { { 100, 101, E, E }, { B, 110, 111, E } }).unsqueeze(0);
        var vocal = tensor(new long[,] { { 200, 201, E, E }, { B, 210, 211, E } }).unsqueeze(0);
        var combined = DualTrackPatterns.Combine(acc, vocal, TrackPattern.InterleavingAV);
        TensorAssert.Exact(tensor(new long[,] { { 100, 200, 101, 201, E, E, E, E }, { B, B, 110, 210, 111, 211, E, E } }).unsqueeze(0), combined, "layout");
        var labels = combined.transpose(1, 2).contiguous();
        var inputs = TokenShift.ShiftTokensRight(labels).transpose(1, 2).contiguous();
        var mask = lm.LossMask(labels, inputs);
        AssertMask(
        [
            new long[,]
            {
                { 1, 1, 1, 1, 1, 0, 0, 0 },
                { 0, 0, 1, 1, 1, 1, 1, 0 },
            },
        ], mask);
        // per row exactly one EOS target survives, at an accompaniment column (even), and the vocal EOS right after it is masked
        for (var k = 0; k < 2; k++)
        {
            var keptEos = Enumerable.Range(0, 8).Where(t => mask[0, t, k].item<bool>() && labels[0, t, k].item<long>() == E).ToArray();
            Assert.Single(keptEos);
            Assert.Equal(0, keptEos[0] % 2);
            Assert.Equal(E, labels[0, keptEos[0] + 1, k].item<long>());
            Assert.False(mask[0, keptEos[0] + 1, k].item<bool>());
        }
    }

    [Fact]
    public void Parallel_A_V_masks_the_lag_columns_and_keeps_one_eos_per_row()
    {
        using var scope = NewDisposeScope();
        using var lm = Model(TrackPattern.ParallelAV, 2);
        var acc = tensor(new long[,] { { 100, 101, E, E }, { B, 110, 111, E } }).unsqueeze(0);
        var vocal = tensor(new long[,] { { 200, 201, E, E }, { B, 210, 211, E } }).unsqueeze(0);
        var combined = DualTrackPatterns.Combine(acc, vocal, TrackPattern.ParallelAV);   // (1, 4, 5)
        var labels = combined.transpose(1, 2).contiguous();
        var inputs = TokenShift.ShiftTokensRight(labels).transpose(1, 2).contiguous();
        AssertMask(
        [
            new long[,]
            {
                { 1, 1, 1, 0, 0 },
                { 0, 1, 1, 1, 0 },
                { 0, 1, 1, 1, 0 },
                { 0, 0, 1, 1, 1 },
            },
        ], lm.LossMask(labels, inputs));
    }

    [Fact]
    public void Codebook_losses_are_the_mean_cross_entropy_over_the_masked_positions()
    {
        using var scope = NewDisposeScope();
        using var lm = Model(TrackPattern.MixedPro, 4);
        var (labels, inputs) = Batch(
            new long[,] { { 0, 1, 2, E, E, E, E }, { B, 10, 11, 12, E, E, E }, { B, B, 20, 21, 22, E, E }, { B, B, B, 30, 31, 32, E } },
            new long[,] { { 3, 4, E, E, E, E, I }, { B, 13, 14, E, E, E, I }, { B, B, 23, 24, E, E, I }, { B, B, B, 33, 34, E, I } });
        manual_seed(3);
        var logits = randn(2, 4, 7, SpecialTokens.VocabularySize);
        var losses = lm.CodebookCrossEntropy(logits, labels, inputs);
        var mask = lm.LossMask(labels, inputs);
        var logProbs = logits.log_softmax(-1);
        for (var k = 0; k < 4; k++)
        {
            double sum = 0;
            int count = 0;
            for (var b = 0; b < 2; b++)
                for (var t = 0; t < 7; t++)
                    if (mask[b, t, k].item<bool>())
                    {
                        sum -= logProbs[b, k, t, labels[b, t, k].item<long>()].item<float>();
                        count++;
                    }
            Assert.Equal(7, count);   // 4 + 3 kept positions per codebook
            Assert.Equal(sum / count, losses[k].item<float>(), 4);
        }
    }
}
