namespace SongGen.Text;

/// <summary>
/// Right-padded token ids of several texts, one row each, and the matching attention mask (1 = token, 0 = padding).
/// </summary>
/// <param name="Ids">[rows, columns] ids; padding holds the pad id.</param>
/// <param name="AttentionMask">[rows, columns]: 1 where <paramref name="Ids"/> holds a real token.</param>
public sealed record TokenBatch(int[,] Ids, int[,] AttentionMask)
{
    /// <summary>Number of texts.</summary>
    public int Count => Ids.GetLength(0);

    /// <summary>Padded length of every row.</summary>
    public int Length => Ids.GetLength(1);

    /// <summary>Pads <paramref name="rows"/> on the right to the longest row, rounded up to a multiple if asked.</summary>
    public static TokenBatch Pad(IReadOnlyList<int[]> rows, int padId, int? padToMultipleOf = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (padToMultipleOf is <= 0) throw new ArgumentOutOfRangeException(nameof(padToMultipleOf), "Must be positive.");
        var length = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
        if (padToMultipleOf is int multiple && length % multiple != 0) length += multiple - length % multiple;
        var ids = new int[rows.Count, length];
        var mask = new int[rows.Count, length];
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            for (var c = 0; c < length; c++)
            {
                var real = c < row.Length;
                ids[r, c] = real ? row[c] : padId;
                mask[r, c] = real ? 1 : 0;
            }
        }
        return new TokenBatch(ids, mask);
    }
}
