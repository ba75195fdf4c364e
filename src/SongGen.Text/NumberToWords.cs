using System.Globalization;
using System.Numerics;

namespace SongGen.Text;

/// <summary>
/// English number words exactly as Python <c>num2words</c> 0.5.10 (<c>lang='en'</c>) writes them: the wording the
/// XTTS lyrics cleaner feeds the BPE. "one hundred and one", "twenty-one", "minus five", "twelfth",
/// "twelve point five", "five dollars, fifty cents".
/// </summary>
public static class NumberToWords
{
    /// <summary>Python's <c>num2words(value)</c> for an int. |value| must be below 10^306 (num2words' limit).</summary>
    public static string Cardinal(BigInteger value) => EnglishNumberWords.Cardinal(value);

    /// <summary>Python's <c>num2words(value, ordinal=True)</c>; <paramref name="value"/> must not be negative.</summary>
    public static string Ordinal(BigInteger value) => EnglishNumberWords.Ordinal(value);

    /// <summary>
    /// Python's <c>num2words(value)</c> for a float: integral values as <see cref="Cardinal"/>, others as
    /// "&lt;integer part&gt; point &lt;digit&gt; &lt;digit&gt;…" with the digits of Python's <c>repr</c>.
    /// </summary>
    public static string Float(double value) => EnglishNumberWords.Float(value);

    /// <summary>
    /// Python's <c>num2words(amount, to='currency', currency=code)</c> for a float amount: rounded half up to cents,
    /// e.g. "one dollar, fifty cents". Codes: USD, EUR, GBP, AUD, CAD.
    /// </summary>
    public static string Currency(double amount, string currencyCode) => EnglishNumberWords.Currency(amount, currencyCode);

    /// <summary>Parses a Python-<c>float()</c>-style decimal string ("12", "1.50", ".5", "5.") with invariant culture.</summary>
    internal static bool TryParsePythonFloat(string text, out double value) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
