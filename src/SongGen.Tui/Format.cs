using System.Globalization;

namespace SongGen.Tui;

/// <summary>Short, fixed-culture renderings for table cells.</summary>
internal static class Format
{
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    public static string Count(long? count) => count switch
    {
        null => "-",
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1_000_000.0:0.#}M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{count / 1_000.0:0.#}k"),
        _ => count.Value.ToString(CultureInfo.InvariantCulture),
    };

    public static string Date(DateTimeOffset? date) => date?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-";

    public static string Speed(double bytesPerSecond) => bytesPerSecond <= 0 ? "-" : Bytes((long)bytesPerSecond) + "/s";

    public static string Eta(double? seconds) => seconds switch
    {
        null => "-",
        < 1 => "<1s",
        < 3600 => TimeSpan.FromSeconds(seconds.Value).ToString(@"m\:ss", CultureInfo.InvariantCulture),
        _ => TimeSpan.FromSeconds(seconds.Value).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
    };

    public static string Percent(long done, long total) =>
        total <= 0 ? "  -" : string.Create(CultureInfo.InvariantCulture, $"{Math.Min(100, done * 100.0 / total),3:0}%");

    /// <summary>A text progress bar of <paramref name="width"/> cells.</summary>
    public static string Bar(long done, long total, int width)
    {
        var filled = total <= 0 ? 0 : (int)Math.Clamp(done * width / total, 0, width);
        return new string('#', filled) + new string('.', width - filled);
    }

    /// <summary>Pads or cuts to exactly <paramref name="width"/> characters.</summary>
    public static string Cell(string? text, int width)
    {
        text ??= "";
        return text.Length > width ? text[..Math.Max(0, width - 1)] + "~" : text.PadRight(width);
    }

    public static string RightCell(string text, int width) => text.Length > width ? text[..width] : text.PadLeft(width);

    /// <summary>A token as something a user can recognise but not reuse: <c>hf_...wxyz</c>.</summary>
    public static string MaskToken(string? token) => token switch
    {
        null or "" => "(none)",
        { Length: <= 8 } => "****",
        _ => token[..3] + "..." + token[^4..],
    };
}
