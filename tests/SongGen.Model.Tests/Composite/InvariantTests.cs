using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Generation;
using SongGen.Model.Lyrics;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Composite;

/// <summary>
/// Invariants of the whole composite model (tiny sizes, eval mode): causality over decoder frames, and padding
/// invariance of the lyrics Conformer and of the conditioning memory.
/// </summary>
public sealed class InvariantTests
{
    private const long Vocab = 40, Bos = 33;

    internal static SongGenMixedOptions Options(TrackPattern pattern) => new()
    {
        Decoder = new SongGenDecoderConfig
        {
            VocabSize = (int)Vocab, MaxPositionEmbeddings = 64, HiddenSize = 16, FfnDim = 32, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 4, NumCrossAttentionKeyValueHeads = 4, NumCodebooks = 4,
            TrackPattern = pattern, AddVocalLoss = pattern == TrackPattern.MixedPro, PadTokenId = 32, BosTokenId = (int)Bos, EosTokenId = 32,
        },
        TextHiddenSize = 12,
        PromptVocabSize = 20,
        LyricsEncoder = new ConformerEncoderOptions { InputSize = 16, OutputSize = 8, AttentionHeads = 2, LinearUnits = 16, NumBlocks = 2 },
        MertLayers = 25,
        MertHiddenSize = 12,
    };

    private static SongGenMixedForConditionalGeneration Model(TrackPattern pattern, int seed = 3)
    {
        manual_seed(seed);
        var model = new SongGenMixedForConditionalGeneration(Options(pattern));
        model.eval();
        return model;
    }

