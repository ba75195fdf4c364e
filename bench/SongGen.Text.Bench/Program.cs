using System.Diagnostics;
using System.Globalization;
using SongGen.Text;
using SongGen.Text.Tests;

// dotnet run -c Release --project bench/SongGen.Text.Bench -- [lines=5000] [xtts vocab=../shared/data/xtts-lyrics-vocab.json]
// Lines/s of: T5Tokenizer.Encode vs spm_encode (same model, same lines, one process over a file);
// LyricsTokenizer.Encode (cleaner + BPE) and BPE alone vs Tokenizers.DotNet on the cleaned lines.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var root = FindRoot();
var vocab = args.Length > 1 ? args[1] : Path.Combine(root, "..", "shared", "data", "xtts-lyrics-vocab.json");
var model = Path.Combine(root, "tests", "SongGen.Text.Tests", "Fixtures", "t5-small-test.model");

var lyrics = LyricsCorpus.Lines(count, seed: 3);
var descriptions = lyrics.Select(l => l.Replace('\n', ' ')).ToList();

var t5 = T5Tokenizer.FromFile(model);
Report("T5Tokenizer.Encode (small test model)", descriptions.Count, Time(() => { foreach (var d in descriptions) t5.Encode(d); }));
var input = Path.GetTempFileName();
File.WriteAllLines(input, descriptions);
Report("spm_encode --output_format=id (process, incl. start)", descriptions.Count, Time(() =>
{
    using var p = Process.Start(new ProcessStartInfo("spm_encode", $"--model={model} --output_format=id --input={input} --output=/dev/null"))!;
    p.WaitForExit();
}));
File.Delete(input);

if (File.Exists(vocab))
{
    var tokenizer = LyricsTokenizer.FromFile(vocab);
    var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: vocab);
    Report("EnglishCleaner.Clean", lyrics.Count, Time(() => { foreach (var l in lyrics) EnglishCleaner.Clean(l); }));
    Report("LyricsTokenizer.Encode (strip, cleaner, BPE, wrap)", lyrics.Count, Time(() => { foreach (var l in lyrics) tokenizer.Encode(l); }));
    var cleaned = lyrics.Select(l => EnglishCleaner.Clean(l.Trim().Replace('\n', '.'))).ToList();
    var prepared = cleaned.Select(c => "[en]" + c.Replace(" ", "[SPACE]")).ToList();
    Report("LyricsTokenizer.EncodePrecleaned (BPE only)", cleaned.Count, Time(() => { foreach (var c in cleaned) tokenizer.EncodePrecleaned(c, "en"); }));
    Report("Tokenizers.DotNet (Rust HF) Encode, same text", prepared.Count, Time(() => { foreach (var p in prepared) oracle.Encode(p); }));
}
else
{
    Console.WriteLine($"{vocab} not found: lyrics benchmarks skipped.");
}
return 0;

// Best of 3 after a warm-up run.
static double Time(Action action)
{
    action();
    var best = double.MaxValue;
    for (var i = 0; i < 3; i++)
    {
        var sw = Stopwatch.StartNew();
        action();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    return best;
}

static void Report(string name, int lines, double seconds) =>
    Console.WriteLine(FormattableString.Invariant($"{name,-55} {lines / seconds,12:N0} lines/s  ({seconds * 1000:F1} ms for {lines})"));

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "SongGen.sln"))) return d.FullName;
    }
    throw new InvalidOperationException("SongGen.sln not found.");
}
