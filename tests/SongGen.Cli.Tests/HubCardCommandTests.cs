using System.Text.Json;
using SongGen.Hub.Cards;
using SongGen.Model.Config;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen hub card init|show|validate</c>: cards written, read and checked locally, with clean failures.</summary>
public sealed class HubCardCommandTests
{
    [Fact]
    public void The_card_modes_are_exactly_the_models_track_patterns()
    {
        Assert.Equal(TrackPatterns.All.Select(p => p.ToHfName()).Order(), SongGenModelCard.Modes.Keys.Order());
        foreach (var pattern in TrackPatterns.All)
            Assert.Equal(pattern.ToHfName().StartsWith("parallel", StringComparison.Ordinal) ? 16 : 8, SongGenModelCard.CodebookRows(pattern.ToHfName()));
    }

    [Fact]
    public async Task Init_writes_the_card_and_loss_curve_then_show_and_validate_read_them()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var log = Path.Combine(session.Folder, "log.csv");
        File.WriteAllLines(log, ["step,loss,codebook_0,codebook_1,codebook_2,codebook_3,codebook_4,codebook_5,codebook_6,codebook_7,vocal_0,vocal_1,vocal_2,vocal_3,vocal_4,vocal_5,vocal_6,vocal_7",
            .. Enumerable.Range(0, 20).Select(i => string.Join(',', [i * 50, .. Enumerable.Range(0, 17).Select(k => (6.0 - i * 0.1 - k * 0.01).ToString(System.Globalization.CultureInfo.InvariantCulture))]))]);
        var folder = Path.Combine(session.Folder, "model");

