using SongGen.Cli.Output;

namespace SongGen.Cli.Tests;

public sealed class UnitsTests
{
    [Theory]
    [InlineData("1048576", 1048576)]
    [InlineData("512KiB", 512 * 1024)]
    [InlineData("16MiB", 16L << 20)]
    [InlineData("16m", 16L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("500KB", 500_000)]
    [InlineData(" 2 MB ", 2_000_000)]
    public void ParseBytes_accepts_counts_and_units(string text, long expected) => Assert.Equal(expected, Units.ParseBytes(text));

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("0")]
    [InlineData("-1M")]
    [InlineData("12 parsecs")]
    [InlineData("1e3")]
    public void ParseBytes_refuses_what_is_not_a_size(string text) => Assert.Throws<FormatException>(() => Units.ParseBytes(text));

    [Fact]
    public async Task A_bad_size_option_is_a_clean_failure()
    {
        await using var cli = await CliSession.StartAsync(seedDemo: false);
        var result = await cli.RunAsync("hub", "download", "songgen/songgen-demo", "--part-size", "lots");
        CliSession.AssertCleanFailure(result, 1);
        Assert.Contains("'lots' is not a size", result.Err);
    }
}
