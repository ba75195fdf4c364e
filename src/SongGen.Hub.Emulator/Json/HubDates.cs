using System.Globalization;

namespace SongGen.Hub.Emulator.Json;

internal static class HubDates
{
    /// <summary>The Hub's date format; Python's parser needs the milliseconds and the trailing Z.</summary>
    public static string Format(DateTimeOffset date) =>
        date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
