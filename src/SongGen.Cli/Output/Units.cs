using System.Globalization;

namespace SongGen.Cli.Output;

/// <summary>Human units for sizes, speeds and durations.</summary>
internal static class Units
{
    private static readonly string[] ByteUnits = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(double bytes)
    {
        var unit = 0;
        while (Math.Abs(bytes) >= 1024 && unit < ByteUnits.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes:0} B" : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.0} {ByteUnits[unit]}");
    }

    public static string Speed(double bytesPerSecond) => Bytes(bytesPerSecond) + "/s";

    public static string Duration(double? seconds)
    {
        if (seconds is not { } s || double.IsNaN(s) || double.IsInfinity(s)) return "--:--";
        var t = TimeSpan.FromSeconds(Math.Round(s));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";
    }

    public static string Date(DateTimeOffset? date) => date?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>
    /// Parses a size: a byte count (<c>1048576</c>) or a number with a unit, binary for <c>K</c>/<c>KiB</c>, <c>M</c>/<c>MiB</c>,
    /// <c>G</c>/<c>GiB</c> and decimal for <c>KB</c>, <c>MB</c>, <c>GB</c> (<c>16MiB</c>, <c>1.5G</c>, <c>500KB</c>), case-insensitive.
    /// </summary>
    public static long ParseBytes(string text)
    {
        var value = text.Trim();
        var split = 0;
        while (split < value.Length && (char.IsAsciiDigit(value[split]) || value[split] == '.')) split++;
        var unit = value[split..].Trim().ToUpperInvariant();
        long? multiplier = unit switch
        {
            "" or "B" => 1,
            "K" or "KIB" => 1L << 10,
            "M" or "MIB" => 1L << 20,
            "G" or "GIB" => 1L << 30,
            "KB" => 1_000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            _ => null,
        };
        if (multiplier is { } m && double.TryParse(value[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            && Math.Round(number * m) is >= 1 and <= 1e18 and var bytes)
            return (long)bytes;
        throw new FormatException($"'{text}' is not a size (e.g. 1048576, 512KiB, 16MiB, 1G)");
    }

    public static string Count(long? n) => n is null ? "-" : n.Value.ToString("N0", CultureInfo.InvariantCulture);
}
