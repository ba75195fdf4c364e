using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SongGen.Hub.Cards;

namespace SongGen.Hub.Tests.Cards;

/// <summary>The PNG writer produces files a decoder accepts: signature, IHDR, chunk CRCs, and pixel rows that inflate to the image.</summary>
public sealed class LossCurvePngTests
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        // The CRC-32 check value of "123456789" (IEEE 802.3).
        Assert.Equal(0xCBF43926u, Crc32.Append(0, "123456789"u8));
        Assert.Equal(Crc32.Append(0, "123456789"u8), Crc32.Append(Crc32.Append(0, "1234"u8), "56789"u8));
    }

    [Fact]
    public void An_encoded_image_decodes_to_the_same_pixels()
    {
        const int width = 7, height = 5;
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i * 37 + 11);
        var decoded = Decode(PngEncoder.Encode(width, height, rgb));
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal(rgb, decoded.Rgb);
    }

    [Fact]
    public void A_loss_curve_has_a_white_background_and_the_series_colours()
    {
        var steps = Enumerable.Range(0, 200).Select(i => i * 50.0).ToList();
        IReadOnlyList<LossSeries> series =
        [
            new("loss", steps.Select(s => (s, 6.0 * Math.Exp(-s / 3000) + 2)).ToList()),
            new("codebook_0", steps.Select(s => (s, 4.0 * Math.Exp(-s / 2000) + 1)).ToList()),
        ];
        var png = LossCurvePlot.RenderPng(series, new LossCurveOptions { Width = 640, Height = 360 });
        var image = Decode(png);
        Assert.Equal((640, 360), (image.Width, image.Height));
        Assert.Equal(((byte)255, (byte)255, (byte)255), image.Pixel(639, 0));
        var colours = new HashSet<(byte, byte, byte)>();
        for (var y = 0; y < image.Height; y++)
            for (var x = 0; x < image.Width; x++)
                colours.Add(image.Pixel(x, y));
        Assert.Contains(((byte)0, (byte)0, (byte)0), colours); // the total, black
        var blue = LossCurvePlot.Palette[1];
        Assert.Contains((blue.R, blue.G, blue.B), colours);
        // The total starts high on the left: its first point is near the top of the plot area, the last near the bottom.
        Assert.True(CountDark(image, x0: 60, x1: 90, y0: 0, y1: 60) > 0, "no curve near the top left");
        Assert.True(png.Length < 60_000, $"a plot should compress well, got {png.Length} bytes");
    }

    [Fact]
    public void Log_scale_and_gaps_render_and_bad_input_is_refused()
    {
        var points = new List<(double, double)> { (0, 10), (1, double.NaN), (2, 1), (3, 0.1) };
        Decode(LossCurvePlot.RenderPng([new LossSeries("loss", points)], new LossCurveOptions { LogScale = true }));
        Assert.Throws<ArgumentException>(() => LossCurvePlot.RenderPng([]));
        Assert.Throws<ArgumentException>(() => LossCurvePlot.RenderPng([new LossSeries("loss", [(0, double.NaN)])]));
        Assert.Throws<ArgumentException>(() => LossCurvePlot.RenderPng([new LossSeries("loss", [(0, 1.0)])], new LossCurveOptions { Width = 10 }));
        // One point or a flat line still gets a range.
        Decode(LossCurvePlot.RenderPng([new LossSeries("loss", [(5, 2.0)])]));
    }

    [Fact]
    public void Nice_ticks_cover_the_range_in_round_steps()
    {
        Assert.Equal([0.0, 2000, 4000, 6000, 8000, 10000], LossCurvePlot.Ticks(0, 9950, 8));
        Assert.Equal([1.0, 2, 3, 4, 5], LossCurvePlot.Ticks(1.2, 4.4, 6));
        Assert.Equal([0.25, 0.3, 0.35, 0.4], LossCurvePlot.Ticks(0.26, 0.39, 4));
    }

    [RequiresPyYamlFact]
    public void Pythons_zlib_and_a_chunk_walk_accept_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), "songgen-plot-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            File.WriteAllBytes(path, LossCurvePlot.RenderPng([new LossSeries("loss", [(0, 3.0), (100, 2.0), (200, 1.5)])], new LossCurveOptions { Width = 300, Height = 200 }));
            const string script = """
                import struct, sys, zlib
                data = open(sys.argv[1], "rb").read()
                assert data[:8] == b"\x89PNG\r\n\x1a\n", "signature"
                pos, idat, width, height = 8, b"", 0, 0
                while pos < len(data):
                    (length,) = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]; body = data[pos + 8:pos + 8 + length]
                    (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
                    assert zlib.crc32(kind + body) & 0xffffffff == crc, kind
                    if kind == b"IHDR": width, height, depth, colour = struct.unpack(">IIBB", body[:10]); assert (depth, colour) == (8, 2)
                    if kind == b"IDAT": idat += body
                    pos += 12 + length
                raw = zlib.decompress(idat)
                assert len(raw) == height * (1 + 3 * width), len(raw)
                print(width, height)
                """;
            var (code, output, error) = Python.Run(script, [path]);
            Assert.True(code == 0, error);
            Assert.Equal("300 200", output.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int CountDark(DecodedImage image, int x0, int x1, int y0, int y1)
    {
        var count = 0;
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++)
                if (image.Pixel(x, y) is var (r, g, b) && r < 60 && g < 60 && b < 60) count++;
        return count;
    }

    internal sealed record DecodedImage(int Width, int Height, byte[] Rgb)
    {
        public (byte, byte, byte) Pixel(int x, int y) => (Rgb[(y * Width + x) * 3], Rgb[(y * Width + x) * 3 + 1], Rgb[(y * Width + x) * 3 + 2]);
    }

    /// <summary>An independent reader for 8-bit RGB PNGs: checks every chunk CRC and undoes all five row filters.</summary>
    internal static DecodedImage Decode(byte[] png)
    {
        Assert.Equal(Signature, png[..8]);
        var position = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        var chunks = new List<string>();
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            var type = Encoding.ASCII.GetString(png, position + 4, 4);
            var body = png.AsSpan(position + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            Assert.Equal(ReferenceCrc(png.AsSpan(position + 4, 4 + length)), crc);
            chunks.Add(type);
            if (type == "IHDR")
            {
                Assert.Equal(13, length);
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, body[8..].ToArray());
            }
            if (type == "IDAT") idat.Write(body);
            position += 12 + length;
        }
        Assert.Equal("IHDR", chunks[0]);
        Assert.Equal("IEND", chunks[^1]);
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress)) zlib.CopyTo(inflated);
        var raw = inflated.ToArray();
        var stride = width * 3;
        Assert.Equal(height * (stride + 1), raw.Length);
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                int a = i >= 3 ? rgb[y * stride + i - 3] : 0, b = y > 0 ? rgb[(y - 1) * stride + i] : 0, c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
                var x = raw[y * (stride + 1) + 1 + i];
                rgb[y * stride + i] = (byte)(filter switch
                {
                    0 => x,
                    1 => x + a,
                    2 => x + b,
                    3 => x + (a + b) / 2,
                    4 => x + Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                });
            }
        }
        return new DecodedImage(width, height, rgb);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Bit-by-bit CRC-32, written independently of the table version under test.</summary>
    private static uint ReferenceCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in data)
        {
            crc ^= value;
            for (var k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
        }
        return ~crc;
    }
}
