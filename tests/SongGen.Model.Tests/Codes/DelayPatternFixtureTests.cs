using System.Text.Json;
using SongGen.Model.Codes;

namespace SongGen.Model.Tests.Codes;

/// <summary>Fixture <c>delay_pattern</c>: build / apply for every <c>caseN</c>, preprocessing labels for every <c>prepN</c>.</summary>
public sealed class DelayPatternFixtureTests
{
    [RequiresFixtureFact("delay_pattern")]
    public void Every_case_matches_build_and_apply_exactly()
    {
        using var f = Fixture.Load("delay_pattern");
        long bos = f.Config.GetProperty("bos_token_id").GetInt64();
        long pad = f.Config.GetProperty("pad_token_id").GetInt64();
        int checkedCases = 0;
        foreach (var entry in f.Config.GetProperty("cases").EnumerateArray())
        {
            if (!entry.TryGetProperty("case", out var caseNumber)) continue;
            var name = $"case{caseNumber.GetInt32()}";
            var maxLength = TensorAssert.Scalar(f.Input($"{name}.max_length"));
            var k = (int)TensorAssert.Scalar(f.Input($"{name}.num_codebooks"));
            var (ids, pattern) = DelayPattern.Build(f.Input($"{name}.input_ids"), bos, pad, maxLength, k);
            using (ids)
            using (pattern)
            {
                TensorAssert.ByFixture(f, $"{name}.input_ids", ids);
                TensorAssert.ByFixture(f, $"{name}.pattern", pattern);
                // apply on the fixture's pattern, and on ours (equal by now)
                using var applied = DelayPattern.Apply(f.Input($"{name}.raw_ids"), f.Output($"{name}.pattern"));
                TensorAssert.ByFixture(f, $"{name}.applied", applied);
            }
            checkedCases++;
        }
        Assert.True(checkedCases > 0, "no caseN in config.cases");
        Assert.Equal(f.Tensors.Keys.Count(key => key.StartsWith("outputs.case") && key.EndsWith(".pattern")), checkedCases);
    }

    [RequiresFixtureFact("delay_pattern")]
    public void Every_prep_case_matches_the_preprocessing_labels()
    {
        using var f = Fixture.Load("delay_pattern");
        long bos = f.Config.GetProperty("bos_token_id").GetInt64();
        long pad = f.Config.GetProperty("pad_token_id").GetInt64();
        int checkedCases = 0;
        foreach (var entry in f.Config.GetProperty("cases").EnumerateArray())
        {
            if (!entry.TryGetProperty("prep", out var prepNumber)) continue;
            var name = $"prep{prepNumber.GetInt32()}";
            using var labels = DelayPattern.BuildLabels(f.Input($"{name}.codes"), bos, pad);
            TensorAssert.ByFixture(f, $"{name}.labels", labels);
            checkedCases++;
        }
        Assert.True(checkedCases > 0, "no prepN in config.cases");
        Assert.Equal(f.Tensors.Keys.Count(key => key.StartsWith("outputs.prep")), checkedCases);
    }
}
