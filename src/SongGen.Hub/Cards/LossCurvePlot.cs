using System.Globalization;

namespace SongGen.Hub.Cards;

/// <summary>One curve: a name for the legend and (step, value) points in step order. Non-finite values break the line.</summary>
public sealed record LossSeries(string Name, IReadOnlyList<(double Step, double Value)> Points);

/// <summary>Size and scale of a loss-curve image.</summary>
public sealed class LossCurveOptions
{
    /// <summary>Image width in pixels (default 800).</summary>
    public int Width { get; set; } = 800;

    /// <summary>Image height in pixels (default 450).</summary>
    public int Height { get; set; } = 450;

    /// <summary>Logarithmic value axis (default false); needs positive values.</summary>
    public bool LogScale { get; set; }
}

/// <summary>An RGB colour of the plot palette, with the word the card's legend uses for it.</summary>
public readonly record struct PlotColor(byte R, byte G, byte B, string Name);

/// <summary>
/// Draws loss curves (value over training step) into a PNG: white background, grid, numbered axes, one anti-aliased
/// line per series in <see cref="Palette"/> order. The image carries no text legend; the card's Markdown names the
/// colours (<see cref="Palette"/>[i].Name), which keeps the renderer free of fonts beyond the digits drawn here.
/// </summary>
public static class LossCurvePlot
{
    /// <summary>Series colours in order: black for the first (the total loss), then the usual categorical ten.</summary>
    public static readonly IReadOnlyList<PlotColor> Palette =
    [
        new(0, 0, 0, "black"), new(31, 119, 180, "blue"), new(255, 127, 14, "orange"), new(44, 160, 44, "green"),
        new(214, 39, 40, "red"), new(148, 103, 189, "purple"), new(140, 86, 75, "brown"), new(227, 119, 194, "pink"),
        new(127, 127, 127, "grey"), new(188, 189, 34, "olive"), new(23, 190, 207, "cyan"),
    ];

    private const int Left = 64, Right = 16, Top = 16, Bottom = 44, Scale = 2;

    public static byte[] RenderPng(IReadOnlyList<LossSeries> series, LossCurveOptions? options = null)
    {
        var canvas = Render(series, options ?? new LossCurveOptions());
        return PngEncoder.Encode(canvas.Width, canvas.Height, canvas.Pixels);
    }

