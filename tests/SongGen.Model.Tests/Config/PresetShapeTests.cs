using System.Globalization;
using SongGen.Model.Config;

namespace SongGen.Model.Tests.Config;

/// <summary>The parameter-shape tables of the released checkpoints (<c>../shared/spec/state-dict-*.tsv</c>, or
/// <c>SONGGEN_SPEC_DIR</c>): name, shape like <c>[1088, 1024]</c>, note.</summary>
internal static class StateDictTables
{
    public static string? Folder
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SONGGEN_SPEC_DIR") is { Length: > 0 } explicitDir) return explicitDir;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "spec");
                if (Directory.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

    public static Dictionary<string, long[]> Read(string file)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(Folder!, file)))
        {
            if (line.Length == 0) continue;
            var cells = line.Split('\t');
            var shape = cells[1].Trim().TrimStart('[').TrimEnd(']');
            result.Add(cells[0], shape.Length == 0 ? [] : shape.Split(',').Select(s => long.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToArray());
        }
        return result;
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, when the named spec table is absent.</summary>
public sealed class RequiresStateDictTableFactAttribute : FactAttribute
{
    public RequiresStateDictTableFactAttribute(string file)
    {
        if (StateDictTables.Folder is not { } folder || !File.Exists(Path.Combine(folder, file)))
            Skip = $"spec table {file} not found (../shared/spec or SONGGEN_SPEC_DIR)";
    }
}

public sealed class PresetShapeTests
{
    private static void AssertMatches(SongGenConfig config, string table)
    {
        var tsv = StateDictTables.Read(table)
            .Where(p => SongGenShapes.CoveredPrefixes.Any(prefix => p.Key.StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(p => p.Key, p => p.Value);
        var expected = SongGenShapes.Expected(config).ToDictionary(p => p.Name, p => p.Shape);
        Assert.Empty(tsv.Keys.Except(expected.Keys).Order());
        Assert.Empty(expected.Keys.Except(tsv.Keys).Order());
        foreach (var (name, shape) in expected)
            Assert.True(shape.SequenceEqual(tsv[name]), $"{name}: preset [{string.Join(", ", shape)}], table [{string.Join(", ", tsv[name])}]");
    }

    [RequiresStateDictTableFact("state-dict-mixed_pro.tsv")]
    public void MixedPro_matches_the_released_shapes() => AssertMatches(SongGenPresets.MixedPro, "state-dict-mixed_pro.tsv");

    [RequiresStateDictTableFact("state-dict-interleaving_A_V.tsv")]
    public void InterleavingAV_matches_the_released_shapes() => AssertMatches(SongGenPresets.InterleavingAV, "state-dict-interleaving_A_V.tsv");

    [RequiresStateDictTableFact("state-dict-mixed_pro.tsv")]
    public void Table_values_not_in_the_covered_prefixes_agree_with_the_presets()
    {
        var tsv = StateDictTables.Read("state-dict-mixed_pro.tsv");
        var c = SongGenPresets.MixedPro;
        // The projections from the lyrics Conformer and MERT output the decoder width.
        Assert.Equal(c.Decoder.HiddenSize, tsv["lyrics_to_dec_proj.weight"][0]);
        Assert.Equal(c.Decoder.HiddenSize, tsv["audio_mert_to_dec_proj.weight"][0]);
    }

    [Fact]
    public void Released_presets_have_the_documented_sizes()
    {
        var c = SongGenPresets.MixedPro;
        Assert.Equal((1088, 6547, 1024, 4096, 24, 16, 8), (c.Decoder.VocabSize, c.Decoder.MaxPositionEmbeddings, c.Decoder.HiddenSize, c.Decoder.FfnDim, c.Decoder.NumHiddenLayers, c.Decoder.NumAttentionHeads, c.Decoder.NumCodebooks));
        Assert.True(c.Decoder.HasVocalLmHeads);
        Assert.Equal((1024, 64, 2816, 24, 16, 32128, "gelu_new"), (c.TextEncoder.DModel, c.TextEncoder.DKv, c.TextEncoder.DFf, c.TextEncoder.NumLayers, c.TextEncoder.NumHeads, c.TextEncoder.VocabSize, c.TextEncoder.DenseActFn));
        Assert.Equal(7000, c.VocabSize);
        Assert.False(SongGenPresets.InterleavingAV.Decoder.HasVocalLmHeads);
        Assert.Equal(["SongGenDualTrackForConditionalGeneration"], SongGenPresets.InterleavingAV.Architectures);
        Assert.NotSame(SongGenPresets.MixedPro, SongGenPresets.MixedPro);
    }

    [Theory]
    [MemberData(nameof(ConfigRoundTripTests.Patterns), MemberType = typeof(ConfigRoundTripTests))]
    public void Tiny_presets_keep_the_layout_and_are_small(TrackPattern pattern)
    {
        var tiny = SongGenPresets.Tiny(pattern);
        tiny.Validate();
        var released = SongGenPresets.Released(pattern);
        Assert.Equal(pattern, tiny.TrackPattern);
        Assert.Equal(released.Decoder.VocabSize, tiny.Decoder.VocabSize);
        Assert.Equal(pattern.NumStreams(), tiny.Decoder.NumEmbedTokens);
        Assert.Equal(pattern == TrackPattern.MixedPro, tiny.Decoder.HasVocalLmHeads);
        var tinyShapes = SongGenShapes.Expected(tiny);
        var releasedShapes = SongGenShapes.Expected(released);
        long Count(IEnumerable<(string Name, long[] Shape)> s) => s.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));
        Assert.True(Count(tinyShapes) < 2_000_000, $"tiny has {Count(tinyShapes)} parameters");
        // Same names except for the layer counts.
        static string Layerless(string n) => System.Text.RegularExpressions.Regex.Replace(n, @"(layers|block)\.\d+\.", "$1.N.");
        var tinyNames = tinyShapes.Select(p => Layerless(p.Name)).ToHashSet();
        Assert.Equal(releasedShapes.Select(p => Layerless(p.Name)).ToHashSet(), tinyNames);
        Assert.Equal(pattern.IsParallel() ? 16 : 8, tinyShapes.Count(p => p.Name.StartsWith("decoder.lm_heads.", StringComparison.Ordinal)));
    }
}
