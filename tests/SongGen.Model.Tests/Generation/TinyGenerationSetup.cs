using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Generation;

/// <summary>The tiny seeded decoders, memories and generation configs the generation tests share.</summary>
internal static class TinyGenerationSetup
{
    public static SongGenForCausalLM TinyDecoder(TrackPattern pattern, int seed = 5)
    {
        manual_seed(seed);
        var lm = new SongGenForCausalLM(SongGenPresets.Tiny(pattern).Decoder);
        lm.eval();
        return lm;
    }

    /// <summary>Memory (B, 6, 32); item 1 has its last two positions padded.</summary>
    public static SongGenConditioning Conditioning(long batch, int seed = 9)
    {
        manual_seed(seed);
        var memory = randn(batch, 6, 32);
        var mask = ones(batch, 6, ScalarType.Int64);
        if (batch > 1) mask[1, 4..] = tensor(0L);
        return new SongGenConditioning(memory, mask);
    }

    public static GenerationConfig Config(TrackPattern pattern, bool sample, int maxLength, bool cache = true)
    {
        var g = SongGenPresets.TinyGeneration(pattern);
        g.DoSample = sample;
        g.MaxLength = maxLength;
        g.UseCache = cache;
        return g;
    }

    public static long[] Values(Tensor t) => t.numel() == 0 ? [] : t.contiguous().data<long>().ToArray();
}
