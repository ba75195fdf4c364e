using System.Diagnostics;
using System.Globalization;
using SongGen.Text;
using SongGen.Text.Bench;
using SongGen.Text.Tests;

// dotnet run -c Release --project bench/SongGen.Text.Bench -- [lines=5000] [xtts vocab=../shared/data/xtts-lyrics-vocab.json]
// Lines/s, side by side on the same lines, best of 5 interleaved rounds after a warm-up, one thread each:
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
var input = Path.GetTempFileName();
var empty = Path.GetTempFileName();
var unigramJson = Path.Combine(Path.GetTempPath(), $"songgen-bench-t5-{Environment.ProcessId}.json");
File.WriteAllLines(input, descriptions);
File.WriteAllText(unigramJson, HfUnigramJson.FromSentencePiece(File.ReadAllBytes(model), t5.UnkId, t5.EosId));
try
{
    var hfT5 = new Tokenizers.DotNet.Tokenizer(vocabPath: unigramJson);
    var times = TimeInterleaved(
        () => { foreach (var d in descriptions) t5.Encode(d); },
        () => RunSpmEncode(model, input),
        () => RunSpmEncode(model, empty),
        () => { foreach (var d in descriptions) hfT5.Encode(d); });
    var ours = Report("T5Tokenizer.Encode", descriptions.Count, times[0]);
    var spm = Report("spm_encode --output_format=id (process, incl. start)", descriptions.Count, times[1]);
    var spmNet = Report($"spm_encode, net of its {times[2] * 1000:F0} ms start-up", descriptions.Count, Math.Max(times[1] - times[2], 1e-6));
    var hf = Report("Tokenizers.DotNet (Rust HF) Unigram Encode", descriptions.Count, times[3]);
    Ratio("T5Tokenizer.Encode / spm_encode (incl. start)", ours, spm);
    Ratio("T5Tokenizer.Encode / spm_encode (net of start)", ours, spmNet);
    Ratio("T5Tokenizer.Encode / HF Unigram", ours, hf);
    Agreement("T5Tokenizer.Encode vs HF Unigram", descriptions.Count(d => t5.Encode(d).SequenceEqual(BpeOracle.Encode(hfT5, d))), descriptions.Count);
}
finally
{
    File.Delete(input);
    File.Delete(empty);
    File.Delete(unigramJson);
}

if (File.Exists(vocab))
{
    Console.WriteLine($"Lyrics / XTTS VoiceBpe ({vocab})");
    var tokenizer = LyricsTokenizer.FromFile(vocab);
    var oracle = new Tokenizers.DotNet.Tokenizer(vocabPath: vocab);
    var cleaned = lyrics.Select(l => EnglishCleaner.Clean(l.Trim().Replace('\n', '.'))).ToList();
    var prepared = cleaned.Select(c => "[en]" + c.Replace(" ", "[SPACE]")).ToList();
    var times = TimeInterleaved(
        () => { foreach (var l in lyrics) EnglishCleaner.Clean(l); },
        () => { foreach (var l in lyrics) tokenizer.Encode(l); },
        () => { foreach (var c in cleaned) tokenizer.EncodePrecleaned(c, "en"); },
        () => { foreach (var p in prepared) oracle.Encode(p); });
    Report("EnglishCleaner.Clean", lyrics.Count, times[0]);
    var full = Report("LyricsTokenizer.Encode (strip, cleaner, BPE, wrap)", lyrics.Count, times[1]);
    var bpe = Report("LyricsTokenizer.EncodePrecleaned (BPE only)", cleaned.Count, times[2]);
    var hf = Report("Tokenizers.DotNet (Rust HF) BPE Encode, same text", prepared.Count, times[3]);
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

// Best of 5 rounds after a warm-up, the contenders taking turns within each round so that a change in the machine's
// load falls on all of them alike.
static double[] TimeInterleaved(params Action[] actions)
{
    foreach (var action in actions) action();
    var best = Enumerable.Repeat(double.MaxValue, actions.Length).ToArray();
    for (var round = 0; round < 5; round++)
    {
        for (var i = 0; i < actions.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            actions[i]();
            best[i] = Math.Min(best[i], sw.Elapsed.TotalSeconds);
        }
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