    internal static Canvas Render(IReadOnlyList<LossSeries> series, LossCurveOptions options)
    {
        if (options.Width < 200 || options.Height < 120) throw new ArgumentException($"a loss curve needs at least 200x120 pixels, not {options.Width}x{options.Height}");
        if (series.Count == 0) throw new ArgumentException("no loss series to plot");
        if (series.Count > Palette.Count) throw new ArgumentException($"at most {Palette.Count} series can be told apart, got {series.Count}");
        Func<double, double> transform = options.LogScale ? Math.Log10 : v => v;
        var points = series.SelectMany(s => s.Points)
            .Where(p => double.IsFinite(p.Step) && double.IsFinite(p.Value) && (!options.LogScale || p.Value > 0)).ToList();
        if (points.Count == 0) throw new ArgumentException(options.LogScale ? "no positive finite loss values to plot on a log scale" : "no finite loss values to plot");

        var (xMin, xMax) = Range(points.Select(p => p.Step));
        var (yMin, yMax) = Range(points.Select(p => transform(p.Value)));
        var xTicks = Ticks(xMin, xMax, 8);
        var yTicks = options.LogScale ? LogTicks(yMin, yMax) : Ticks(yMin, yMax, 6);
        xMin = Math.Min(xMin, xTicks[0]);
        xMax = Math.Max(xMax, xTicks[^1]);
        yMin = Math.Min(yMin, yTicks[0]);
        yMax = Math.Max(yMax, yTicks[^1]);

        var canvas = new Canvas(options.Width, options.Height);
        canvas.Fill(255, 255, 255);
        var plotWidth = options.Width - Left - Right;
        var plotHeight = options.Height - Top - Bottom;
        double X(double step) => Left + (step - xMin) / (xMax - xMin) * plotWidth;
        double Y(double value) => Top + plotHeight - (transform(value) - yMin) / (yMax - yMin) * plotHeight;
        double YT(double transformed) => Top + plotHeight - (transformed - yMin) / (yMax - yMin) * plotHeight;

        foreach (var tick in xTicks)
        {
            var x = (int)Math.Round(X(tick));
            canvas.VerticalLine(x, Top, Top + plotHeight, 225, 225, 225);
            var label = FormatStep(tick);
            var labelX = Math.Clamp(x - Font.Width(label, Scale) / 2, 0, options.Width - Font.Width(label, Scale) - 1);
            canvas.Text(label, labelX, Top + plotHeight + 8, Scale, 60, 60, 60);
        }
        var yDecimals = Decimals(yTicks);
        foreach (var tick in yTicks)
        {
            var y = (int)Math.Round(YT(tick));
            canvas.HorizontalLine(Left, Left + plotWidth, y, 225, 225, 225);
            var label = options.LogScale ? FormatValue(Math.Pow(10, tick), 3) : tick.ToString("F" + yDecimals, CultureInfo.InvariantCulture);
            canvas.Text(label, Left - 6 - Font.Width(label, Scale), y - Font.Height * Scale / 2, Scale, 60, 60, 60);
        }
        canvas.HorizontalLine(Left, Left + plotWidth, Top + plotHeight, 90, 90, 90);
        canvas.VerticalLine(Left, Top, Top + plotHeight, 90, 90, 90);
        canvas.Text("step", Left + plotWidth - Font.Width("step", Scale), options.Height - Font.Height * Scale - 4, Scale, 90, 90, 90);

        // Later series first, so the total (series 0, black) is drawn on top.
        for (var s = series.Count - 1; s >= 0; s--)
        {
            var color = Palette[s];
            (double X, double Y)? previous = null;
            foreach (var (step, value) in series[s].Points)
            {
                if (!double.IsFinite(step) || !double.IsFinite(value) || (options.LogScale && value <= 0))
                {
                    previous = null;
                    continue;
                }
                var current = (X(step), Y(value));
                if (previous is { } from) canvas.ThickLine(from.X, from.Y, current.Item1, current.Item2, color.R, color.G, color.B);
                else canvas.Dot(current.Item1, current.Item2, color.R, color.G, color.B);
                previous = current;
            }
        }
        return canvas;
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        double min = double.MaxValue, max = double.MinValue;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            var pad = Math.Max(Math.Abs(max) * 0.05, 0.5);
            return (min - pad, max + pad);
        }
        return (min, max);
    }

    /// <summary>Round tick values (1, 2 or 5 times a power of ten apart) covering [min, max].</summary>
    internal static double[] Ticks(double min, double max, int target)
    {
        var raw = (max - min) / target;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        // Rounded to the step's digits so 6 x 0.05 prints and compares as 0.3.
        var digits = Math.Clamp(1 - (int)Math.Floor(Math.Log10(step)), 0, 15);
        var ticks = new List<double>();
        for (var n = Math.Floor(min / step + 1e-9); ticks.Count == 0 || ticks[^1] < max - step * 1e-9; n++) ticks.Add(Math.Round(n * step, digits));
        return ticks.ToArray();
    }

    private static double[] LogTicks(double min, double max)
    {
        var from = Math.Floor(min);
        var to = Math.Ceiling(max);
        if (to - from < 1) to = from + 1;
        var ticks = new List<double>();
        for (var d = from; d <= to; d++)
        {
            ticks.Add(d);
            // Within one decade, 2x and 5x marks as well.
            if (to - from <= 2 && d < to) ticks.AddRange([d + Math.Log10(2), d + Math.Log10(5)]);
        }
        return ticks.ToArray();
    }

    private static int Decimals(double[] ticks)
    {
        if (ticks.Length < 2) return 2;
        var step = ticks[1] - ticks[0];
        return Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 6);
    }

    private static string FormatStep(double step) => Math.Abs(step) >= 10_000 && step % 1000 == 0
        ? (step / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : step.ToString("0.##", CultureInfo.InvariantCulture);

    private static string FormatValue(double value, int significant) => value.ToString("G" + significant, CultureInfo.InvariantCulture).ToLowerInvariant();
}

