using System.Diagnostics;
using System.Globalization;
using SongGen.Text;
using SongGen.Text.Bench;
using SongGen.Text.Tests;

// dotnet run -c Release --project bench/SongGen.Text.Bench -- [lines=5000] [xtts vocab=../shared/data/xtts-lyrics-vocab.json]
// Lines/s, side by side on the same lines, best of 3 after a warm-up, one thread each:
//  T5 (small test model): T5Tokenizer.Encode vs spm_encode (one process over a file; also net of its start-up, timed
//    on an empty file) vs Hugging Face's Rust tokenizers (Tokenizers.DotNet) running the same model as a Unigram
//    tokenizer.json built here the way transformers converts T5.
//  Lyrics (XTTS vocab): LyricsTokenizer.Encode (cleaner + BPE + wrap) and its BPE alone vs Tokenizers.DotNet on the
//    same cleaned text. spm_encode has no BPE tokenizer.json mode, so the lyrics compare with the oracle only.
// Each comparison prints a ratio (ours / reference: above 1 means ours is faster) and how many lines gave equal ids.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var root = FindRoot();
var vocab = args.Length > 1 ? args[1] : Path.Combine(root, "..", "shared", "data", "xtts-lyrics-vocab.json");
var model = Path.Combine(root, "tests", "SongGen.Text.Tests", "Fixtures", "t5-small-test.model");

var lyrics = LyricsCorpus.Lines(count, seed: 3);
var descriptions = lyrics.Select(l => l.Replace('\n', ' ')).ToList();
Console.WriteLine($"{count} lines; {Environment.ProcessorCount} cores visible; load average {LoadAverage()}");

Console.WriteLine("T5 / sentencepiece Unigram (tests/SongGen.Text.Tests/Fixtures/t5-small-test.model)");
var t5 = T5Tokenizer.FromFile(model);
var ours = Report("T5Tokenizer.Encode", descriptions.Count, Time(() => { foreach (var d in descriptions) t5.Encode(d); }));

var input = Path.GetTempFileName();
var empty = Path.GetTempFileName();
File.WriteAllLines(input, descriptions);
try
{
    var spmTotal = Time(() => RunSpmEncode(model, input));
    var spmStart = Time(() => RunSpmEncode(model, empty));
    var spm = Report("spm_encode --output_format=id (process, incl. start)", descriptions.Count, spmTotal);
    var spmNet = Report($"spm_encode, net of its {spmStart * 1000:F0} ms start-up", descriptions.Count, Math.Max(spmTotal - spmStart, 1e-6));
    Ratio("T5Tokenizer.Encode / spm_encode (incl. start)", ours, spm);
    Ratio("T5Tokenizer.Encode / spm_encode (net of start)", ours, spmNet);
}
finally
{
    File.Delete(input);
    File.Delete(empty);
}

var unigramJson = Path.Combine(Path.GetTempPath(), $"songgen-bench-t5-{Environment.ProcessId}.json");
File.WriteAllText(unigramJson, HfUnigramJson.FromSentencePiece(File.ReadAllBytes(model), t5.UnkId, t5.EosId));
try
{
    var hfT5 = new Tokenizers.DotNet.Tokenizer(vocabPath: unigramJson);
    var hf = Report("Tokenizers.DotNet (Rust HF) Unigram Encode", descriptions.Count, Time(() => { foreach (var d in descriptions) hfT5.Encode(d); }));
    Ratio("T5Tokenizer.Encode / HF Unigram", ours, hf);
    Agreement("T5Tokenizer.Encode vs HF Unigram", descriptions.Count(d => t5.Encode(d).SequenceEqual(BpeOracle.Encode(hfT5, d))), descriptions.Count);
}
finally
{
    File.Delete(unigramJson);
}

if (File.Exists(vocab))
{
    Console.WriteLine($"Lyrics / XTTS VoiceBpe ({vocab})");
    var tokenizer = LyricsTokenizer.FromFile(vocab);
    var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: vocab);
    Report("EnglishCleaner.Clean", lyrics.Count, Time(() => { foreach (var l in lyrics) EnglishCleaner.Clean(l); }));
    var full = Report("LyricsTokenizer.Encode (strip, cleaner, BPE, wrap)", lyrics.Count, Time(() => { foreach (var l in lyrics) tokenizer.Encode(l); }));
    var cleaned = lyrics.Select(l => EnglishCleaner.Clean(l.Trim().Replace('\n', '.'))).ToList();
    var prepared = cleaned.Select(c => "[en]" + c.Replace(" ", "[SPACE]")).ToList();
    var bpe = Report("LyricsTokenizer.EncodePrecleaned (BPE only)", cleaned.Count, Time(() => { foreach (var c in cleaned) tokenizer.EncodePrecleaned(c, "en"); }));
    var hf = Report("Tokenizers.DotNet (Rust HF) BPE Encode, same text", prepared.Count, Time(() => { foreach (var p in prepared) oracle.Encode(p); }));
    Ratio("LyricsTokenizer BPE only / HF BPE", bpe, hf);
    Ratio("LyricsTokenizer.Encode (with cleaner) / HF BPE (without)", full, hf);
    Agreement("EncodePrecleaned vs HF BPE", cleaned.Zip(prepared).Count(p => tokenizer.EncodePrecleaned(p.First, "en").SequenceEqual(BpeOracle.Encode(oracle, p.Second))), cleaned.Count);
}
else
{
    Console.WriteLine($"{vocab} not found: lyrics benchmarks skipped.");
}
return 0;

static void RunSpmEncode(string model, string input)
{
    using var p = Process.Start(new ProcessStartInfo("spm_encode", $"--model={model} --output_format=id --input={input} --output=/dev/null"))!;
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"spm_encode exited with {p.ExitCode}");
}

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

static double Report(string name, int lines, double seconds)
{
    Console.WriteLine(FormattableString.Invariant($"  {name,-58} {lines / seconds,12:N0} lines/s  ({seconds * 1000:F1} ms for {lines})"));
    return lines / seconds;
}

static void Ratio(string name, double ours, double reference) =>
    Console.WriteLine(FormattableString.Invariant($"  ratio {name,-52} {ours / reference,8:F2}x"));

static void Agreement(string name, int equal, int lines) =>
    Console.WriteLine(FormattableString.Invariant($"  equal ids, {name,-48} {equal,6} of {lines} lines"));

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "SongGen.sln"))) return d.FullName;
    }
    throw new InvalidOperationException("SongGen.sln not found.");
}
