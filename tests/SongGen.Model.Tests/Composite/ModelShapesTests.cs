using System.Globalization;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Tests.Config;

namespace SongGen.Model.Tests.Composite;

/// <summary>The full-size module tree, built on the meta device, against the released state-dict tables.</summary>
public sealed class ModelShapesTests
{
    /// <summary>The table's rows in file order, without MERT (<c>mert_model.*</c>) and the X-Codec (<c>audio_encoder.*</c>).</summary>
    private static List<(string Name, long[] Shape)> TableRows(string file)
    {
        var rows = new List<(string, long[])>();
        foreach (var line in File.ReadLines(Path.Combine(StateDictTables.Folder!, file)))
        {
            if (line.Length == 0) continue;
            var cells = line.Split('\t');
            if (SongGenModelShapes.ExternalPrefixes.Any(p => cells[0].StartsWith(p, StringComparison.Ordinal))) continue;
            var shape = cells[1].Trim().TrimStart('[').TrimEnd(']');
            rows.Add((cells[0], shape.Length == 0 ? [] : shape.Split(',').Select(s => long.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToArray()));
        }
        return rows;
    }

    private static void AssertMatches(SongGenConfig config, string file)
    {
        var table = TableRows(file);
        var described = SongGenModelShapes.Describe(config);
        Assert.DoesNotContain(table, r => r.Name.Contains('*'));
        Assert.Equal(described.Count, described.Select(p => p.Name).Distinct().Count());
        var expected = table.ToDictionary(r => r.Name, r => r.Shape);
        var actual = described.ToDictionary(r => r.Name, r => r.Shape);
        Assert.Empty(expected.Keys.Except(actual.Keys).Order());   // nothing missing
        Assert.Empty(actual.Keys.Except(expected.Keys).Order());   // nothing extra
        var wrong = actual.Where(p => !p.Value.SequenceEqual(expected[p.Key]))
            .Select(p => $"{p.Key}: model {SongGenModelShapes.FormatShape(p.Value)}, table {SongGenModelShapes.FormatShape(expected[p.Key])}");
        Assert.Empty(wrong);
        // Order is not compared: the table lists a module's own parameters (pos_bias_u/v) after its submodules',
        // state_dict() before them, and safetensors files sort their keys anyway.
    }

    [RequiresStateDictTableFact("state-dict-mixed_pro.tsv")]
    public void MixedPro_module_tree_equals_the_released_state_dict() => AssertMatches(SongGenPresets.MixedPro, "state-dict-mixed_pro.tsv");

    [RequiresStateDictTableFact("state-dict-interleaving_A_V.tsv")]
    public void InterleavingAV_module_tree_equals_the_released_state_dict() => AssertMatches(SongGenPresets.InterleavingAV, "state-dict-interleaving_A_V.tsv");

    [Theory]
    [MemberData(nameof(ConfigRoundTripTests.Patterns), MemberType = typeof(ConfigRoundTripTests))]
    public void Describe_agrees_with_the_config_shapes_for_every_pattern(TrackPattern pattern)
    {
        var config = SongGenPresets.Released(pattern);
        var described = SongGenModelShapes.Describe(config).ToDictionary(p => p.Name, p => p.Shape);
        foreach (var (name, shape) in SongGenShapes.Expected(config))
            Assert.True(described.TryGetValue(name, out var actual) && actual.SequenceEqual(shape), name);
        Assert.Equal(pattern == TrackPattern.MixedPro, described.ContainsKey("decoder.vocal_lm_heads.0.weight"));
        Assert.DoesNotContain(described.Keys, n => n == "text_encoder." + SongGen.Model.TextEncoder.T5EncoderModel.TiedEmbedTokensKey);
    }
}
