using SongGen.Model.Codes;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

using static SongGen.Model.Tests.Generation.TinyGenerationSetup;

namespace SongGen.Model.Tests.Generation;

public sealed class SongGenGeneratorTests
{
    private static GenerationConfig Config(bool sample, int maxLength = 20, bool cache = true) =>
        TinyGenerationSetup.Config(TrackPattern.MixedPro, sample, maxLength, cache);

    [Theory]
    [InlineData(TrackPattern.Mixed)]
    [InlineData(TrackPattern.MixedPro)]
    public void Greedy_with_the_cache_equals_greedy_recomputing_the_sequence(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(pattern);
        using var cond = Conditioning(2);
        using var cached = SongGenGenerator.Generate(lm, cond, Config(false, 24, cache: true), seed: 1);
        using var full = SongGenGenerator.Generate(lm, cond, Config(false, 24, cache: false), seed: 1);
        Assert.Equal(new long[] { 16, 24 }, cached.RawIds.shape);
        Assert.Equal(Values(full.RawIds), Values(cached.RawIds));
        Assert.Equal(Values(full.Frames), Values(cached.Frames));
    }

    [Fact]
    public void Sampling_cached_equals_sampling_uncached_with_the_same_seed()
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.MixedPro);
        using var cond = Conditioning(2);
        using var a = SongGenGenerator.Generate(lm, cond, Config(true, 16, cache: true), seed: 42);
        using var b = SongGenGenerator.Generate(lm, cond, Config(true, 16, cache: false), seed: 42);
        Assert.Equal(Values(a.RawIds), Values(b.RawIds));
    }

    [Fact]
    public void Same_seed_gives_the_same_codes_and_another_seed_different_ones()
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.MixedPro);
        using var cond = Conditioning(2);
        var g = Config(true, 30);
        using var a = SongGenGenerator.Generate(lm, cond, g, seed: 123);
        using var b = SongGenGenerator.Generate(lm, cond, g, seed: 123);
        using var c = SongGenGenerator.Generate(lm, cond, g, seed: 124);
        Assert.Equal(Values(a.RawIds), Values(b.RawIds));
        Assert.Equal(a.Codes.Count, b.Codes.Count);
        for (var i = 0; i < a.Codes.Count; i++) Assert.Equal(Values(a.Codes[i]), Values(b.Codes[i]));
        Assert.NotEqual(Values(a.RawIds), Values(c.RawIds));
        // the global torch RNG plays no part
        manual_seed(777);
        using var d = SongGenGenerator.Generate(lm, cond, g, seed: 123);
        Assert.Equal(Values(a.RawIds), Values(d.RawIds));
    }

    [Fact]
    public void Batch_of_two_equals_two_batches_of_one_under_greedy()
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.Mixed);
        using var cond = Conditioning(2);
        var g = Config(false, 24);
        using var both = SongGenGenerator.Generate(lm, cond, g, seed: 0);
        for (long b = 0; b < 2; b++)
        {
            long valid = cond.AttentionMask[b].sum().item<long>();
            using var single = new SongGenConditioning(
                cond.HiddenStates[TensorIndex.Slice(b, b + 1), TensorIndex.Slice(0, valid)].clone(),
                cond.AttentionMask[TensorIndex.Slice(b, b + 1), TensorIndex.Slice(0, valid)].clone());
            using var one = SongGenGenerator.Generate(lm, single, g, seed: 0);
            Assert.Equal(Values(both.RawIds[TensorIndex.Slice(b * 8, b * 8 + 8)]), Values(one.RawIds));
            Assert.Equal(Values(both.Codes[(int)b]), Values(one.Codes[0]));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Output_frames_hold_no_special_ids_and_the_max_length_is_respected(bool sample)
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.MixedPro);
        using var cond = Conditioning(2);
        var g = Config(sample, 40);
        g.TopK = 0;   // full vocabulary: special ids do get sampled by the random model
        using var r = SongGenGenerator.Generate(lm, cond, g, seed: 3);
        Assert.True(r.RawIds.shape[1] <= 40);
        Assert.Equal(new long[] { 2, 8, r.RawIds.shape[1] - 8 }, r.Frames.shape);
        Assert.Equal(2, r.Codes.Count);
        foreach (var c in r.Codes)
        {
            Assert.Equal(8, c.shape[0]);
            Assert.True(c.shape[1] <= r.Frames.shape[2]);
            if (c.numel() > 0) Assert.True(c.max().item<long>() < SpecialTokens.CodebookSize && c.min().item<long>() >= 0);
        }
        // the kept frames are exactly the frames of all-regular ids, in order
        for (var b = 0; b < 2; b++)
        {
            var frames = r.Frames[b];
            var keep = frames.lt(1024).all(0);
            Assert.Equal(Values(frames.index_select(1, keep.nonzero().view(-1))), Values(r.Codes[b]));
        }

        using var shorter = SongGenGenerator.Generate(lm, cond, g, seed: 3, maxNewTokens: 20);
        Assert.Equal(21, shorter.RawIds.shape[1]);
        Assert.Equal(20, shorter.Steps);
        // the pattern is built for the shorter max length: row k is PAD from column 21 − 8 + 1 + k
        var tail = shorter.DelayedIds.view(2, 8, 21);
        for (var k = 0; k < 8; k++)
            {
                var pads = Values(tail[TensorIndex.Colon, TensorIndex.Single(k), TensorIndex.Slice(14 + k, null)]);
                Assert.Equal(2 * (7 - k), pads.Length);
                Assert.All(pads, v => Assert.Equal(SpecialTokens.Pad, v));
            }
        g.MaxNewTokens = 10;
        using var viaConfig = SongGenGenerator.Generate(lm, cond, g, seed: 3);
        Assert.Equal(11, viaConfig.RawIds.shape[1]);
    }

    [Fact]
    public void Delayed_positions_are_forced_and_generation_stops_once_every_codebook_ended()
    {
        using var scope = NewDisposeScope();
        using var lm = TinyDecoder(TrackPattern.Mixed);
        // make EOS the most likely token of every head (final norm output fixed to all ones, EOS rows raised):
        // the EOS processor then lets codebook k end at step k
        using (no_grad())
            foreach (var (name, p) in lm.named_parameters())
            {
                if (name == "model.decoder.layer_norm.weight") p.zero_();
                if (name == "model.decoder.layer_norm.bias") p.fill_(1.0);
                if (name.StartsWith("lm_heads.")) p[SpecialTokens.Eos] = p[SpecialTokens.Eos] + 100f;
            }
        using var cond = Conditioning(2);
        using var r = SongGenGenerator.Generate(lm, cond, Config(false, 40), seed: 0);
        Assert.True(9 == r.RawIds.shape[1], string.Join(",", Values(r.RawIds)));                 // BOS + 8 steps: codebook k emits EOS at step k
        var raw = r.RawIds.view(2, 8, 9);
        for (var k = 0; k < 8; k++)
        {
            Assert.Equal(SpecialTokens.Eos, raw[0, k, k + 1].item<long>());
            if (k > 0) Assert.NotEqual(SpecialTokens.Eos, raw[0, k, k].item<long>());   // not before codebook k−1 ended
        }
        // delay-masked output: BOS in columns 0..k of row k, PAD from column 9−8+k
        var delayed = r.DelayedIds.view(2, 8, 9);
        for (var k = 0; k < 8; k++)
            for (var c = 0; c <= k; c++)
                Assert.Equal(SpecialTokens.Bos, delayed[1, k, c].item<long>());
        Assert.All(r.Codes, c => Assert.Equal(0, c.shape[1]));
    }
}
