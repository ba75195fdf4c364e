namespace SongGen.Model.Tests;

public sealed class FixtureLoadingTests
{
    [RequiresFixtureFact("delay_pattern")]
    public void Fixture_files_load_with_their_metadata()
    {
        using var fixture = Fixture.Load("delay_pattern");
        Assert.NotEmpty(fixture.Tensors);
        Assert.True(fixture.Info.RootElement.TryGetProperty("description", out _));
        Assert.True(fixture.Tolerance("anything") > 0);
    }
}