/// <summary>An RGB raster with the few drawing operations a plot needs.</summary>
internal sealed class Canvas(int width, int height)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public byte[] Pixels { get; } = new byte[width * height * 3];

    public void Fill(byte r, byte g, byte b)
    {
        for (var i = 0; i < Pixels.Length; i += 3) (Pixels[i], Pixels[i + 1], Pixels[i + 2]) = (r, g, b);
    }

    public (byte R, byte G, byte B) Get(int x, int y)
    {
        var i = (y * Width + x) * 3;
        return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
    }

    /// <summary>Mixes a colour into a pixel with coverage <paramref name="alpha"/> (0–1); off-canvas pixels are ignored.</summary>
    public void Blend(int x, int y, byte r, byte g, byte b, double alpha)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height || alpha <= 0) return;
        alpha = Math.Min(alpha, 1);
        var i = (y * Width + x) * 3;
        Pixels[i] = (byte)Math.Round(Pixels[i] + (r - Pixels[i]) * alpha);
        Pixels[i + 1] = (byte)Math.Round(Pixels[i + 1] + (g - Pixels[i + 1]) * alpha);
        Pixels[i + 2] = (byte)Math.Round(Pixels[i + 2] + (b - Pixels[i + 2]) * alpha);
    }

    public void HorizontalLine(int x0, int x1, int y, byte r, byte g, byte b)
    {
        for (var x = x0; x <= x1; x++) Blend(x, y, r, g, b, 1);
    }

    public void VerticalLine(int x, int y0, int y1, byte r, byte g, byte b)
    {
        for (var y = y0; y <= y1; y++) Blend(x, y, r, g, b, 1);
    }

    public void Dot(double x, double y, byte r, byte g, byte b)
    {
        for (var dy = -1; dy <= 1; dy++)
            for (var dx = -1; dx <= 1; dx++)
                Blend((int)Math.Round(x) + dx, (int)Math.Round(y) + dy, r, g, b, dx == 0 || dy == 0 ? 1 : 0.5);
    }

    /// <summary>A line about two pixels wide: pixels within reach of the segment, shaded by distance (anti-aliased).</summary>
    public void ThickLine(double x0, double y0, double x1, double y1, byte r, byte g, byte b)
    {
        const double halfWidth = 0.9;
        var minX = (int)Math.Floor(Math.Min(x0, x1) - 2);
        var maxX = (int)Math.Ceiling(Math.Max(x0, x1) + 2);
        var minY = (int)Math.Floor(Math.Min(y0, y1) - 2);
        var maxY = (int)Math.Ceiling(Math.Max(y0, y1) + 2);
        var dx = x1 - x0;
        var dy = y1 - y0;
        var lengthSquared = dx * dx + dy * dy;
        for (var y = Math.Max(minY, 0); y <= Math.Min(maxY, Height - 1); y++)
        {
            for (var x = Math.Max(minX, 0); x <= Math.Min(maxX, Width - 1); x++)
            {
                var t = lengthSquared == 0 ? 0 : Math.Clamp(((x - x0) * dx + (y - y0) * dy) / lengthSquared, 0, 1);
                var distance = Math.Sqrt(Math.Pow(x - (x0 + t * dx), 2) + Math.Pow(y - (y0 + t * dy), 2));
                var coverage = Math.Clamp(halfWidth + 0.5 - distance, 0, 1);
                if (coverage > 0) BlendMax(x, y, r, g, b, coverage);
            }
        }
    }

    /// <summary>Like <see cref="Blend"/>, but never lightens a pixel already at least as close to the colour (joints stay even).</summary>
    private void BlendMax(int x, int y, byte r, byte g, byte b, double alpha)
    {
        var i = (y * Width + x) * 3;
        var before = (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        Blend(x, y, r, g, b, alpha);
        var distanceBefore = Math.Abs(before.Item1 - r) + Math.Abs(before.Item2 - g) + Math.Abs(before.Item3 - b);
        var distanceAfter = Math.Abs(Pixels[i] - r) + Math.Abs(Pixels[i + 1] - g) + Math.Abs(Pixels[i + 2] - b);
        if (distanceAfter > distanceBefore) (Pixels[i], Pixels[i + 1], Pixels[i + 2]) = before;
    }

    public void Text(string text, int x, int y, int scale, byte r, byte g, byte b)
    {
        foreach (var ch in text)
        {
            var glyph = Font.Glyph(ch);
            for (var row = 0; row < Font.Height; row++)
                for (var column = 0; column < Font.GlyphWidth; column++)
                    if (glyph[row][column] == '#')
                        for (var sy = 0; sy < scale; sy++)
                            for (var sx = 0; sx < scale; sx++)
                                Blend(x + column * scale + sx, y + row * scale + sy, r, g, b, 1);
            x += (Font.GlyphWidth + 1) * scale;
        }
    }
}

/// <summary>A 3x5 pixel font for axis numbers and the few letters the plot writes.</summary>
internal static class Font
{
    public const int GlyphWidth = 3;
    public const int Height = 5;

    private static readonly Dictionary<char, string[]> Glyphs = new()
    {
        ['0'] = ["###", "#.#", "#.#", "#.#", "###"],
        ['1'] = [".#.", "##.", ".#.", ".#.", "###"],
        ['2'] = ["###", "..#", "###", "#..", "###"],
        ['3'] = ["###", "..#", ".##", "..#", "###"],
        ['4'] = ["#.#", "#.#", "###", "..#", "..#"],
        ['5'] = ["###", "#..", "###", "..#", "###"],
        ['6'] = ["###", "#..", "###", "#.#", "###"],
        ['7'] = ["###", "..#", ".#.", ".#.", ".#."],
        ['8'] = ["###", "#.#", "###", "#.#", "###"],
        ['9'] = ["###", "#.#", "###", "..#", "###"],
        ['.'] = ["...", "...", "...", "...", ".#."],
        ['-'] = ["...", "...", "###", "...", "..."],
        ['+'] = ["...", ".#.", "###", ".#.", "..."],
        ['e'] = ["...", "###", "###", "#..", "###"],
        ['k'] = ["#..", "#.#", "##.", "#.#", "#.#"],
        ['s'] = ["...", ".##", ".#.", "..#", "##."],
        ['t'] = [".#.", "###", ".#.", ".#.", ".##"],
        ['p'] = ["...", "###", "#.#", "###", "#.."],
        [' '] = ["...", "...", "...", "...", "..."],
    };

    private static readonly string[] Unknown = ["##.", "..#", ".#.", "...", ".#."];

    public static string[] Glyph(char ch) => Glyphs.TryGetValue(ch, out var glyph) ? glyph : Unknown;

    public static int Width(string text, int scale) => text.Length == 0 ? 0 : (text.Length * (GlyphWidth + 1) - 1) * scale;
}
