using System.Text.Json;

namespace SongGen.Cli.Tests;

/// <summary><c>songgen text encode</c> prints exactly the ids the tokenizers give (checked against the spm_encode fixtures).</summary>
public sealed class TextCommandTests
{
    private static string Fixtures => Path.Combine(RepoRoot(), "tests", "SongGen.Text.Tests", "Fixtures");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SongGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("SongGen.sln not found above the test assembly");
    }

    [Fact]
    public async Task T5_ids_match_spm_encode_for_an_argument_and_for_a_file()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        using var fixtures = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "t5-fixtures.json")));
        var cases = fixtures.RootElement.EnumerateArray().Take(5)
            // The fixtures hold spm_encode's ids; the description tokenizer appends </s> (id 1), as T5 preprocessing does.
            .Select(c => (Text: c.GetProperty("text").GetString()!, Ids: string.Join(' ', c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).Append(1))))
            .Where(c => !c.Text.Contains('\n'))
            .ToList();
        var model = Path.Combine(Fixtures, "t5-small-test.model");

        var single = await session.RunOkAsync("text", "encode", "--t5", model, cases[0].Text);
        Assert.Equal([cases[0].Ids], single.OutLines);

        var file = Path.Combine(session.Folder, "captions.txt");
        File.WriteAllLines(file, cases.Select(c => c.Text));
        var many = await session.RunOkAsync("text", "encode", "--t5", model, "--file", file);
        Assert.Equal(cases.Select(c => c.Ids), many.OutLines);
    }

    [Fact]
    public async Task Choosing_no_tokenizer_or_both_is_a_clean_usage_error()
    {
        await using var session = await CliSession.StartAsync(seedDemo: false);
        CliSession.AssertCleanFailure(await session.RunAsync("text", "encode", "hello"), 1);
        var model = Path.Combine(Fixtures, "t5-small-test.model");
        CliSession.AssertCleanFailure(await session.RunAsync("text", "encode", "--t5", model, "--lyrics-vocab", model, "hello"), 1);
        CliSession.AssertCleanFailure(await session.RunAsync("text", "encode", "--t5", Path.Combine(session.Folder, "missing.model"), "hello"), 1);
    }
}
