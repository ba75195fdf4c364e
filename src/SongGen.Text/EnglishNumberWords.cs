using System.Globalization;
using System.Numerics;
using System.Text;

namespace SongGen.Text;

/// <summary>
/// British-style English number words: "one hundred and one", "one thousand, two hundred", "twenty-first",
/// "three point one four", "one pound sterling, one penny". Written from the expected outputs in
/// tests/SongGen.Text.Tests/Fixtures/num2words-fixtures.json; <see cref="NumberToWords"/> is the public face.
/// </summary>
internal static class EnglishNumberWords
{
    private static readonly string[] BelowTwenty =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ];

    private static readonly string[] Tens =
        ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

    // Scale n (10^(3n+3)) for n = 1..9 has its own Latin stem; from ten on the name is a units prefix plus a tens stem.
    private static readonly string[] SmallScaleStems =
        ["", "m", "b", "tr", "quadr", "quint", "sext", "sept", "oct", "non"];

    private static readonly string[] UnitsPrefixes =
        ["", "un", "duo", "tre", "quattuor", "quin", "sex", "sept", "octo", "novem"];

    private static readonly string[] TensStems =
        ["", "dec", "vigint", "trigint", "quadragint", "quinquagint", "sexagint", "septuagint", "octogint", "nonagint"];

    /// <summary>The largest scale named is the centillion (10^303), so values must stay below 10^306.</summary>
    private static readonly BigInteger Limit = BigInteger.Pow(10, 306);

    private static readonly BigInteger Thousand = 1000;

    /// <summary>Words for an integer; negatives are read "minus …".</summary>
    /// <exception cref="OverflowException">|value| is 10^306 or more: no scale word is left to name it.</exception>
    public static string Cardinal(BigInteger value)
    {
        if (BigInteger.Abs(value) >= Limit)
        {
            throw new OverflowException($"{value} is too large to write in words (the limit is 10^306).");
        }
        return value.Sign < 0 ? "minus " + PositiveCardinal(-value) : PositiveCardinal(value);
    }

    /// <summary>Ordinal words ("first", "one hundred and twelfth", "zeroth").</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static string Ordinal(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Ordinals are only written for values of zero or more.");
        }
        var cardinal = Cardinal(value);
        // Only the final word changes: "twenty-one" -> "twenty-first", "one thousand" -> "one thousandth".
        var lastWordStart = cardinal.LastIndexOfAny([' ', '-']) + 1;
        return cardinal[..lastWordStart] + OrdinalWord(cardinal[lastWordStart..]);
    }

    /// <summary>
    /// Integral values as <see cref="Cardinal"/>; others as "&lt;whole part&gt; point &lt;digit&gt; …", the digits
    /// being those of the shortest decimal that round-trips to <paramref name="value"/> (so 2.675 reads
    /// "six seven five", not the binary expansion, and 1e-05 reads "zero zero zero zero one").
    /// </summary>
    public static string Float(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new OverflowException($"{value} cannot be written in words.");
        }
        if (Math.Floor(value) == value)
        {
            return Cardinal(new BigInteger(value));
        }
        var (wholeDigits, fractionDigits) = ShortestPlainDecimal(Math.Abs(value));
        var words = new StringBuilder(value < 0 ? "minus " : "");
        words.Append(PositiveCardinal(BigInteger.Parse(wholeDigits, CultureInfo.InvariantCulture)));
        words.Append(" point");
        foreach (var digit in fractionDigits)
        {
            words.Append(' ').Append(BelowTwenty[digit - '0']);
        }
        return words.ToString();
    }

    /// <summary>
    /// "&lt;units&gt; &lt;unit name&gt;, &lt;cents&gt; &lt;cent name&gt;", the amount rounded half up to whole cents.
    /// A negative amount gets a "minus " prefix followed by a second space (the reference output has both).
    /// </summary>
    /// <exception cref="NotSupportedException"><paramref name="currencyCode"/> is not USD, EUR, GBP, AUD or CAD.</exception>
    public static string Currency(double amount, string currencyCode)
    {
        var names = CurrencyNames(currencyCode);
        if (!double.IsFinite(amount))
        {
            throw new OverflowException($"{amount} cannot be written as a currency amount.");
        }
        var totalCents = ExactCentsHalfUp(Math.Abs(amount));
        var units = BigInteger.DivRem(totalCents, 100, out var cents);
        var text = $"{Cardinal(units)} {(units.IsOne ? names.Unit : names.Units)}, " +
                   $"{Cardinal(cents)} {(cents.IsOne ? names.Cent : names.Cents)}";
        return amount < 0 ? "minus  " + text : text;
    }

    /// <summary>
    /// Rounds the exact binary value of a non-negative double half up to whole cents. Exactness matters:
    /// 2.675 is stored as 2.67499999… (so 2.67) and 99.995 as 99.99500000… (so 100.00); scaling by 100 in
    /// double arithmetic would turn both into exact halves.
    /// </summary>
    private static BigInteger ExactCentsHalfUp(double value)
    {
        // value = significand * 2^exponent with an integral significand.
        var bits = BitConverter.DoubleToInt64Bits(value);
        var biasedExponent = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xF_FFFF_FFFF_FFFFL;
        var significand = biasedExponent == 0 ? fraction : fraction | (1L << 52);
        var exponent = (biasedExponent == 0 ? 1 : biasedExponent) - 1075;

        var hundredfold = new BigInteger(significand) * 100;
        if (exponent >= 0)
        {
            return hundredfold << exponent;
        }
        var denominator = BigInteger.One << -exponent;
        var quotient = BigInteger.DivRem(hundredfold, denominator, out var remainder);
        return remainder * 2 >= denominator ? quotient + 1 : quotient;
    }

    private static (string Unit, string Units, string Cent, string Cents) CurrencyNames(string currencyCode) =>
        currencyCode switch
        {
            "USD" or "AUD" or "CAD" => ("dollar", "dollars", "cent", "cents"),
            "EUR" => ("euro", "euro", "cent", "cents"),
            "GBP" => ("pound sterling", "pounds sterling", "penny", "pence"),
            _ => throw new NotSupportedException($"Currency code '{currencyCode}' is not supported."),
        };

    /// <summary>
    /// Splits a non-negative value into groups of three digits, names each non-zero group with its scale word and
    /// joins them with commas, except that a final group below one hundred is joined with "and"
    /// ("one thousand and one", but "one thousand, one hundred").
    /// </summary>
    private static string PositiveCardinal(BigInteger value)
    {
        if (value < Thousand)
        {
            return BelowThousand((int)value);
        }
        var groups = new List<int>(); // least significant first; groups[n] is multiplied by 1000^n
        for (var rest = value; !rest.IsZero; rest /= Thousand)
        {
            groups.Add((int)(rest % Thousand));
        }
        var parts = new List<string>();
        for (var scale = groups.Count - 1; scale >= 1; scale--)
        {
            if (groups[scale] != 0)
            {
                parts.Add(BelowThousand(groups[scale]) + " " + ScaleName(scale));
            }
        }
        var text = string.Join(", ", parts);
        var lastGroup = groups[0];
        if (lastGroup == 0)
        {
            return text;
        }
        return text + (lastGroup < 100 ? " and " : ", ") + BelowThousand(lastGroup);
    }

    /// <summary>0..999: "seven", "forty-two", "three hundred", "three hundred and five".</summary>
    private static string BelowThousand(int value)
    {
        var hundreds = value / 100;
        var rest = value % 100;
        if (hundreds == 0)
        {
            return BelowHundred(rest);
        }
        var text = BelowTwenty[hundreds] + " hundred";
        return rest == 0 ? text : text + " and " + BelowHundred(rest);
    }

    private static string BelowHundred(int value)
    {
        if (value < 20)
        {
            return BelowTwenty[value];
        }
        var units = value % 10;
        return units == 0 ? Tens[value / 10] : Tens[value / 10] + "-" + BelowTwenty[units];
    }

    /// <summary>The word for 1000^<paramref name="scale"/>: thousand, million, …, novemnonagintillion, centillion.</summary>
    private static string ScaleName(int scale)
    {
        if (scale == 1)
        {
            return "thousand";
        }
        // 1000^scale = 10^(3n + 3), where n is the Latin count in the "-illion" name.
        var n = scale - 1;
        var stem = n switch
        {
            < 10 => SmallScaleStems[n],
            < 100 => UnitsPrefixes[n % 10] + TensStems[n / 10],
            100 => "cent",
            _ => throw new OverflowException($"No scale word for 10^{3 * scale}."),
        };
        return stem + "illion";
    }

    /// <summary>Ordinal form of one cardinal word ("one" -> "first", "twenty" -> "twentieth", "million" -> "millionth").</summary>
    private static string OrdinalWord(string word) => word switch
    {
        "one" => "first",
        "two" => "second",
        "three" => "third",
        "five" => "fifth",
        "eight" => "eighth",
        "nine" => "ninth",
        "twelve" => "twelfth",
        _ when word.EndsWith('y') => word[..^1] + "ieth",
        _ => word + "th",
    };

    /// <summary>
    /// The shortest round-trip decimal of a finite, non-negative value written out without an exponent, as the
    /// digits before and after the point ("0.00001" rather than "1E-05").
    /// </summary>
    private static (string Whole, string Fraction) ShortestPlainDecimal(double value)
    {
        // "E16" would not be shortest; "R" is, but may use exponent notation, which is undone here.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var point = text.IndexOf('.');
        var digits = point < 0 ? text : text.Remove(point, 1);
        // Position of the decimal point within digits, after applying the exponent.
        var pointAt = (point < 0 ? text.Length : point) + exponent;
        if (pointAt <= 0)
        {
            digits = new string('0', 1 - pointAt) + digits;
            pointAt = 1;
        }
        else if (pointAt > digits.Length)
        {
            digits = digits.PadRight(pointAt, '0');
        }
        var whole = digits[..pointAt];
        var fraction = digits[pointAt..].TrimEnd('0');
        return (whole, fraction);
    }
}
