using SongGen.Model.Config;
using SongGen.Model.Generation;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Generation;

public sealed class LogitsWarpersTests
{
    private static float[] Row(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void Temperature_divides_the_scores()
    {
        using var s = tensor(new float[] { 1f, -2f, 4f, 0.5f }).view(1, 4);
        using var w = LogitsWarpers.Temperature(s, 0.5);
        Assert.Equal(new float[] { 2f, -4f, 8f, 1f }, Row(w));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogitsWarpers.Temperature(s, 0));
    }

    [Fact]
    public void Top_k_keeps_the_k_largest()
    {
        using var s = tensor(new float[] { 0.1f, 3f, -1f, 2f, 5f, 0f, 1f, 3f, 2f, 9f }).view(2, 5);
        using var w = LogitsWarpers.TopK(s, 2);
        var ninf = float.NegativeInfinity;
        Assert.Equal(new[] { ninf, 3f, ninf, ninf, 5f, ninf, ninf, 3f, ninf, 9f }, Row(w));
        // Ties with the k-th value are kept; k is clamped to V; k = 0 is a no-op.
        using var tie = tensor(new float[] { 1f, 2f, 2f, 0f }).view(1, 4);
        Assert.Equal(new[] { ninf, 2f, 2f, ninf }, Row(LogitsWarpers.TopK(tie, 1)));
        Assert.Equal(new[] { ninf, 2f, 2f, ninf }, Row(LogitsWarpers.TopK(tie, 2)));
        Assert.Equal(new[] { 1f, 2f, 2f, 0f }, Row(LogitsWarpers.TopK(tie, 10)));
        Assert.Equal(new[] { 1f, 2f, 2f, 0f }, Row(LogitsWarpers.TopK(tie, 0)));
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        // probabilities 0.5, 0.3, 0.15, 0.05
        using var s = tensor(new float[] { 0.5f, 0.3f, 0.15f, 0.05f }).log().view(1, 4);
        var ninf = float.NegativeInfinity;
        float[] Kept(double p) => Row(LogitsWarpers.TopP(s, p)).Select(x => float.IsNegativeInfinity(x) ? 0f : 1f).ToArray();
        Assert.Equal(new float[] { 1, 0, 0, 0 }, Kept(0.4));    // 0.5 ≥ 0.4
        Assert.Equal(new float[] { 1, 1, 0, 0 }, Kept(0.7));    // 0.8 ≥ 0.7
        Assert.Equal(new float[] { 1, 1, 1, 0 }, Kept(0.9));    // 0.95 ≥ 0.9
        Assert.Equal(new float[] { 1, 1, 1, 1 }, Kept(0.99));
        Assert.Equal(new float[] { 1, 0, 0, 0 }, Kept(0.01));   // at least one token
        Assert.Equal(Row(s), Row(LogitsWarpers.TopP(s, 1.0)));
        Assert.DoesNotContain(ninf, Row(LogitsWarpers.TopP(s, 1.0)));
        // rows are independent and the order of the vocabulary does not matter
        using var two = tensor(new float[] { 0.05f, 0.15f, 0.3f, 0.5f, 0.25f, 0.25f, 0.25f, 0.25f }).log().view(2, 4);
        var w = Row(LogitsWarpers.TopP(two, 0.7)).Select(x => float.IsNegativeInfinity(x) ? 0f : 1f).ToArray();
        Assert.Equal(new float[] { 0, 0, 1, 1 }, w.Take(4));
        Assert.Equal(3, w.Skip(4).Count(x => x == 1f));   // uniform: 0.75 ≥ 0.7 with three tokens
    }

    [Fact]
    public void Apply_runs_temperature_then_top_k_then_top_p_and_nothing_when_greedy()
    {
        using var s = tensor(new float[] { 4f, 2f, 0f, -2f, 1f }).view(1, 5);
        var g = new GenerationConfig { DoSample = true, Temperature = 2.0, TopK = 3, TopP = 0.8 };
        using var expected = LogitsWarpers.TopP(LogitsWarpers.TopK(LogitsWarpers.Temperature(s, 2.0), 3), 0.8);
        Assert.Equal(Row(expected), Row(LogitsWarpers.Apply(s, g)));
        var greedy = new GenerationConfig { DoSample = false, Temperature = 2.0, TopK = 1 };
        Assert.Equal(Row(s), Row(LogitsWarpers.Apply(s, greedy)));
        Assert.Equal(0L, LogitsWarpers.SelectNextTokens(s, greedy, null).item<long>());
        // top-k 1 sampling is deterministic
        var topOne = new GenerationConfig { DoSample = true, TopK = 1 };
        using var gen = new Generator(3);
        Assert.Equal(0L, LogitsWarpers.SelectNextTokens(s, topOne, gen).item<long>());
    }
}
