using System.Globalization;
using System.Numerics;
using System.Text;

namespace SongGen.Text;

/// <summary>
/// Port of num2words' English converter: the card table, <c>splitnum</c> / <c>clean</c> / <c>merge</c> tree
/// reduction, ordinals, the float and currency paths. Kept structurally close so that odd inputs match too.
/// </summary>
internal static class EnglishNumberWords
{
    private static readonly (BigInteger Value, string Word)[] Cards = BuildCards();
    private static readonly Dictionary<BigInteger, string> CardWords = Cards.ToDictionary(c => c.Value, c => c.Word);
    private static readonly BigInteger MaxValue = 1000 * Cards[0].Value;

    private static readonly Dictionary<string, string> Ords = new()
    {
        ["one"] = "first", ["two"] = "second", ["three"] = "third", ["four"] = "fourth", ["five"] = "fifth",
        ["six"] = "sixth", ["seven"] = "seventh", ["eight"] = "eighth", ["nine"] = "ninth", ["ten"] = "tenth",
        ["eleven"] = "eleventh", ["twelve"] = "twelfth",
    };

    private static readonly Dictionary<string, ((string One, string Many) Main, (string One, string Many) Cents)> CurrencyForms = new()
    {
        ["USD"] = (("dollar", "dollars"), ("cent", "cents")),
        ["AUD"] = (("dollar", "dollars"), ("cent", "cents")),
        ["CAD"] = (("dollar", "dollars"), ("cent", "cents")),
        ["EUR"] = (("euro", "euro"), ("cent", "cents")),
        ["GBP"] = (("pound sterling", "pounds sterling"), ("penny", "pence")),
    };

    private const string NegWord = "minus ";

    // Descending: 10^276 "centillion" … 10^6 "million", 1000, 100, 90 … 30, 20 … 0.
    private static (BigInteger, string)[] BuildCards()
    {
        string[] lows = ["non", "oct", "sept", "sext", "quint", "quadr", "tr", "b", "m"];
        string[] units = ["", "un", "duo", "tre", "quattuor", "quin", "sex", "sept", "octo", "novem"];
        string[] tens = ["dec", "vigint", "trigint", "quadragint", "quinquagint", "sexagint", "septuagint", "octogint", "nonagint"];
        var high = new List<string> { "cent" };
        var generated = (from t in tens from u in units select u + t).Reverse();
        high.AddRange(generated);
        high.AddRange(lows);

        var cards = new List<(BigInteger, string)>();
        var exponent = 3 + 3 * high.Count;
        foreach (var word in high)
        {
            if (exponent <= 3) break;
            cards.Add((BigInteger.Pow(10, exponent), word + "illion"));
            exponent -= 3;
        }
        cards.AddRange(new (BigInteger, string)[]
        {
            (1000, "thousand"), (100, "hundred"), (90, "ninety"), (80, "eighty"), (70, "seventy"), (60, "sixty"),
            (50, "fifty"), (40, "forty"), (30, "thirty"),
        });
        string[] low = ["twenty", "nineteen", "eighteen", "seventeen", "sixteen", "fifteen", "fourteen", "thirteen",
            "twelve", "eleven", "ten", "nine", "eight", "seven", "six", "five", "four", "three", "two", "one", "zero"];
        for (var i = 0; i < low.Length; i++) cards.Add((low.Length - 1 - i, low[i]));
        return cards.ToArray();
    }

    public static string Cardinal(BigInteger value)
    {
        var prefix = "";
        if (value < 0)
        {
            value = -value;
            prefix = NegWord;
        }
        if (value >= MaxValue) throw new OverflowException($"abs({value}) must be less than {MaxValue} for num2words.");
        var leaf = (Leaf)Clean(SplitNum(value));
        return prefix + leaf.Text;
    }

