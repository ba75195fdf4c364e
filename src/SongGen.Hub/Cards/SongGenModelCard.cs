using System.Globalization;
using System.Text;

namespace SongGen.Hub.Cards;

/// <summary>An image the card embeds, uploaded alongside README.md.</summary>
/// <param name="PathInRepo">Path relative to the repository root, e.g. <c>images/loss_curve.png</c>.</param>
/// <param name="AltText">Alternative text.</param>
/// <param name="Caption">Shown under the image (e.g. which colour is which curve).</param>
public sealed record CardImage(string PathInRepo, string AltText, string? Caption = null);

/// <summary>What a SongGen model card states. Losses are the final training (or evaluation) cross-entropies.</summary>
public sealed class SongGenCardFacts
{
    /// <summary>Title of the card; usually the repository name.</summary>
    public required string ModelName { get; init; }

    /// <summary>The repository id (<c>namespace/name</c>), used in the usage section; none means a placeholder.</summary>
    public string? RepoId { get; init; }

    /// <summary>Track pattern: <c>mixed</c>, <c>mixed_pro</c>, <c>parallel_std</c>, <c>parallel_A_V</c>, <c>parallel_V_A</c>, <c>interleaving_A_V</c> or <c>interleaving_V_A</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>License id for the <c>license</c> key (the base model's terms usually decide it).</summary>
    public required string License { get; init; }

    /// <summary>The model trained from (<c>namespace/name</c>), if any.</summary>
    public string? BaseModel { get; init; }

    /// <summary>How the model derives from <see cref="BaseModel"/> (default: finetune when a base model is given).</summary>
    public BaseModelRelation? BaseModelRelation { get; init; }

    /// <summary>Training dataset ids.</summary>
    public IReadOnlyList<string> Datasets { get; init; } = [];

    /// <summary>Lyrics languages (ISO 639-1), if known.</summary>
    public IReadOnlyList<string> Language { get; init; } = [];

    public long TrainingSteps { get; init; }

    /// <summary>Final weighted total loss.</summary>
    public double? FinalLoss { get; init; }

    /// <summary>Final loss of each codebook row (8, or 16 for the parallel patterns), if known.</summary>
    public IReadOnlyList<double> CodebookLosses { get; init; } = [];

    /// <summary>mixed_pro: final loss of each auxiliary vocal codebook head, if known.</summary>
    public IReadOnlyList<double> VocalCodebookLosses { get; init; } = [];

    /// <summary>Evaluation results written to <c>model-index</c> (with <see cref="EvalDataset"/>).</summary>
    public IReadOnlyList<EvalMetric> EvalMetrics { get; init; } = [];

    public EvalDataset? EvalDataset { get; init; }

    /// <summary>Images shown under "Training curves" (uploaded alongside README.md).</summary>
    public IReadOnlyList<CardImage> Images { get; init; } = [];

    /// <summary>Tags beyond the standard ones.</summary>
    public IReadOnlyList<string> ExtraTags { get; init; } = [];

    /// <summary><c>library_name</c> (default <c>songgen</c>).</summary>
    public string LibraryName { get; init; } = "songgen";

    /// <summary>A paragraph under the title; a default sentence when null.</summary>
    public string? Description { get; init; }
}

