using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Generation;

/// <summary>
/// The KV-cache invariant: at every step of a cached generation, the logits of the newest position equal those of a
/// full-sequence forward over the delayed ids generated so far (single-track and dual-track patterns).
/// </summary>
public sealed class CacheInvariantTests
{
    [Theory]
    [InlineData(TrackPattern.MixedPro)]
    [InlineData(TrackPattern.InterleavingAV)]
    [InlineData(TrackPattern.ParallelAV)]
    public void Every_cached_step_equals_the_full_forward(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var lm = new SongGenForCausalLM(SongGenPresets.Tiny(pattern).Decoder);
        lm.eval();
        var memory = randn(2, 5, 32);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }).view(2, 5);
        using var cond = new SongGenConditioning(memory, mask);
        var g = SongGenPresets.TinyGeneration(pattern);
        g.DoSample = true;
        g.MaxLength = 24;

        Tensor delayed;
        IReadOnlyList<Tensor> steps;
        if (pattern.IsDualTrack())
        {
            var r = SongGenGenerator.GenerateDualTrack(lm, cond, g, seed: 8, keepStepLogits: true);
            (delayed, steps) = (r.DelayedIds, r.StepLogits!);
        }
        else
        {
            var r = SongGenGenerator.Generate(lm, cond, g, seed: 8, keepStepLogits: true);
            (delayed, steps) = (r.DelayedIds, r.StepLogits!);
        }
        long length = delayed.shape[1];
        Assert.Equal(24, length);
        Assert.Equal(length - 1, steps.Count);

        using var noGrad = no_grad();
        // the input of step t is delayed column t, so one forward over columns 0..L−2 sees every step's context
        var logits = lm.Forward(delayed[.., ..(int)(length - 1)], memory, mask).Logits;   // (B·K′, L−1, V)
        for (var t = 0; t < steps.Count; t++)
        {
            var err = Compare.MaxAbs(steps[t], logits[.., t]);
            Assert.True(err < 1e-5, $"step {t}: max |cached − full| = {err:G3}");
        }
        // and the steps do see different contexts (the check can fail)
        Assert.True(Compare.MaxAbs(steps[0], steps[^1]) > 1e-3);
    }
}
