using SongGen.Model.Config;
using SongGen.Model.Decoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Decoder;

/// <summary>
/// Over <see cref="SongGenAttention.FusedProjectionMinRows"/> rows the projections and heads run as one matmul against
/// concatenated weights; below, as separate ones. Both paths must give the same numbers.
/// </summary>
public sealed class FusedProjectionTests
{
    private const long Long = 48, Short = 8;   // batch 2: 96 rows (fused) and 16 rows (separate)

    private static SongGenForCausalLM Model()
    {
        manual_seed(21);
        var lm = new SongGenForCausalLM(SongGenPresets.Tiny(TrackPattern.MixedPro).Decoder);
        lm.eval();
        return lm;
    }

    [Fact]
    public void Fused_and_separate_paths_give_the_same_logits()
    {
        Assert.True(2 * Long >= SongGenAttention.FusedProjectionMinRows && 2 * Short < SongGenAttention.FusedProjectionMinRows);
        using var scope = NewDisposeScope();
        using var lm = Model();
        using var noGrad = no_grad();
        var ids = randint(0, 1024, [2, 8, Long]);
        var longMemory = randn(2, Long, 32);    // k/v fused over the memory
        var shortMemory = longMemory[.., ..(int)Short];

        var fused = lm.Forward(ids, longMemory);
        var separateSelf = lm.Forward(ids[.., .., ..(int)Short], longMemory);
        Assert.True(Compare.MaxAbs(separateSelf.Logits, fused.Logits[.., ..(int)Short]) < 1e-5, "self-attention q/k/v and heads: fused vs separate");
        Assert.True(Compare.MaxAbs(separateSelf.VocalLogits!, fused.VocalLogits![.., ..(int)Short]) < 1e-5, "vocal heads: fused vs separate");

        var fusedMemory = lm.Forward(ids[.., .., ..(int)Short], longMemory[.., ..(int)Short].repeat(1, 6, 1));
        var separateMemory = lm.Forward(ids[.., .., ..(int)Short], shortMemory);
        // Repeating the memory 6 times leaves cross-attention unchanged (softmax over equal copies): only the k/v path differs.
        Assert.True(Compare.MaxAbs(fusedMemory.Logits, separateMemory.Logits) < 1e-5, "memory k/v: fused vs separate");
    }

    [Fact]
    public void A_fused_prefix_then_cached_steps_equal_the_full_forward()
    {
        using var scope = NewDisposeScope();
        using var lm = Model();
        using var noGrad = no_grad();
        var ids = randint(0, 1024, [2, 8, Long + 3]);
        var memory = randn(2, 40, 32);
        var full = lm.Forward(ids, memory).Logits.view(2, 8, Long + 3, -1);
        var prefix = lm.Forward(ids[.., .., ..(int)Long], memory, useCache: true);
        var past = prefix.PresentKeyValues;
        for (var t = Long; t < Long + 3; t++)
        {
            var step = lm.Forward(ids[.., .., (int)t..(int)(t + 1)], memory, pastKeyValues: past, useCache: true);
            Assert.True(Compare.MaxAbs(step.Logits.view(2, 8, 1, -1), full[.., .., (int)t..(int)(t + 1)]) < 1e-5, $"step {t}");
            past = step.PresentKeyValues;
        }
    }
}