/// <summary>Builds the card of a SongGen model: Hub metadata plus a readable Markdown body.</summary>
public static class SongGenModelCard
{
    /// <summary>The track patterns and what each means, as the card explains them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Modes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["mixed"] = "single track: the decoder predicts the mixed song (vocals and accompaniment together) as 8 X-Codec codebooks",
        ["mixed_pro"] = "single track: the mixed song as 8 X-Codec codebooks, trained with an auxiliary vocal-track loss for clearer vocals",
        ["parallel_std"] = "dual track: accompaniment and vocal codebooks side by side (16 rows), frames aligned",
        ["parallel_A_V"] = "dual track: accompaniment and vocal codebooks side by side (16 rows), the vocal lagging by one frame",
        ["parallel_V_A"] = "dual track: accompaniment and vocal codebooks side by side (16 rows), the accompaniment lagging by one frame",
        ["interleaving_A_V"] = "dual track: accompaniment and vocal tokens alternate in time (accompaniment first), 8 codebooks",
        ["interleaving_V_A"] = "dual track: vocal and accompaniment tokens alternate in time (vocal first), 8 codebooks",
    };

    /// <summary>Codebook rows of a mode: 16 for the parallel patterns, else 8.</summary>
    public static int CodebookRows(string mode) => mode.StartsWith("parallel", StringComparison.Ordinal) ? 16 : 8;

    /// <exception cref="ArgumentException">An unknown mode, a loss list of the wrong length, or vocal losses for a mode without vocal heads.</exception>
    public static RepoCard Create(SongGenCardFacts facts)
    {
        if (!Modes.TryGetValue(facts.Mode, out var modeText))
            throw new ArgumentException($"unknown SongGen mode '{facts.Mode}'; expected one of {string.Join(", ", Modes.Keys)}");
        var rows = CodebookRows(facts.Mode);
        if (facts.CodebookLosses.Count is not 0 && facts.CodebookLosses.Count != rows)
            throw new ArgumentException($"mode {facts.Mode} has {rows} codebook rows, but {facts.CodebookLosses.Count} codebook losses were given");
        if (facts.VocalCodebookLosses.Count > 0 && facts.Mode != "mixed_pro")
            throw new ArgumentException($"vocal codebook losses exist only for mixed_pro, not {facts.Mode}");
        if (facts.VocalCodebookLosses.Count is not (0 or 8))
            throw new ArgumentException($"mixed_pro has 8 vocal codebook heads, but {facts.VocalCodebookLosses.Count} vocal losses were given");
        if (facts.TrainingSteps < 0) throw new ArgumentException($"training steps must not be negative ({facts.TrainingSteps})");
        if (facts.EvalMetrics.Count > 0 && facts.EvalDataset is null)
            throw new ArgumentException("evaluation metrics need the dataset they were measured on");

        var metadata = new CardMetadata();
        metadata.License = facts.License;
        if (facts.Language.Count > 0) metadata.Language = facts.Language;
        metadata.LibraryName = facts.LibraryName;
        var dualTrack = facts.Mode.StartsWith("parallel", StringComparison.Ordinal) || facts.Mode.StartsWith("interleaving", StringComparison.Ordinal);
        metadata.Tags = ["text-to-audio", "song-generation", "music-generation", "songgen", facts.Mode, dualTrack ? "dual-track" : "single-track", .. facts.ExtraTags];
        if (facts.BaseModel is not null)
        {
            metadata.BaseModel = [facts.BaseModel];
            metadata.BaseModelRelation = facts.BaseModelRelation ?? Cards.BaseModelRelation.Finetune;
        }
        if (facts.Datasets.Count > 0) metadata.Datasets = facts.Datasets;
        metadata.PipelineTag = "text-to-audio";
        if (facts.EvalMetrics.Count > 0)
            metadata.ModelIndex = [new ModelIndexEntry(facts.ModelName, [new EvalResult(new EvalTask("text-to-audio", "Text to audio"), facts.EvalDataset!, facts.EvalMetrics)])];

        return new RepoCard(metadata, Body(facts, modeText, dualTrack));
    }

    private static string Body(SongGenCardFacts facts, string modeText, bool dualTrack)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');

        Line();
        Line($"# {facts.ModelName}");
        Line();
        Line(facts.Description ?? $"A SongGen text-to-song model ({(dualTrack ? "dual-track" : "single-track")} `{facts.Mode}` pattern), trained with SongGen.NET. "
            + "It generates a song (vocals and accompaniment) from a text description and lyrics.");
        Line();
        Line("## Model details");
        Line();
        Line("| | |");
        Line("|---|---|");
        Line($"| Mode | `{facts.Mode}`: {modeText} |");
        if (facts.BaseModel is not null)
            Line($"| Base model | [{facts.BaseModel}](https://huggingface.co/{facts.BaseModel}) ({(facts.BaseModelRelation ?? BaseModelRelation.Finetune).ToHubName()}) |");
        if (facts.Datasets.Count > 0)
            Line($"| Training data | {string.Join(", ", facts.Datasets.Select(d => $"[{d}](https://huggingface.co/datasets/{d})"))} |");
        Line($"| Training steps | {facts.TrainingSteps.ToString("N0", CultureInfo.InvariantCulture)} |");
        if (facts.Language.Count > 0) Line($"| Lyrics languages | {string.Join(", ", facts.Language)} |");
        Line($"| License | {facts.License} |");
        Line();

        if (facts.FinalLoss is not null || facts.CodebookLosses.Count > 0 || facts.EvalMetrics.Count > 0)
        {
            Line("## Results");
            Line();
            if (facts.FinalLoss is not null || facts.CodebookLosses.Count > 0)
            {
                Line($"Final training losses after {facts.TrainingSteps.ToString("N0", CultureInfo.InvariantCulture)} steps (cross-entropy of the X-Codec tokens; "
                    + "the total weights the codebooks as the SongGen objective does"
                    + (facts.VocalCodebookLosses.Count > 0 ? " and adds 0.1 × the vocal loss" : "") + "):");
                Line();
                Line("| Loss | Value |");
                Line("|---|---:|");
                if (facts.FinalLoss is { } total) Line($"| total | {Format(total)} |");
                var rowNames = CodebookRowNames(facts.Mode);
                for (var k = 0; k < facts.CodebookLosses.Count; k++) Line($"| {rowNames[k]} | {Format(facts.CodebookLosses[k])} |");
                for (var k = 0; k < facts.VocalCodebookLosses.Count; k++) Line($"| vocal head {k} | {Format(facts.VocalCodebookLosses[k])} |");
                Line();
            }
            if (facts.EvalMetrics.Count > 0)
            {
                var dataset = facts.EvalDataset!;
                Line($"Evaluation on {dataset.Name}{(dataset.Split is null ? "" : $" ({dataset.Split} split)")}:");
                Line();
                Line("| Metric | Value |");
                Line("|---|---:|");
                foreach (var metric in facts.EvalMetrics)
                    Line($"| {metric.Name ?? metric.Type} | {(metric.NumericValue is { } number ? Format(number) : metric.Value)} |");
                Line();
            }
        }

        if (facts.Images.Count > 0)
        {
            Line("## Training curves");
            Line();
            foreach (var image in facts.Images)
            {
                Line(MarkdownImage(image.AltText, image.PathInRepo));
                Line();
                if (image.Caption is not null)
                {
                    Line(image.Caption);
                    Line();
                }
            }
        }

        var repo = facts.RepoId ?? "NAMESPACE/MODEL";
        Line("## Usage");
        Line();
        Line("Download the checkpoint with the `songgen` CLI of SongGen.NET (or any Hugging Face client) and inspect it:");
        Line();
        Line("```bash");
        Line($"songgen hub download {repo} --local-dir ./{repo.Split('/')[^1]}");
        Line($"songgen ckpt inspect {repo}");
        Line($"songgen model describe --config ./{repo.Split('/')[^1]}/config.json");
        Line("```");
        Line();
        Line("Prompts pair a text description (genre, instruments, mood, voice) with lyrics; "
            + (dualTrack ? "the model writes separate vocal and accompaniment tracks, mixed for playback." : "the model writes the mixed song directly."));
        Line();
        Line("## Training");
        Line();
        Line($"Trained for {facts.TrainingSteps.ToString("N0", CultureInfo.InvariantCulture)} steps"
            + (facts.BaseModel is null ? "" : $" from [{facts.BaseModel}](https://huggingface.co/{facts.BaseModel})")
            + (facts.Datasets.Count == 0 ? "" : $" on {string.Join(", ", facts.Datasets)}")
            + ". This card was generated by `songgen hub card init`.");
        return text.ToString();
    }

    /// <summary>"codebook k" for single-track and interleaving modes; parallel modes put the 8 accompaniment rows first, then the 8 vocal rows.</summary>
    private static string[] CodebookRowNames(string mode) => mode.StartsWith("parallel", StringComparison.Ordinal)
        ? [.. Enumerable.Range(0, 8).Select(k => $"accompaniment codebook {k}"), .. Enumerable.Range(0, 8).Select(k => $"vocal codebook {k}")]
        : Enumerable.Range(0, 8).Select(k => $"codebook {k}").ToArray();

    private static string Format(double value) => double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>![alt](path)</c> with the path percent-encoded segment by segment (a space or parenthesis would end the link
    /// early) and brackets in the alt text escaped; the Hub resolves the encoded path to the uploaded file.
    /// </summary>
    internal static string MarkdownImage(string altText, string pathInRepo)
    {
        var alt = altText.Replace("\\", "\\\\").Replace("[", "\\[").Replace("]", "\\]");
        var path = string.Join('/', pathInRepo.Split('/').Select(Uri.EscapeDataString));
        return $"![{alt}]({path})";
    }
}
