namespace SongGen.Cli.Tests;

/// <summary><c>songgen model describe</c>: the full-size parameter list, built without allocating the weights.</summary>
public sealed class ModelCommandTests
{
    [Fact]
    public async Task Describe_mixed_pro_prints_every_parameter_tab_separated()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var result = await session.RunOkAsync("model", "describe", "--preset", "mixed_pro");
        var lines = result.OutLines;
        // 1063 table rows less the X-Codec (audio_encoder.*, 303) and MERT (mert_model.*, 1) rows.
        Assert.Equal(759, lines.Length);
        Assert.Equal("decoder.model.decoder.embed_tokens.0.weight\t[1088, 1024]", lines[0]);
        Assert.Contains("decoder.model.decoder.embed_positions.weights\t[6547, 1024]", lines);
        Assert.Contains("decoder.vocal_lm_heads.7.weight\t[1088, 1024]", lines);
        Assert.Contains("embed_prompts.weight\t[7000, 1024]", lines);
        Assert.Contains("lyrics_encoder.encoders.0.self_attn.pos_bias_u\t[16, 64]", lines);
        Assert.Contains("mert_layer_agg.weight\t[1, 25, 1]", lines);
        Assert.Contains("text_encoder.shared.weight\t[32128, 1024]", lines);
        Assert.Contains("text_encoder.encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight\t[32, 16]", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("text_encoder.encoder.embed_tokens.", StringComparison.Ordinal)
            || l.StartsWith("audio_encoder.", StringComparison.Ordinal) || l.StartsWith("mert_model.", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Equal(2, l.Split('\t').Length));
    }

    [Fact]
    public async Task Describe_reads_a_config_and_interleaving_has_no_vocal_heads()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var preset = await session.RunOkAsync("model", "describe", "--preset", "interleaving_A_V");
        Assert.Equal(751, preset.OutLines.Length);
        Assert.DoesNotContain(preset.OutLines, l => l.StartsWith("decoder.vocal_lm_heads.", StringComparison.Ordinal));

        var configPath = Path.Combine(session.Folder, "config.json");
        SongGen.Model.Config.SongGenPresets.Tiny(SongGen.Model.Config.TrackPattern.ParallelStd).Save(configPath);
        var tiny = await session.RunOkAsync("model", "describe", "--config", configPath);
        Assert.Contains("decoder.lm_heads.15.weight\t[1088, 32]", tiny.OutLines);
        Assert.Contains("text_encoder.shared.weight\t[128, 32]", tiny.OutLines);
    }

    [Fact]
    public async Task Describe_usage_errors_are_one_line()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        CliSession.AssertCleanFailure(await session.RunAsync("model", "describe"), 1);
        CliSession.AssertCleanFailure(await session.RunAsync("model", "describe", "--preset", "bogus"), 1);
        CliSession.AssertCleanFailure(await session.RunAsync("model", "describe", "--preset", "mixed_pro", "--config", "x.json"), 1);
        CliSession.AssertCleanFailure(await session.RunAsync("model", "describe", "--config", Path.Combine(session.Folder, "missing.json")), 1);
    }
}
