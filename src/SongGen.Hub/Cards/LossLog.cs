using System.Globalization;

namespace SongGen.Hub.Cards;

/// <summary>
/// A training loss log as CSV: a header with a <c>step</c> column and one column per loss (<c>loss</c>,
/// <c>codebook_0</c>…, <c>vocal_0</c>…), one row per logged step. Empty cells are missing values; <c>nan</c> and
/// <c>inf</c> are kept (the plot breaks the line there).
/// </summary>
public sealed class LossLog
{
    private LossLog(IReadOnlyList<LossSeries> series) => Series = series;

    /// <summary>One series per loss column, in column order.</summary>
    public IReadOnlyList<LossSeries> Series { get; }

    public LossSeries? Find(string name) => Series.FirstOrDefault(s => s.Name == name);

    /// <summary>The last finite value of a column, or null.</summary>
    public double? Final(string name) =>
        Find(name)?.Points.Where(p => double.IsFinite(p.Value)).Select(p => (double?)p.Value).LastOrDefault();

    /// <summary>The largest step logged.</summary>
    public long LastStep => (long)Series.SelectMany(s => s.Points).Select(p => p.Step).DefaultIfEmpty(0).Max();

    /// <summary>The columns named <c>{prefix}0</c>, <c>{prefix}1</c>, … in index order (stops at the first gap).</summary>
    public IReadOnlyList<LossSeries> Indexed(string prefix)
    {
        var found = new List<LossSeries>();
        for (var k = 0; Find(prefix + k.ToString(CultureInfo.InvariantCulture)) is { } series; k++) found.Add(series);
        return found;
    }

    /// <exception cref="FormatException">The file names itself and the line and column at fault.</exception>
    public static LossLog ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim().Length == 0) throw new FormatException($"{path}: empty; expected a header line such as 'step,loss,codebook_0,…'");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        var stepColumn = Array.IndexOf(header, "step");
        if (stepColumn < 0) throw new FormatException($"{path}:1: no 'step' column in the header ({string.Join(",", header)})");
        var duplicate = header.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new FormatException($"{path}:1: column '{duplicate.Key}' appears twice");
        var points = header.Select(_ => new List<(double, double)>()).ToArray();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var cells = lines[i].Split(',');
            if (cells.Length != header.Length) throw new FormatException($"{path}:{i + 1}: {cells.Length} cells, the header has {header.Length}");
            if (!double.TryParse(cells[stepColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out var step) || !double.IsFinite(step))
                throw new FormatException($"{path}:{i + 1}: step '{cells[stepColumn].Trim()}' is not a number");
            for (var c = 0; c < header.Length; c++)
            {
                if (c == stepColumn || cells[c].Trim().Length == 0) continue;
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw new FormatException($"{path}:{i + 1}: column '{header[c]}' value '{cells[c].Trim()}' is not a number");
                points[c].Add((step, value));
            }
        }
        var series = header.Select((name, c) => (name, c)).Where(x => x.c != stepColumn)
            .Select(x => new LossSeries(x.name, points[x.c])).ToList();
        if (series.Count == 0) throw new FormatException($"{path}:1: no loss columns besides 'step'");
        return new LossLog(series);
    }
}
