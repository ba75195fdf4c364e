using System.Globalization;

namespace SongGen.Hub.Cards;

/// <summary>How a model derives from its <c>base_model</c> (the Hub draws the model tree from it).</summary>
public enum BaseModelRelation
{
    Adapter,
    Merge,
    Quantized,
    Finetune,
}

public static class BaseModelRelations
{
    public static string ToHubName(this BaseModelRelation relation) => relation.ToString().ToLowerInvariant();

    public static bool TryParse(string? value, out BaseModelRelation relation)
    {
        foreach (var candidate in Enum.GetValues<BaseModelRelation>())
        {
            if (candidate.ToHubName() == value)
            {
                relation = candidate;
                return true;
            }
        }
        relation = default;
        return false;
    }

    public static string Names => string.Join(", ", Enum.GetValues<BaseModelRelation>().Select(r => r.ToHubName()));
}

/// <summary>One <c>model-index</c> entry: a model name and its evaluation results.</summary>
public sealed record ModelIndexEntry(string Name, IReadOnlyList<EvalResult> Results);

/// <summary>Results of one task on one dataset (<c>model-index[].results[]</c>).</summary>
public sealed record EvalResult(EvalTask Task, EvalDataset Dataset, IReadOnlyList<EvalMetric> Metrics, EvalSource? Source = null);

/// <param name="Type">Task id, e.g. <c>text-to-audio</c>.</param>
/// <param name="Name">Display name, e.g. "Text to audio".</param>
public sealed record EvalTask(string Type, string? Name = null);

/// <param name="Type">Dataset id on the Hub (<c>namespace/name</c>) or a short name.</param>
/// <param name="Name">Display name.</param>
public sealed record EvalDataset(string Type, string Name, string? Config = null, string? Split = null, string? Revision = null);

/// <param name="Type">Metric id, e.g. <c>fad</c> or <c>loss</c>.</param>
/// <param name="Value">The value as written in the card (a number, or text such as "12.3 ± 0.4").</param>
/// <param name="Name">Display name.</param>
public sealed record EvalMetric(string Type, string Value, string? Name = null, string? Config = null, bool? Verified = null)
{
    /// <summary>A metric with a numeric value (written as a plain YAML number).</summary>
    public static EvalMetric Of(string type, double value, string? name = null) =>
        new(type, value.ToString("R", CultureInfo.InvariantCulture), name);

    /// <summary>The value as a number, when it is one.</summary>
    public double? NumericValue =>
        double.TryParse(Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;
}

/// <summary>Where results come from (a leaderboard or paper): <c>source: {name?, url}</c>.</summary>
public sealed record EvalSource(string Url, string? Name = null);

/// <summary>One dataset-card <c>configs</c> entry: a config name and its data files by split.</summary>
public sealed record DatasetConfig(string ConfigName, IReadOnlyList<DataFiles> DataFiles, bool? Default = null);

/// <param name="Split">Split name (<c>train</c>, <c>test</c>…); null when the card lists files without splits.</param>
/// <param name="Paths">File paths or glob patterns in the repository.</param>
public sealed record DataFiles(string? Split, IReadOnlyList<string> Paths);
