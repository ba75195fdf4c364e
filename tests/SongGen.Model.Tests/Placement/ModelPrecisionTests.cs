using SongGen.Model.Placement;

namespace SongGen.Model.Tests.Placement;

public sealed class ModelPrecisionTests
{
    [Theory]
    [InlineData("fp32", ModelPrecision.Float32)]
    [InlineData("Float32", ModelPrecision.Float32)]
    [InlineData(" bf16 ", ModelPrecision.BFloat16)]
    [InlineData("BFLOAT16", ModelPrecision.BFloat16)]
    public void Parses_short_and_long_names(string text, ModelPrecision expected)
    {
        Assert.Equal(expected, ModelPrecisions.Parse(text));
        Assert.Equal(expected, ModelPrecisions.Parse(expected.ToShortName()));
    }

    [Fact]
    public void Unknown_precision_names_the_accepted_forms()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelPrecisions.Parse("fp16"));
        Assert.Contains("'fp16'", error.Message);
        Assert.Contains("bf16", error.Message);
    }
}
