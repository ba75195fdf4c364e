using System.Text.Json;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Lyrics;

/// <summary>The deterministic weight rule of the large fixtures (config.weights_formula): a uint32 hash per element.</summary>
internal static class HashedWeights
{
    public static float Value(uint index, uint seed, float offset, float scale)
    {
        uint h = unchecked(index * 0x9E3779B1u + seed * 0x85EBCA77u);
        h ^= h >> 16;
        h = unchecked(h * 0x7FEB352Du);
        h ^= h >> 15;
        h = unchecked(h * 0x846CA68Bu);
        h ^= h >> 16;
        float x = (h >> 8) / 16777216f - 0.5f;
        return offset + scale * x;
    }

    public static Tensor Generate(long[] shape, uint seed, float offset, float scale)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        Parallel.For(0, (int)((count + 65535) / 65536), block =>
        {
            var end = Math.Min(count, (block + 1) * 65536L);
            for (var i = block * 65536L; i < end; i++) values[i] = Value((uint)i, seed, offset, scale);
        });
        return tensor(values).reshape(shape);
    }

    /// <summary>Every entry of <c>config.weights_formula.entries_name_shape_seed_offset_scale</c>.</summary>
    public static Dictionary<string, Tensor> FromConfig(JsonElement config)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in config.GetProperty("weights_formula").GetProperty("entries_name_shape_seed_offset_scale").EnumerateArray())
        {
            var items = entry.EnumerateArray().ToArray();
            var shape = items[1].EnumerateArray().Select(e => e.GetInt64()).ToArray();
            result[items[0].GetString()!] = Generate(shape, items[2].GetUInt32(), items[3].GetSingle(), items[4].GetSingle());
        }
        return result;
    }
}
