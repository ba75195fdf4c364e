using SongGen.Model.Config;
using SongGen.Model.Codes;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Codes;

/// <summary>Fixture <c>dual_track_patterns</c>: combine / split / combined delay pattern for every listed pattern.</summary>
public sealed class DualTrackPatternsFixtureTests
{
    [RequiresFixtureFact("dual_track_patterns")]
    public void Every_pattern_combines_splits_and_builds_the_combined_delay_pattern_exactly()
    {
        using var f = Fixture.Load("dual_track_patterns");
        long bos = f.Config.GetProperty("bos_token_id").GetInt64();
        long pad = f.Config.GetProperty("pad_token_id").GetInt64();
        int k = f.Config.GetProperty("num_codebooks").GetInt32();
        long maxLength = TensorAssert.Scalar(f.Input("max_length"));
        long postMaxLength = TensorAssert.Scalar(f.Input("post_max_length"));
        var acc = f.Input("acc");
        var vocal = f.Input("vocal");
        long batch = acc.shape[0];

        var names = f.Config.GetProperty("patterns").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            using var scope = NewDisposeScope();
            var pattern = TrackPatterns.Parse(name);

            var combined = DualTrackPatterns.Combine(acc, vocal, pattern, bos, pad);
            TensorAssert.ByFixture(f, $"{name}.combined", combined);
            var (splitAcc, splitVocal) = DualTrackPatterns.Split(f.Output($"{name}.combined"), pattern, k);
            TensorAssert.ByFixture(f, $"{name}.split_acc", splitAcc);
            TensorAssert.ByFixture(f, $"{name}.split_vocal", splitVocal);

            var start = full(new[] { batch, k, 1L }, bos, ScalarType.Int64);
            var (startIds, startPattern) = DualTrackPatterns.BuildCombinedDelayPattern(start, start, pattern, bos, pad, maxLength, k);
            TensorAssert.ByFixture(f, $"{name}.start_input_ids", startIds);
            TensorAssert.ByFixture(f, $"{name}.start_pattern", startPattern);

            var (promptIds, promptPattern) = DualTrackPatterns.BuildCombinedDelayPattern(f.Input("acc_prompt"), f.Input("vocal_prompt"), pattern, bos, pad, maxLength, k);
            TensorAssert.ByFixture(f, $"{name}.prompt_input_ids", promptIds);
            TensorAssert.ByFixture(f, $"{name}.prompt_pattern", promptPattern);

            var (postIds, postPattern) = DualTrackPatterns.BuildCombinedDelayPattern(start, start, pattern, bos, pad, postMaxLength, k);
            TensorAssert.ByFixture(f, $"{name}.post_input_ids", postIds);
            TensorAssert.ByFixture(f, $"{name}.post_pattern", postPattern);
        }
    }
}
