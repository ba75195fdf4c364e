using SongGen.Model.Codes;
using SongGen.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Codes;

/// <summary>
/// Delay / undelay round trips for every track pattern: codes written the way a finished generation writes them
/// (BOS column, then each track's delayed frames and EOS tail, combined per pattern) come back out of the generation
/// post-processing as the codes plus one EOS frame, per item and per track.
/// </summary>
public sealed class RoundTripTests
{
    private const long B = SpecialTokens.Bos, P = SpecialTokens.Pad, E = SpecialTokens.Eos;

    public static TheoryData<TrackPattern> AllPatterns() => new(TrackPatterns.All);

    /// <summary>Random codes (K, F) below the codebook size.</summary>
    private static Tensor Codes(int k, int frames, int seed)
    {
        using var g = new Generator((ulong)seed);
        return randint(0, SpecialTokens.CodebookSize, [k, frames], generator: g);
    }

    /// <summary>One track as generation writes it after the BOS column: row k = [BOS]*k, codes, [EOS]*(K−k).</summary>
    private static Tensor Delayed(Tensor codes) =>
        DelayPattern.BuildLabels(codes, keepFirstColumn: true)[TensorIndex.Colon, TensorIndex.Slice(1, null)];

    [Theory]
    [MemberData(nameof(AllPatterns))]
    public void Codes_survive_delay_combine_and_the_generation_undo(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        const int k = 4, frames = 5, batch = 2;
        long maxLength = pattern.IsInterleaved() ? 2 * (frames + k) + 9 : frames + k + 9;
        var eosColumn = full(new[] { (long)k, 1L }, E, ScalarType.Int64);
        var accCodes = Enumerable.Range(0, batch).Select(b => Codes(k, frames, 10 + b)).ToArray();
        var vocalCodes = Enumerable.Range(0, batch).Select(b => Codes(k, frames, 20 + b)).ToArray();

        if (!pattern.IsDualTrack())
        {
            var rows = cat(accCodes.Select(c => cat(new[] { full(new[] { (long)k, 1L }, B, ScalarType.Int64), Delayed(c) }, 1)).ToArray(), 0);
            var (_, genPattern) = DelayPattern.Build(full(new[] { batch * (long)k, 1L }, B, ScalarType.Int64), B, P, maxLength, k);
            TensorAssert.Exact(rows, DelayPattern.Apply(rows, genPattern), "the written ids already obey the pattern");
            var undone = DelayPattern.Undo(rows, genPattern, k);
            for (var b = 0; b < batch; b++)
                TensorAssert.Exact(cat(new[] { accCodes[b], eosColumn }, 1), undone[b], $"{pattern} item {b}");
            return;
        }

        int streams = pattern.NumStreams(k);
        var bodies = Enumerable.Range(0, batch).Select(b =>
            DualTrackPatterns.Combine(Delayed(accCodes[b]).unsqueeze(0), Delayed(vocalCodes[b]).unsqueeze(0), pattern).squeeze(0));
        var raw = cat(bodies.Select(body => cat(new[] { full(new[] { (long)streams, 1L }, B, ScalarType.Int64), body }, 1)).ToArray(), 0);
        var start = full(new[] { (long)batch, k, 1L }, B, ScalarType.Int64);
        var (startIds, pattern2) = DualTrackPatterns.BuildCombinedDelayPattern(start, start, pattern, B, P, maxLength, k);
        Assert.Equal(new long[] { batch * streams, 1 }, startIds.shape);
        TensorAssert.Exact(raw, DelayPattern.Apply(raw, pattern2), "the written ids already obey the combined pattern");

        var (acc, vocal) = DualTrackPatterns.UndoGeneration(raw, pattern2, pattern, k);
        Assert.Equal(new long[] { batch, k, frames + 1 }, acc.shape);
        for (var b = 0; b < batch; b++)
        {
            TensorAssert.Exact(cat(new[] { accCodes[b], eosColumn }, 1), acc[b], $"{pattern} acc item {b}");
            TensorAssert.Exact(cat(new[] { vocalCodes[b], eosColumn }, 1), vocal[b], $"{pattern} vocal item {b}");
        }

        if (pattern.IsInterleaved())
        {
            // an even length loses its last column: one more written column changes nothing
            var longer = cat(new[] { raw, full(new[] { raw.shape[0], 1L }, P, ScalarType.Int64) }, 1);
            var (acc2, vocal2) = DualTrackPatterns.UndoGeneration(longer, pattern2, pattern, k);
            TensorAssert.Exact(acc, acc2, "acc after an even length");
            TensorAssert.Exact(vocal, vocal2, "vocal after an even length");
        }
    }

    [Theory]
    [MemberData(nameof(AllPatterns))]
    public void Training_labels_of_every_pattern_split_back_into_the_track_labels(TrackPattern pattern)
    {
        using var scope = NewDisposeScope();
        const int k = 4, frames = 3;
        var acc = Delayed(Codes(k, frames, 1)).unsqueeze(0);
        if (!pattern.IsDualTrack())
        {
            // single track: the labels undo to the codes and the EOS frame
            var labels = DelayPattern.BuildLabels(Codes(k, frames, 1), keepFirstColumn: true);
            var undone = DelayPattern.UndoDelayed(labels, k);
            TensorAssert.Exact(cat(new[] { Codes(k, frames, 1), full(new[] { (long)k, 1L }, E, ScalarType.Int64) }, 1).unsqueeze(0), undone, "single-track labels");
            return;
        }
        var vocal = Delayed(Codes(k, frames, 2)).unsqueeze(0);
        var combined = DualTrackPatterns.Combine(acc, vocal, pattern);
        var (a, v) = DualTrackPatterns.Split(combined, pattern, k);
        if (pattern is TrackPattern.ParallelAV)
        {
            // the split keeps the lag columns: acc gains a PAD column at the end, vocal a BOS column at the start
            TensorAssert.Exact(acc, a[.., .., ..^1], "acc");
            TensorAssert.Exact(vocal, v[.., .., 1..], "vocal");
            Assert.True(a[.., .., ^1].eq(P).all().item<bool>() && v[.., .., 0].eq(B).all().item<bool>());
        }
        else if (pattern is TrackPattern.ParallelVA)
        {
            TensorAssert.Exact(acc, a[.., .., 1..], "acc");
            TensorAssert.Exact(vocal, v[.., .., ..^1], "vocal");
            Assert.True(a[.., .., 0].eq(B).all().item<bool>() && v[.., .., ^1].eq(P).all().item<bool>());
        }
        else
        {
            TensorAssert.Exact(acc, a, "acc");
            TensorAssert.Exact(vocal, v, "vocal");
        }
    }
}
