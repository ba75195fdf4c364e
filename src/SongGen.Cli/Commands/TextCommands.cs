using System.CommandLine;
using SongGen.Text;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen text encode</c>: the ids preprocessing stores, for a caption (flan-T5) or lyrics (XTTS BPE).</summary>
internal static class TextCommands
{
    public static Command Create(CliContext context)
    {
        var text = new Command("text", "Tokenize captions and lyrics as preprocessing does");
        text.Subcommands.Add(Encode(context));
        return text;
    }

    private static Command Encode(CliContext context)
    {
        var input = new Argument<string?>("text") { Description = "The caption or lyrics (use --file for one input per line)", Arity = ArgumentArity.ZeroOrOne };
        var t5 = new Option<string?>("--t5") { Description = "spiece.model of the description tokenizer (flan-T5)" };
        var lyricsVocab = new Option<string?>("--lyrics-vocab") { Description = "tokenizer.json of the lyrics tokenizer (XTTS BPE)" };
        var file = new Option<string?>("--file") { Description = "Encode each line of this file (a literal \\n in a line is a lyrics line break)" };
        var lang = new Option<string>("--lang") { Description = "Lyrics language tag", DefaultValueFactory = _ => "en" };
        var command = new Command("encode", "Print the token ids, space-separated, one line per input") { input, t5, lyricsVocab, file, lang };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var t5Path = parse.GetValue(t5);
            var vocabPath = parse.GetValue(lyricsVocab);
            if ((t5Path is null) == (vocabPath is null))
                throw new ArgumentException("give exactly one of --t5 SPIECE_MODEL or --lyrics-vocab TOKENIZER_JSON");
            Func<string, int[]> encode;
            if (t5Path is not null)
            {
                var tokenizer = T5Tokenizer.FromFile(t5Path);
                encode = tokenizer.Encode;
            }
            else
            {
                var tokenizer = LyricsTokenizer.FromFile(vocabPath!);
                var language = parse.GetValue(lang)!;
                encode = lyrics => tokenizer.Encode(lyrics, language);
            }
            IEnumerable<string> inputs = parse.GetValue(file) is { } path
                ? File.ReadLines(path).Select(line => t5Path is null ? line.Replace("\\n", "\n", StringComparison.Ordinal) : line)
                : [parse.GetValue(input) ?? throw new ArgumentException("give the text to encode, or --file")];
            foreach (var item in inputs)
                context.Out.WriteLine(string.Join(' ', encode(item)));
            return Task.FromResult(0);
        }));
        return command;
    }
}