        var init = await session.RunOkAsync("hub", "card", "init", folder, "--mode", "mixed_pro", "--license", "cc-by-nc-4.0",
            "--repo", "alice/songgen-run", "--base-model", "LiuZH-19/SongGen_mixed_pro", "--dataset", "google/MusicCaps", "--loss-log", log);
        Assert.Contains(init.OutLines, l => l.EndsWith("loss_curve.png", StringComparison.Ordinal));
        var readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        Assert.Contains("| Training steps | 950 |", readme);
        Assert.Contains("| total | 4.1000 |", readme);
        Assert.Contains("| codebook 7 | 4.0200 |", readme);
        Assert.Contains("| vocal head 0 | 4.0100 |", readme);
        Assert.Contains("![Training loss curves](loss_curve.png)", readme);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(Path.Combine(folder, "loss_curve.png"))[..4]);

        var show = await session.RunOkAsync("hub", "card", "show", folder);
        Assert.Contains("  license:       cc-by-nc-4.0", show.OutLines);
        Assert.Contains("  base model:    LiuZH-19/SongGen_mixed_pro", show.OutLines);
        Assert.Contains("  relation:      finetune", show.OutLines);

        var json = await session.RunOkAsync("hub", "card", "show", folder, "--json");
        using (var document = JsonDocument.Parse(json.Out))
            Assert.Equal("text-to-audio", document.RootElement.GetProperty("pipeline_tag").GetString());

        var validate = await session.RunOkAsync("hub", "card", "validate", folder);
        Assert.Equal([$"{Path.Combine(folder, "README.md")}: ok"], validate.OutLines);

        // A second init does not replace the card without --force, and leaves it as it was.
        var again = await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit");
        CliSession.AssertCleanFailure(again, 1);
        Assert.Contains("--force", again.Err);
        Assert.Equal(readme, File.ReadAllText(Path.Combine(folder, "README.md")));
        await session.RunOkAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit", "--force");
        Assert.Contains("`mixed`", File.ReadAllText(Path.Combine(folder, "README.md")));
    }

    [Fact]
    public async Task Init_update_keeps_the_authors_keys_and_comments_and_refreshes_the_facts()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var folder = Path.Combine(session.Folder, "model");
        Directory.CreateDirectory(folder);
        var readme = Path.Combine(folder, "README.md");
        File.WriteAllText(readme, "---\n# reviewed by the team\nlicense: cc-by-nc-4.0\nthumbnail: cover.png  # shown on the Hub\ntags:\n- old-tag\n---\n# Old body\n");

        await session.RunOkAsync("hub", "card", "init", folder, "--mode", "interleaving_A_V", "--license", "cc-by-nc-4.0", "--steps", "5000", "--update");
        var text = File.ReadAllText(readme);
        Assert.StartsWith("---\n# reviewed by the team\nlicense: cc-by-nc-4.0\nthumbnail: cover.png  # shown on the Hub\ntags:\n- text-to-audio\n", text);
        Assert.DoesNotContain("old-tag", text);
        Assert.DoesNotContain("# Old body", text);
        Assert.Contains("| Training steps | 5,000 |", text);
        Assert.Contains("`interleaving_A_V`", text);

        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit", "--update", "--force"), 1);
        File.WriteAllText(readme, "---\ntags: [unclosed\n---\n");
        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit", "--update"), 1);
        Assert.Equal("---\ntags: [unclosed\n---\n", File.ReadAllText(readme));
    }

    [Fact]
    public async Task Validate_lists_each_problem_with_its_position_and_fails()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var good = Path.Combine(session.Folder, "good.md");
        var bad = Path.Combine(session.Folder, "bad.md");
        File.WriteAllText(good, "---\nlicense: mit\n---\n# ok\n");
        File.WriteAllText(bad, "---\nlicense: mit\ntags: text-to-audio\nbase_model: org/m\nbase_model_relation: distilled\n---\n# bad\n");

        var result = await session.RunAsync("hub", "card", "validate", good, bad);
        CliSession.AssertCleanFailure(result, 1);
        Assert.Equal(
        [
            $"{good}: ok",
            $"{bad}:3:7: error: tags: expected a list of strings, got a string",
            $"{bad}:5:22: error: base_model_relation: 'distilled' is not one of adapter, merge, quantized, finetune",
        ], result.OutLines);
        Assert.Equal("songgen: 2 errors and 0 warnings; fix them before pushing", result.ErrLines[0]);

        var json = await session.RunAsync("hub", "card", "validate", bad, "--json");
        using var line = JsonDocument.Parse(json.OutLines.Single());
        Assert.Equal(2, line.RootElement.GetProperty("errors").GetArrayLength());
        Assert.Equal(3, line.RootElement.GetProperty("errors")[0].GetProperty("line").GetInt32());

        // Warnings alone pass, unless --strict.
        var warned = Path.Combine(session.Folder, "warned.md");
        File.WriteAllText(warned, "---\nlicense: my-license\n---\n");
        await session.RunOkAsync("hub", "card", "validate", warned);
        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "validate", warned, "--strict"), 1);
    }

    [Fact]
    public async Task Malformed_cards_and_bad_options_fail_cleanly_and_write_nothing()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        var broken = Path.Combine(session.Folder, "README.md");
        File.WriteAllText(broken, "---\nlicense: mit\ntags: [a, b\n---\n");
        var show = await session.RunAsync("hub", "card", "show", broken);
        CliSession.AssertCleanFailure(show, 1);
        Assert.Contains($"{broken}:", show.Err);
        Assert.Contains("malformed YAML", show.Err);
        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "show", Path.Combine(session.Folder, "missing.md")), 1);

        var folder = Path.Combine(session.Folder, "out");
        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed_max", "--license", "mit"), 1);
        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit", "--codebook-loss", "1,2,3"), 1);
        CliSession.AssertCleanFailure(await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit", "--base-model-relation", "merge"), 1);
        var badLog = Path.Combine(session.Folder, "bad.csv");
        File.WriteAllText(badLog, "step,loss\n0,abc\n");
        var logFailure = await session.RunAsync("hub", "card", "init", folder, "--mode", "mixed", "--license", "mit", "--loss-log", badLog);
        CliSession.AssertCleanFailure(logFailure, 1);
        Assert.Contains($"{badLog}:2", logFailure.Err);
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(), "a failed init wrote files");
    }
}
