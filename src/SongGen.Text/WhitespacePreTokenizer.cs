using System.Globalization;
using System.Text;

namespace SongGen.Text;

/// <summary>
/// Hugging Face's <c>Whitespace</c> pre-tokenizer: the Rust regex <c>\w+|[^\w\s]+</c>, i.e. maximal runs of word
/// characters and maximal runs of other non-space characters. Rust's Unicode <c>\w</c> is Alphabetic, marks, Nd, Pc
/// and the joiners; Alphabetic is approximated by letters, Nl and the So letters in Other_Alphabetic.
/// </summary>
internal static class WhitespacePreTokenizer
{
    private enum Kind { Word, Space, Other }

    /// <summary>Appends (start, length) of every piece of <paramref name="text"/>, in UTF-16 units.</summary>
    public static void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> pieces)
    {
        var start = -1;
        var current = Kind.Space;
        var i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            var kind = Classify(rune);
            if (kind != current)
            {
                if (current != Kind.Space) pieces.Add((start, i - start));
                start = i;
                current = kind;
            }
            i += consumed;
        }
        if (current != Kind.Space) pieces.Add((start, i - start));
    }

    private static Kind Classify(Rune rune)
    {
        var v = rune.Value;
        if (v < 0x80)
        {
            if (v is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_') return Kind.Word;
            return v is ' ' or >= '\t' and <= '\r' ? Kind.Space : Kind.Other;
        }
        if (v is 0x85 or 0xA0 or 0x1680 or >= 0x2000 and <= 0x200A or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000) return Kind.Space;
        if (v is 0x200C or 0x200D) return Kind.Word;
        if (v is >= 0x24B6 and <= 0x24E9 or >= 0x1F130 and <= 0x1F149 or >= 0x1F150 and <= 0x1F169 or >= 0x1F170 and <= 0x1F189) return Kind.Word;
        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.ConnectorPunctuation:
                return Kind.Word;
            default:
                return Kind.Other;
        }
    }
}