    [Theory]
    [InlineData(TrackPattern.MixedPro)]
    [InlineData(TrackPattern.InterleavingAV)]
    [InlineData(TrackPattern.ParallelAV)]
    public void Changing_a_future_frame_never_changes_earlier_logits(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var model = Model(pattern);
        using var noGrad = no_grad();
        manual_seed(4);
        int streams = pattern.NumStreams(4);
        const long s = 10;
        var text = randn(2, 3, 12);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }).view(2, 3);
        var lyrics = randint(1, 20, [2, 5]);
        var lyricsMask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }).view(2, 5);
        var mert = randn(25, 2, 2, 12);
        var wave = randn(2, 10);
        var ids = randint(0, Bos + 1, [2, streams, s]);

        using var reference = model.Forward(text, mask, lyrics, lyricsMask, mert, wave, decoderInputIds: ids);
        foreach (var t0 in new long[] { 1, 6, 9 })
        {
            var changed = ids.clone();
            changed[.., .., (int)t0] = (ids[.., .., (int)t0] + 1 + randint(0, Bos, [2, streams])) % (Bos + 1);   // every row differs at t0
            Assert.True(changed[.., .., (int)t0].ne(ids[.., .., (int)t0]).all().item<bool>());
            using var other = model.Forward(text, mask, lyrics, lyricsMask, mert, wave, decoderInputIds: changed);
            var before = ..(int)t0;
            Assert.True(Compare.MaxAbs(reference.Logits[.., before], other.Logits[.., before]) == 0, $"logits before frame {t0} changed");
            Assert.True(Compare.MaxAbs(reference.Logits[.., (int)t0..], other.Logits[.., (int)t0..]) > 1e-4, $"frame {t0} changed nothing (the check would be vacuous)");
            if (reference.Decoder.VocalLogits is { } vocal)
                Assert.True(Compare.MaxAbs(vocal[.., before], other.Decoder.VocalLogits![.., before]) == 0, "vocal logits before the change moved");
        }
    }

    [Fact]
    public void Padded_lyrics_positions_do_not_change_the_real_lyrics_states()
    {
        using var scope = NewDisposeScope();
        using var model = Model(TrackPattern.MixedPro);
        using var noGrad = no_grad();
        var shortIds = tensor(new long[] { 1, 5, 7, 9 }).view(1, 4);
        var alone = model.EncodeLyrics(shortIds, ones(1, 4, ScalarType.Int64));
        // the same lyrics right-padded with arbitrary ids to 7 positions, batched with a full-length item
        foreach (var junk in new long[] { 0, 13 })
        {
            var padded = cat([shortIds, full(new long[] { 1, 3 }, junk, ScalarType.Int64)], 1);
            var longer = tensor(new long[] { 3, 1, 4, 1, 5, 9, 2 }).view(1, 7);
            var batch = cat([padded, longer], 0);
            var batchMask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1 }).view(2, 7);
            var states = model.EncodeLyrics(batch, batchMask);
            Assert.Equal(new long[] { 2, 7, 16 }, states.shape);
            Assert.True(Compare.MaxAbs(states[0, ..4], alone[0]) < 1e-5, $"padding with {junk} changed the real positions");
            var longAlone = model.EncodeLyrics(longer, ones(1, 7, ScalarType.Int64));
            Assert.True(Compare.MaxAbs(states[1], longAlone[0]) < 1e-5, "batching with a padded item changed the full item");
        }
    }

    [Theory]
    [InlineData(TrackPattern.MixedPro)]
    [InlineData(TrackPattern.InterleavingAV)]
    public void Padded_description_and_lyrics_positions_do_not_change_the_logits_or_the_loss(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        using var model = Model(pattern);
        using var noGrad = no_grad();
        manual_seed(6);
        int streams = pattern.NumStreams(4);
        var text = randn(1, 3, 12);
        var lyrics = randint(1, 20, [1, 4]);
        var labels = randint(0, 32, [1, 8, streams]);
        Tensor? vocalLabels = pattern == TrackPattern.MixedPro ? randint(0, 32, [1, 8, 4]) : null;
        using var plain = model.Forward(text, ones(1, 3, ScalarType.Int64), lyrics, ones(1, 4, ScalarType.Int64), labels: labels, vocalLabels: vocalLabels);

        // two extra description positions holding arbitrary states, three extra lyrics positions holding arbitrary ids
        var paddedText = cat([text, randn(1, 2, 12) * 10], 1);
        var textMask = tensor(new long[] { 1, 1, 1, 0, 0 }).view(1, 5);
        var paddedLyrics = cat([lyrics, randint(0, 20, [1, 3])], 1);
        var lyricsMask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0 }).view(1, 7);
        using var padded = model.Forward(paddedText, textMask, paddedLyrics, lyricsMask, labels: labels, vocalLabels: vocalLabels);

        Assert.Equal(new long[] { 1, 12, 16 }, padded.EncoderHiddenStates.shape);
        Assert.True(padded.EncoderHiddenStates[0, 3..5].abs().max().item<float>() == 0, "description padding is zeroed");
        Assert.True(Compare.MaxAbs(plain.Logits, padded.Logits) < 1e-5, "logits moved with padding");
        Assert.True(Compare.MaxAbs(plain.Loss!, padded.Loss!) < 1e-5, "loss moved with padding");
        if (vocalLabels is not null) Assert.True(Compare.MaxAbs(plain.Decoder.VocalLoss!, padded.Decoder.VocalLoss!) < 1e-5);

        // and generation from the padded conditioning gives the same codes (greedy)
        var g = SongGenPresets.TinyGeneration(pattern);
        g.DoSample = false;
        g.MaxLength = 20;
        g.BosTokenId = (int)Bos;
        g.DecoderStartTokenId = (int)Bos;
        g.PadTokenId = 32;
        g.EosTokenIds = [32];
        using var plainCond = model.PrepareGenerationConditioning(text, ones(1, 3, ScalarType.Int64), lyrics, ones(1, 4, ScalarType.Int64));
        using var paddedCond = model.PrepareGenerationConditioning(paddedText, textMask, paddedLyrics, lyricsMask);
        Tensor RawIds(SongGenConditioning c) => pattern.IsDualTrack()
            ? SongGenGenerator.GenerateDualTrack(model, c, g, seed: 0).RawIds
            : SongGenGenerator.Generate(model, c, g, seed: 0).RawIds;
        Assert.Equal(RawIds(plainCond).data<long>().ToArray(), RawIds(paddedCond).data<long>().ToArray());
    }
}
