using SongGen.Model.Config;
using SongGen.Model.Codes;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Codes;

/// <summary>Fixture <c>logits_processor</c>: one processor per case, called step by step as generate calls it.</summary>
public sealed class LogitsProcessorFixtureTests
{
    [RequiresFixtureFact("logits_processor")]
    public void Every_case_masks_eos_step_by_step_exactly()
    {
        using var f = Fixture.Load("logits_processor");
        int checkedCases = 0;
        foreach (var entry in f.Config.GetProperty("cases").EnumerateArray())
        {
            var name = $"case{entry.GetProperty("case").GetInt32()}";
            var processor = new CodebookEosLogitsProcessor(
                entry.GetProperty("eos_token_id").GetInt64(),
                entry.GetProperty("num_codebooks").GetInt32(),
                entry.GetProperty("batch_size").GetInt32(),
                TrackPatterns.Parse(entry.GetProperty("track_pattern").GetString()!));
            var raw = f.Input($"{name}.raw_ids");
            var scores = f.Input($"{name}.scores");
            var expectedScores = f.Output($"{name}.scores");
            var expectedState = f.Output($"{name}.first_codebooks_unfinished");
            long steps = scores.shape[0];
            Assert.Equal(steps, expectedScores.shape[0]);
            for (long t = 0; t < steps; t++)
            {
                using var scope = NewDisposeScope();
                var ids = raw[TensorIndex.Colon, TensorIndex.Slice(0, t + 1)];
                var before = scores[t].clone();
                var output = processor.Process(ids, scores[t]);
                TensorAssert.Exact(before, scores[t], $"{name}: input scores left unchanged at t={t}");
                TensorAssert.Exact(expectedScores[t], output, $"{name}.scores[t={t}]");
                TensorAssert.Exact(expectedState[t], processor.FirstCodebooksUnfinishedTensor(), $"{name}.first_codebooks_unfinished[t={t}]");
            }
            checkedCases++;
        }
        Assert.Equal(f.Tensors.Keys.Count(key => key.StartsWith("outputs.") && key.EndsWith(".first_codebooks_unfinished")), checkedCases);
    }
}
