using SongGen.Model.Config;

namespace SongGen.Model.Tests.Config;

public sealed class TrackPatternTests
{
    [Theory]
    // name, dual, interleaved, parallel, streams, steps/frame, leading, lag
    [InlineData("mixed", false, false, false, 8, 1, null, 0)]
    [InlineData("mixed_pro", false, false, false, 8, 1, null, 0)]
    [InlineData("parallel_std", true, false, true, 16, 1, null, 0)]
    [InlineData("parallel_A_V", true, false, true, 16, 1, AudioTrack.Accompaniment, 1)]
    [InlineData("parallel_V_A", true, false, true, 16, 1, AudioTrack.Vocal, 1)]
    [InlineData("interleaving_A_V", true, true, false, 8, 2, AudioTrack.Accompaniment, 0)]
    [InlineData("interleaving_V_A", true, true, false, 8, 2, AudioTrack.Vocal, 0)]
    public void Properties(string name, bool dual, bool interleaved, bool parallel, int streams, int steps, AudioTrack? leading, int lag)
    {
        var p = TrackPatterns.Parse(name);
        Assert.Equal(name, p.ToHfName());
        Assert.Equal(dual, p.IsDualTrack());
        Assert.Equal(!dual, p.IsMixed());
        Assert.Equal(dual ? 2 : 1, p.NumTracks());
        Assert.Equal(interleaved, p.IsInterleaved());
        Assert.Equal(parallel, p.IsParallel());
        Assert.Equal(streams, p.NumStreams());
        Assert.Equal(streams / 8, p.EmbeddingDivisor());
        Assert.Equal(steps, p.StepsPerFrame());
        Assert.Equal(leading, p.LeadingTrack());
        Assert.Equal(lag, p.TrackLagFrames());
        Assert.Equal(name == "mixed_pro", p.AllowsVocalLoss());
    }

    [Fact]
    public void Seven_patterns_with_distinct_names()
    {
        Assert.Equal(7, TrackPatterns.All.Count);
        Assert.Equal(7, TrackPatterns.All.Select(p => p.ToHfName()).Distinct().Count());
    }

    [Theory]
    [InlineData("Mixed_Pro")]
    [InlineData("interleaving_a_v")]
    [InlineData("parallel")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_names_are_rejected(string? name)
    {
        Assert.False(TrackPatterns.TryParse(name, out _));
        if (name is not null) Assert.Contains("mixed_pro", Assert.Throws<ArgumentException>(() => TrackPatterns.Parse(name)).Message);
    }
}
