using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Codes;

internal static class TensorAssert
{
    /// <summary>Same shape, same dtype family and equal element for element (−inf must be −inf).</summary>
    public static void Exact(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype}, expected {expected.dtype}");
        if (expected.is_floating_point())
        {
            // bit-exact including the sign of infinities; NaN never expected
            using var e = expected.to_type(ScalarType.Float64);
            using var a = actual.to_type(ScalarType.Float64);
            using var same = e.eq(a);
            using var bothNegInf = e.isneginf().logical_and(a.isneginf());
            using var ok = same.logical_or(bothNegInf);
            if (!ok.all().item<bool>()) Assert.Fail($"{what}: {Describe(expected, actual, ok)}");
        }
        else
        {
            using var ok = expected.eq(actual);
            if (!ok.all().item<bool>()) Assert.Fail($"{what}: {Describe(expected, actual, ok)}");
        }
    }

    public static void Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var diff = (expected.to_type(ScalarType.Float64) - actual.to_type(ScalarType.Float64)).abs().max();
        double max = diff.item<double>();
        Assert.True(max <= tolerance, $"{what}: max |diff| {max:G6} > {tolerance:G3}");
    }

    /// <summary>Compares by the fixture's rule: exact when listed in <c>exact</c> or integer, else within tolerance.</summary>
    public static void ByFixture(Fixture fixture, string outputName, Tensor actual)
    {
        var expected = fixture.Output(outputName);
        var full = "outputs." + outputName;
        if (fixture.IsExact(full) || fixture.IsExact(outputName) || !expected.is_floating_point())
            Exact(expected, actual, $"{fixture.Name}/{full}");
        else
            Close(expected, actual, fixture.Tolerance(full), $"{fixture.Name}/{full}");
    }

    private static string Describe(Tensor expected, Tensor actual, Tensor ok)
    {
        using var bad = ok.logical_not().nonzero();
        long count = bad.shape[0];
        if (count == 0) return "differs";
        var index = bad[0].data<long>().ToArray();
        var idx = index.Select(i => TensorIndex.Single(i)).ToArray();
        using var e = expected[idx];
        using var a = actual[idx];
        return $"{count} element(s) differ; first at [{string.Join(",", index)}]: actual {a.to_type(ScalarType.Float64).item<double>()}, expected {e.to_type(ScalarType.Float64).item<double>()}";
    }

    public static long Scalar(Tensor t) => t.to_type(ScalarType.Int64).item<long>();
}
