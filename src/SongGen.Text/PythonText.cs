using System.Text;

namespace SongGen.Text;

/// <summary>Python 3 <c>str</c> behaviour the cleaner relies on, where .NET differs.</summary>
internal static class PythonText
{
    /// <summary>Python's <c>\w</c> for str patterns: letters, numbers (Nd, Nl, No) and underscore.</summary>
    public const string WordClass = @"[\p{L}\p{N}_]";

    /// <summary>Python's <c>\s</c> / <c>str.isspace()</c>: .NET's <c>\s</c> plus U+001C..U+001F.</summary>
    public const string SpaceClass = @"[\s\x1C-\x1F]";

    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1C' and <= '\x1F';

    /// <summary><c>str.strip()</c> with no arguments.</summary>
    public static string Strip(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && IsSpace(text[start])) start++;
        while (end > start && IsSpace(text[end - 1])) end--;
        return text[start..end];
    }

    /// <summary>
    /// <c>str.lower()</c>: full lowercase mapping, i.e. the simple mapping plus U+0130 → "i̇" and the final sigma rule.
    /// </summary>
    public static string Lower(string text)
    {
        if (System.Text.Ascii.IsValid(text)) return text.ToLowerInvariant();
        var builder = new StringBuilder(text.Length);
        var runes = text.EnumerateRunes().ToArray();
        for (var i = 0; i < runes.Length; i++)
        {
            var rune = runes[i];
            if (rune.Value == 0x130)
            {
                builder.Append("i\u0307");
            }
            else if (rune.Value == 0x3A3)
            {
                builder.Append(IsFinalSigma(runes, i) ? 'ς' : 'σ');
            }
            else
            {
                builder.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }
        return builder.ToString();
    }

    // Final_Sigma: a cased letter before (skipping case-ignorables) and none after.
    private static bool IsFinalSigma(Rune[] runes, int index)
    {
        var before = false;
        for (var j = index - 1; j >= 0; j--)
        {
            if (IsCaseIgnorable(runes[j])) continue;
            before = IsCased(runes[j]);
            break;
        }
        if (!before) return false;
        for (var j = index + 1; j < runes.Length; j++)
        {
            if (IsCaseIgnorable(runes[j])) continue;
            return !IsCased(runes[j]);
        }
        return true;
    }

    private static bool IsCased(Rune r) => Rune.GetUnicodeCategory(r) is
        System.Globalization.UnicodeCategory.UppercaseLetter or
        System.Globalization.UnicodeCategory.LowercaseLetter or
        System.Globalization.UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune r) =>
        r.Value is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2019 ||
        Rune.GetUnicodeCategory(r) is
            System.Globalization.UnicodeCategory.NonSpacingMark or
            System.Globalization.UnicodeCategory.EnclosingMark or
            System.Globalization.UnicodeCategory.Format or
            System.Globalization.UnicodeCategory.ModifierLetter or
            System.Globalization.UnicodeCategory.ModifierSymbol;
}
