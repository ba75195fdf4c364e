namespace SongGen.Hub.Emulator.Http;

/// <summary>
/// One <c>Range: bytes=…</c> request (<c>a-b</c>, <c>a-</c>, suffix <c>-n</c>) resolved against a length.
/// Anything else (several ranges, other units, bad syntax) is ignored, as HTTP allows, and the whole body is sent.
/// </summary>
internal readonly record struct ByteRange(ByteRangeKind Kind, long Start, long End)
{
    public long Length => End - Start + 1;

    public static ByteRange Whole(long length) => new(ByteRangeKind.Whole, 0, length - 1);

    public static ByteRange Parse(string? header, long length)
    {
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return Whole(length);
        }
        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-');
        if (spec.Contains(',') || dash < 0)
        {
            return Whole(length);
        }
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            // Suffix: the last n bytes.
            if (!long.TryParse(last, out var suffix) || suffix < 0) return Whole(length);
            if (suffix == 0 || length == 0) return Unsatisfiable;
            return new ByteRange(ByteRangeKind.Partial, Math.Max(0, length - suffix), length - 1);
        }
        if (!long.TryParse(first, out var start) || start < 0) return Whole(length);
        long end;
        if (last.Length == 0)
        {
            end = length - 1;
        }
        else if (!long.TryParse(last, out end) || end < start)
        {
            return Whole(length);
        }
        if (start >= length) return Unsatisfiable;
        return new ByteRange(ByteRangeKind.Partial, start, Math.Min(end, length - 1));
    }

    private static ByteRange Unsatisfiable => new(ByteRangeKind.Unsatisfiable, 0, -1);
}

internal enum ByteRangeKind
{
    Whole,
    Partial,
    Unsatisfiable,
}
