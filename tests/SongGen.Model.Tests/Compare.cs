using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests;

/// <summary>Fixture comparisons: exact for integer/bool outputs and names listed as exact, else max |a − e| within the tolerance.</summary>
internal static class Compare
{
    public static double MaxAbs(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual.to_type(ScalarType.Float64) - expected.to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    /// <summary>Asserts <paramref name="actual"/> matches output <paramref name="name"/> of the fixture; returns the max abs error.</summary>
    public static double Output(Fixture fixture, string name, Tensor actual)
    {
        var expected = fixture.Output(name);
        Assert.Equal(expected.shape, actual.shape);
        var key = "outputs." + name;
        if (fixture.IsExact(key) || fixture.IsExact(name) || !expected.is_floating_point())
        {
            Assert.Equal(expected.dtype, actual.dtype);
            using (var same = expected.eq(actual).all()) Assert.True(same.item<bool>(), $"{name}: not exactly equal");
            return 0;
        }
        var err = MaxAbs(actual, expected);
        var tol = fixture.Tolerance(key);
        Assert.True(err <= tol, $"{name}: max abs error {err:G4} > tolerance {tol:G4}");
        return err;
    }
}
