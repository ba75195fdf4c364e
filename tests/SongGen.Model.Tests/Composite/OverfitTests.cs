using System.Diagnostics;
using SongGen.Model.Codes;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Lyrics;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Composite;

/// <summary>
/// A tiny composite model trained as the reference trains it (train mode with dropout, AdamW with the reference betas
/// and weight decay, the weighted loss of the training scripts with the codebook-weight curriculum) memorises a fixed
/// batch: the loss falls by at least 90%.
/// </summary>
public sealed class OverfitTests(ITestOutputHelper output)
{
    private const long Pad = 32, Bos = 33;
    private const int Codebooks = 4, CodeRange = 32;

    private static SongGenMixedOptions Options(TrackPattern pattern) => new()
    {
        Decoder = new SongGenDecoderConfig
        {
            VocabSize = 40, MaxPositionEmbeddings = 64, HiddenSize = 32, FfnDim = 64, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 4, NumCrossAttentionKeyValueHeads = 4, NumCodebooks = Codebooks,
            TrackPattern = pattern, AddVocalLoss = pattern == TrackPattern.MixedPro, PadTokenId = (int)Pad, BosTokenId = (int)Bos, EosTokenId = (int)Pad,
        },
        TextHiddenSize = 12,
        PromptVocabSize = 20,
        LyricsEncoder = new ConformerEncoderOptions { InputSize = 32, OutputSize = 16, AttentionHeads = 2, LinearUnits = 32, NumBlocks = 1 },
        MertLayers = 25,
        MertHiddenSize = 12,
    };

    /// <summary>One track's delayed labels without the BOS column: (K, F+K), row k = [BOS]*k, codes, [EOS]*(K−k).</summary>
    private static Tensor TrackLabels(Tensor codes) =>
        DelayPattern.BuildLabels(codes, Bos, Pad, keepFirstColumn: true)[TensorIndex.Colon, TensorIndex.Slice(1, null)];

    /// <summary>Per item (K′, S_b) label rows → (B, S, K′) labels right-padded with −100, as the collator pads them.</summary>
    private static Tensor PadBatch(IReadOnlyList<Tensor> rows)
    {
        long s = rows.Max(r => r.shape[1]);
        return stack(rows.Select(r => nn.functional.pad(r, [0, s - r.shape[1]], value: SpecialTokens.IgnoreIndex).t()).ToArray(), 0).contiguous();
    }

    [Theory]
    [InlineData(TrackPattern.MixedPro, 50)]
    [InlineData(TrackPattern.InterleavingAV, 50)]
    [InlineData(TrackPattern.ParallelAV, 50)]
    public void A_tiny_model_overfits_a_fixed_batch_with_the_reference_weighted_loss(TrackPattern pattern, int totalSteps)
    {
        // One intra-op thread: tensors this small gain nothing from more, and on a loaded machine OpenMP's waits for
        // descheduled workers made each step ~30× slower. (OpenMP's thread count is per calling thread; restored below.)
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            Train(pattern, totalSteps);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private void Train(TrackPattern pattern, int totalSteps)
    {
        manual_seed(1234);
        using var model = new SongGenMixedForConditionalGeneration(Options(pattern));
        var frames = new[] { 6, 4 };
        var accCodes = frames.Select(f => randint(0, CodeRange, [Codebooks, f])).ToArray();
        var vocalCodes = frames.Select(f => randint(0, CodeRange, [Codebooks, f])).ToArray();
        Tensor labels;
        Tensor? vocalLabels = null;
        if (pattern.IsDualTrack())
            labels = PadBatch(accCodes.Zip(vocalCodes, (a, v) => DualTrackPatterns.Combine(TrackLabels(a).unsqueeze(0), TrackLabels(v).unsqueeze(0), pattern, Bos, Pad).squeeze(0)).ToList());
        else
        {
            labels = PadBatch(accCodes.Select(c => DelayPattern.BuildLabels(c, Bos, Pad)).ToList());
            vocalLabels = PadBatch(vocalCodes.Select(c => DelayPattern.BuildLabels(c, Bos, Pad)).ToList());
        }
        var text = randn(2, 3, 12);
        var textMask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }).view(2, 3);
        var lyrics = randint(1, 20, [2, 5]);
        var lyricsMask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }).view(2, 5);

        // the loss is compared with the step-0 weights in eval mode, so neither the curriculum nor dropout moves it
        using var fixedWeights = LossWeightCurriculum.Weights(0, totalSteps, Codebooks);
        (double Total, double Vocal) Evaluate()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            model.eval();
            using var result = model.Forward(text, textMask, lyrics, lyricsMask, labels: labels, vocalLabels: vocalLabels);
            var loss = SongGenForCausalLM.WeightedTrainingLoss(result.Decoder.CodebookLosses!, fixedWeights, result.Decoder.VocalCodebookLosses);
            double vocal = result.Decoder.VocalCodebookLosses is { } v ? (v * fixedWeights).sum().item<float>() : double.NaN;
            model.train();
            return (loss.item<float>(), vocal);
        }

        var (initial, initialVocal) = Evaluate();
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-2, beta1: 0.9, beta2: 0.99, weight_decay: 1e-4);
        var clock = Stopwatch.StartNew();
        model.train();
        long liveAfterFirstStep = 0;
        for (var step = 0; step < totalSteps; step++)
        {
            if (step == 1) liveAfterFirstStep = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var result = model.Forward(text, textMask, lyrics, lyricsMask, labels: labels, vocalLabels: vocalLabels);
            var weights = LossWeightCurriculum.Weights(step, totalSteps, Codebooks);
            var loss = SongGenForCausalLM.WeightedTrainingLoss(result.Decoder.CodebookLosses!, weights, result.Decoder.VocalCodebookLosses);
            Assert.False(float.IsNaN(loss.item<float>()), $"NaN loss at step {step}");
            loss.backward();
            optimizer.step();
        }
        clock.Stop();
        // per-step scopes keep memory flat: after the first step (which creates the optimiser state) nothing accumulates
        output.WriteLine($"live tensors on this thread after step 1: {liveAfterFirstStep}, at the end: {DisposeScopeManager.Statistics.ThreadTotalLiveCount}");
        Assert.True(liveAfterFirstStep > 0);
        Assert.Equal(liveAfterFirstStep, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        var (final, finalVocal) = Evaluate();
        output.WriteLine($"{pattern.ToHfName()}: weighted loss {initial:F4} -> {final:F4} ({100 * (1 - final / initial):F1}% lower) in {totalSteps} steps, {clock.ElapsedMilliseconds} ms");
        Assert.True(final <= 0.1 * initial, $"loss fell only from {initial:F4} to {final:F4}");
        if (vocalLabels is not null)
        {
            // the vocal heads learn too, through their 0.1 share of the loss
            output.WriteLine($"vocal part {initialVocal:F4} -> {finalVocal:F4}");
            Assert.True(finalVocal <= 0.1 * initialVocal, $"vocal loss fell only from {initialVocal:F4} to {finalVocal:F4}");
        }
    }
}