    public static string Ordinal(BigInteger value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "Cannot treat a negative number as ordinal.");
        var outWords = Cardinal(value).Split(' ');
        var lastWords = outWords[^1].Split('-');
        var last = lastWords[^1].ToLowerInvariant();
        if (Ords.TryGetValue(last, out var ord))
        {
            last = ord;
        }
        else
        {
            if (last.EndsWith('y')) last = last[..^1] + "ie";
            last += "th";
        }
        lastWords[^1] = last;
        outWords[^1] = string.Join('-', lastWords);
        return string.Join(' ', outWords);
    }

    public static string Float(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), "num2words cannot spell NaN or infinity.");
        if (Math.Floor(value) == value) return Cardinal(new BigInteger(value));

        // float2tuple: pre = int(value); precision = digits after the point in repr(value).
        var pre = Math.Truncate(value);
        var precision = ReprFractionDigits(value);
        if (precision > 308) throw new OverflowException("num2words: 10**precision does not fit a float.");
        var scale = double.Parse("1e" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var post = Math.Abs(value - pre) * scale;
        var rounded = Math.Round(post, MidpointRounding.ToEven);
        var postInt = Math.Abs(rounded - post) < 0.01 ? new BigInteger(rounded) : new BigInteger(Math.Floor(post));

        var postText = postInt.ToString(CultureInfo.InvariantCulture);
        if (postText.Length < precision) postText = new string('0', precision - postText.Length) + postText;

        var words = new StringBuilder(Cardinal(new BigInteger(pre)));
        if (precision > 0) words.Append(" point");
        for (var i = 0; i < precision; i++) words.Append(' ').Append(Cardinal(postText[i] - '0'));
        return words.ToString();
    }

    public static string Currency(double amount, string currencyCode)
    {
        if (!CurrencyForms.TryGetValue(currencyCode, out var forms))
        {
            throw new NotSupportedException($"Currency code \"{currencyCode}\" is not supported.");
        }
        if (!double.IsFinite(amount)) throw new ArgumentOutOfRangeException(nameof(amount));
        // parse_currency_parts: Decimal(float) is the exact binary value; quantize to 0.01 rounding half up.
        var totalCents = ExactCentsHalfUp(Math.Abs(amount));
        var negative = amount < 0 && totalCents > 0;
        var integer = BigInteger.DivRem(totalCents, 100, out var cents);
        var minus = negative ? NegWord + " " : "";
        return $"{minus}{Cardinal(integer)} {Pluralize(integer, forms.Main)}, {Cardinal(cents)} {Pluralize(cents, forms.Cents)}";
    }

    private static string Pluralize(BigInteger n, (string One, string Many) forms) => n == 1 ? forms.One : forms.Many;

    private static BigInteger ExactCentsHalfUp(double magnitude)
    {
        var bits = BitConverter.DoubleToInt64Bits(magnitude);
        var exponentBits = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = exponentBits == 0 ? fraction : fraction | (1L << 52);
        var exponent = (exponentBits == 0 ? 1 : exponentBits) - 1075;
        if (exponent >= 0) return mantissa * BigInteger.Pow(2, exponent) * 100;
        var denominator = BigInteger.Pow(2, -exponent);
        var quotient = BigInteger.DivRem(mantissa * 100, denominator, out var remainder);
        return 2 * remainder >= denominator ? quotient + 1 : quotient;
    }

    /// <summary>abs(Decimal(repr(value)).as_tuple().exponent) for a finite non-integral double.</summary>
    private static int ReprFractionDigits(double value)
    {
        // .NET's "R" is the shortest round-trip string, the same digits as Python's repr.
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var dot = text.IndexOf('.');
        var fractionDigits = dot < 0 ? 0 : text.Length - dot - 1;
        return Math.Abs(exponent - fractionDigits);
    }

    // ---- splitnum / clean / merge, as in num2words' base converter ----

    private abstract record Node;

    private sealed record Leaf(string Text, BigInteger Number) : Node;

    private sealed record Group(List<Node> Items) : Node;

    private static List<Node> SplitNum(BigInteger value)
    {
        foreach (var (card, word) in Cards)
        {
            if (card > value) continue;
            var result = new List<Node>();
            BigInteger div, mod;
            if (value.IsZero)
            {
                div = 1;
                mod = 0;
            }
            else
            {
                div = BigInteger.DivRem(value, card, out mod);
            }
            if (div.IsOne)
            {
                result.Add(new Leaf(CardWords[1], 1));
            }
            else
            {
                if (div == value) throw new InvalidOperationException("num2words tally case is unreachable for English.");
                result.Add(new Group(SplitNum(div)));
            }
            result.Add(new Leaf(word, card));
            if (!mod.IsZero) result.Add(new Group(SplitNum(mod)));
            return result;
        }
        throw new InvalidOperationException("No card fits " + value);
    }

    private static Node Clean(List<Node> val)
    {
        var output = val;
        while (val.Count != 1)
        {
            output = [];
            if (val[0] is Leaf left && val[1] is Leaf right)
            {
                output.Add(Merge(left, right));
                if (val.Count > 2) output.Add(new Group(val.GetRange(2, val.Count - 2)));
            }
            else
            {
                foreach (var element in val)
                {
                    if (element is Group group)
                    {
                        output.Add(group.Items.Count == 1 ? group.Items[0] : Clean(group.Items));
                    }
                    else
                    {
                        output.Add(element);
                    }
                }
            }
            val = output;
        }
        return output[0];
    }

    private static Leaf Merge(Leaf l, Leaf r)
    {
        if (l.Number == 1 && r.Number < 100) return r;
        if (100 > l.Number && l.Number > r.Number) return new Leaf($"{l.Text}-{r.Text}", l.Number + r.Number);
        if (l.Number >= 100 && 100 > r.Number) return new Leaf($"{l.Text} and {r.Text}", l.Number + r.Number);
        if (r.Number > l.Number) return new Leaf($"{l.Text} {r.Text}", l.Number * r.Number);
        return new Leaf($"{l.Text}, {r.Text}", l.Number + r.Number);
    }
}
