using SongGen.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Generation;

/// <summary>
/// The sampling warpers transformers applies when <c>do_sample</c> is true, in its order: temperature (only when
/// ≠ 1), top-k (only when k ≠ 0) and top-p (only when p &lt; 1). Removed entries are set to −inf. Each method takes
/// (rows, V) scores and returns a new tensor; the inputs are left unchanged.
/// </summary>
public static class LogitsWarpers
{
    /// <summary>Divides the scores by <paramref name="temperature"/> (&gt; 0).</summary>
    public static Tensor Temperature(Tensor scores, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be positive");
        return scores / temperature;
    }

    /// <summary>
    /// Keeps the scores not below the k-th largest of each row (ties with it are kept); k is clamped to
    /// [<paramref name="minTokensToKeep"/>, V]. k = 0 leaves the scores unchanged.
    /// </summary>
    public static Tensor TopK(Tensor scores, int k, int minTokensToKeep = 1)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k));
        if (k == 0) return scores.clone();
        using var scope = NewDisposeScope();
        long keep = Math.Min(Math.Max(k, minTokensToKeep), scores.shape[^1]);
        var kth = scores.topk((int)keep, dim: -1).values[TensorIndex.Ellipsis, TensorIndex.Slice(-1, null)];
        return scores.masked_fill(scores.lt(kth), float.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Nucleus filtering: with the scores sorted ascending, the entries whose cumulative softmax probability is
    /// ≤ 1 − p are removed, so the kept set is the smallest set of the most likely tokens whose probability reaches p;
    /// at least <paramref name="minTokensToKeep"/> entries are always kept. p = 1 leaves the scores unchanged.
    /// </summary>
    public static Tensor TopP(Tensor scores, double p, int minTokensToKeep = 1)
    {
        if (p is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "top_p must be in (0, 1]");
        if (p >= 1.0) return scores.clone();
        using var scope = NewDisposeScope();
        var (sorted, order) = scores.sort(dim: -1, descending: false);
        var cumulative = sorted.softmax(-1).cumsum(-1);
        var removeSorted = cumulative.le(1.0 - p);
        long v = scores.shape[^1];
        long guard = Math.Min(minTokensToKeep, v);
        removeSorted[TensorIndex.Ellipsis, TensorIndex.Slice(v - guard, null)] = tensor(false);
        var remove = removeSorted.scatter(-1, order, removeSorted);
        return scores.masked_fill(remove, float.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The warper chain of <paramref name="config"/> (temperature, top-k, top-p). With <c>do_sample</c> false no
    /// warper applies (greedy decoding takes the argmax of the processed scores) and a copy is returned.
    /// </summary>
    public static Tensor Apply(Tensor scores, GenerationConfig config)
    {
        if (!config.DoSample) return scores.clone();
        using var scope = NewDisposeScope();
        var s = scores;
        if (config.Temperature != 1.0) s = Temperature(s, config.Temperature);
        if (config.TopK != 0) s = TopK(s, config.TopK);
        if (config.TopP < 1.0) s = TopP(s, config.TopP);
        if (ReferenceEquals(s, scores)) s = scores.clone();
        return s.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The next token of each row: the argmax when <c>do_sample</c> is false, otherwise one draw from
    /// softmax(warped scores) with <paramref name="generator"/>. Returns (rows,) int64.
    /// </summary>
    public static Tensor SelectNextTokens(Tensor scores, GenerationConfig config, Generator? generator)
    {
        using var scope = NewDisposeScope();
        if (!config.DoSample) return scores.argmax(-1).MoveToOuterDisposeScope();
        var warped = Apply(scores, config);
        var probs = warped.softmax(-1);
        return multinomial(probs, 1, replacement: false, generator: generator).squeeze(1).MoveToOuterDisposeScope();
    }
}
