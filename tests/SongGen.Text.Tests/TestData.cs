using System.Text.Json;

namespace SongGen.Text.Tests;

/// <summary>Fixture files copied next to the test assembly, and the shared data folder of the checkout.</summary>
internal static class TestData
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static JsonDocument FixtureJson(string name) => JsonDocument.Parse(File.ReadAllBytes(Fixture(name)));

    /// <summary>The real XTTS lyrics vocabulary, <c>../shared/data/xtts-lyrics-vocab.json</c> beside the checkout.</summary>
    public static string? SharedXttsVocab
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, "shared", "data", "xtts-lyrics-vocab.json");
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }
}

/// <summary>
/// A [Fact] reported as skipped, with the reason, when the real XTTS vocabulary is not in <c>../shared/data</c>.
/// xunit 2.9 has no dynamic skip, so the decision is made at discovery.
/// </summary>
public sealed class RequiresXttsVocabFactAttribute : FactAttribute
{
    public RequiresXttsVocabFactAttribute()
    {
        if (TestData.SharedXttsVocab is null)
        {
            Skip = "shared/data/xtts-lyrics-vocab.json was not found above the test folder.";
        }
    }
}
