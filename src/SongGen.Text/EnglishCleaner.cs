using System.Numerics;
using System.Text.RegularExpressions;

namespace SongGen.Text;

/// <summary>
/// The XTTS <c>multilingual_cleaners(text, 'en')</c> that SongGen applies to lyrics before BPE: remove <c>"</c>,
/// lowercase, spell numbers / ordinals / decimals / currency with num2words wording, expand abbreviations, spell
/// the symbols <c>&amp; @ % # $ £ °</c>, strip and collapse whitespace. Regexes follow Python <c>re</c> semantics.
/// </summary>
public static partial class EnglishCleaner
{
    private const string W = PythonText.WordClass;

    // \b at either end of a match that starts and ends with a digit, with Python's \w.
    [GeneratedRegex(@"(?<!" + W + @")\d{1,3}(,\d{3})*(\.\d+)?(?!" + W + ")")]
    private static partial Regex CommaNumber();

    [GeneratedRegex(@"((£[0-9\.\,]*[0-9]+)|([0-9\.\,]*[0-9]+£))")]
    private static partial Regex PoundAmount();

    [GeneratedRegex(@"((\$[0-9\.\,]*[0-9]+)|([0-9\.\,]*[0-9]+\$))")]
    private static partial Regex DollarAmount();

    [GeneratedRegex(@"(([0-9\.\,]*[0-9]+€)|((€[0-9\.\,]*[0-9]+)))")]
    private static partial Regex EuroAmount();

    [GeneratedRegex(@"[^\d.]")]
    private static partial Regex NotDigitOrDot();

    [GeneratedRegex(@"([0-9]+[.,][0-9]+)")]
    private static partial Regex DecimalNumber();

    [GeneratedRegex(@"([0-9]+)(st|nd|rd|th)")]
    private static partial Regex OrdinalNumber();

    [GeneratedRegex(@"[0-9]+")]
    private static partial Regex Number();

    [GeneratedRegex(PythonText.SpaceClass + "+")]
    private static partial Regex Whitespace();

    private static readonly (Regex Pattern, string Replacement)[] Abbreviations =
    [
        .. new (string, string)[]
        {
            ("mrs", "misess"), ("mr", "mister"), ("dr", "doctor"), ("st", "saint"), ("co", "company"),
            ("jr", "junior"), ("maj", "major"), ("gen", "general"), ("drs", "doctors"), ("rev", "reverend"),
            ("lt", "lieutenant"), ("hon", "honorable"), ("sgt", "sergeant"), ("capt", "captain"),
            ("esq", "esquire"), ("ltd", "limited"), ("col", "colonel"), ("ft", "fort"),
        }.Select(a => (new Regex($@"(?<!{W}){a.Item1}\.", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled), a.Item2)),
    ];

    private static readonly (string Symbol, string Replacement)[] Symbols =
    [
        ("&", " and "), ("@", " at "), ("%", " percent "), ("#", " hash "), ("$", " dollar "), ("£", " pound "), ("°", " degree "),
    ];

    /// <summary>The cleaned text, exactly as the Python cleaner returns it.</summary>
    /// <exception cref="OverflowException">A digit run of 306 or more digits (num2words raises too).</exception>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Replace("\"", "");
        text = PythonText.Lower(text);
        // Every number pattern needs a (Unicode) digit and every abbreviation a '.': skip the passes otherwise.
        if (text.AsSpan().IndexOfAnyInRange('0', '9') >= 0 || text.Any(char.IsDigit)) text = ExpandNumbers(text);
        if (text.Contains('.'))
        {
            foreach (var (pattern, replacement) in Abbreviations) text = pattern.Replace(text, replacement);
        }
        foreach (var (symbol, replacement) in Symbols)
        {
            text = text.Replace(symbol, " " + replacement + " ").Replace("  ", " ");
        }
        text = PythonText.Strip(text);
        return Whitespace().Replace(text, " ");
    }

    private static string ExpandNumbers(string text)
    {
        text = CommaNumber().Replace(text, m => m.Value.Replace(",", ""));
        // Python wraps the three currency passes in one try/except: a pass that fails (e.g. "$1.2.3") changes
        // nothing, and the passes after it are skipped.
        try
        {
            text = PoundAmount().Replace(text, m => Currency(m, "GBP"));
            text = DollarAmount().Replace(text, m => Currency(m, "USD"));
            text = EuroAmount().Replace(text, m => Currency(m, "EUR"));
        }
        catch (FormatException)
        {
        }
        text = DecimalNumber().Replace(text, m => NumberToWords.Float(ParseFloat(m.Groups[1].Value.Replace(',', '.'))));
        text = OrdinalNumber().Replace(text, m => NumberToWords.Ordinal(BigInteger.Parse(m.Groups[1].Value)));
        return Number().Replace(text, m => NumberToWords.Cardinal(BigInteger.Parse(m.Value)));
    }

    private static string Currency(Match match, string code)
    {
        var amount = ParseFloat(NotDigitOrDot().Replace(match.Value.Replace(',', '.'), ""));
        var words = NumberToWords.Currency(amount, code);
        if (Math.Floor(amount) == amount)
        {
            var cut = words.LastIndexOf(", ", StringComparison.Ordinal);
            if (cut >= 0) words = words[..cut];
        }
        return words;
    }

    private static double ParseFloat(string text) =>
        NumberToWords.TryParsePythonFloat(text, out var value) ? value : throw new FormatException($"could not convert string to float: '{text}'");
}
