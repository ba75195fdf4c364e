using SongGen.Hub.Cards;

namespace SongGen.Hub.Tests.Cards;

/// <summary>The generated SongGen card states the facts, validates, and survives a round trip.</summary>
public sealed class SongGenModelCardTests
{
    private static SongGenCardFacts MixedPro(CardImage? image = null) => new()
    {
        ModelName = "songgen-mixed-pro-musiccaps",
        RepoId = "alice/songgen-mixed-pro-musiccaps",
        Mode = "mixed_pro",
        License = "cc-by-nc-4.0",
        BaseModel = "LiuZH-19/SongGen_mixed_pro",
        Datasets = ["google/MusicCaps"],
        Language = ["en"],
        TrainingSteps = 12_000,
        FinalLoss = 3.14159,
        CodebookLosses = [2.1, 2.9, 3.3, 3.6, 3.8, 3.9, 4.0, 4.1],
        VocalCodebookLosses = [1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2],
        EvalDataset = new EvalDataset("google/MusicCaps", "MusicCaps", Split: "test"),
        EvalMetrics = [EvalMetric.Of("loss", 3.5, "eval loss")],
        Images = [image ?? new CardImage("images/loss_curve.png", "Training loss", "black: total, blue: codebook 0")],
    };

    [Fact]
    public void Metadata_carries_what_the_Hub_indexes()
    {
        var card = SongGenModelCard.Create(MixedPro());
        var metadata = RepoCard.Parse(card.ToString()).Metadata;
        Assert.Equal("cc-by-nc-4.0", metadata.License);
        Assert.Equal("songgen", metadata.LibraryName);
        Assert.Equal("text-to-audio", metadata.PipelineTag);
        Assert.Equal(["LiuZH-19/SongGen_mixed_pro"], metadata.BaseModel);
        Assert.Equal(BaseModelRelation.Finetune, metadata.BaseModelRelation);
        Assert.Equal(["google/MusicCaps"], metadata.Datasets);
        Assert.Equal(["en"], metadata.Language);
        Assert.Contains("text-to-audio", metadata.Tags);
        Assert.Contains("song-generation", metadata.Tags);
        Assert.Contains("mixed_pro", metadata.Tags);
        Assert.Contains("single-track", metadata.Tags);
        var metric = Assert.Single(Assert.Single(Assert.Single(metadata.ModelIndex).Results).Metrics);
        Assert.Equal(3.5, metric.NumericValue);
        Assert.Empty(card.Validate(RepoType.Model));
    }

    [Fact]
    public void Image_links_survive_spaces_parentheses_and_brackets()
    {
        var text = SongGenModelCard.Create(MixedPro(new CardImage("my plots/loss (final).png", "Loss [smoothed]"))).ToString();
        Assert.Contains("![Loss \\[smoothed\\]](my%20plots/loss%20%28final%29.png)", text);
    }

    [Fact]
    public void The_body_states_mode_base_model_data_steps_losses_images_and_usage()
    {
        var text = SongGenModelCard.Create(MixedPro()).ToString();
        Assert.Contains("# songgen-mixed-pro-musiccaps\n", text);
        Assert.Contains("| Mode | `mixed_pro`: single track", text);
        Assert.Contains("| Base model | [LiuZH-19/SongGen_mixed_pro](https://huggingface.co/LiuZH-19/SongGen_mixed_pro) (finetune) |", text);
        Assert.Contains("[google/MusicCaps](https://huggingface.co/datasets/google/MusicCaps)", text);
        Assert.Contains("| Training steps | 12,000 |", text);
        Assert.Contains("| total | 3.1416 |", text);
        Assert.Contains("| codebook 0 | 2.1000 |", text);
        Assert.Contains("| codebook 7 | 4.1000 |", text);
        Assert.Contains("| vocal head 7 | 2.2000 |", text);
        Assert.Contains("| eval loss | 3.5000 |", text);
        Assert.Contains("![Training loss](images/loss_curve.png)\n\nblack: total, blue: codebook 0\n", text);
        Assert.Contains("songgen hub download alice/songgen-mixed-pro-musiccaps --local-dir ./songgen-mixed-pro-musiccaps", text);
        Assert.Contains("## Usage", text);
        // A generated card round-trips exactly.
        Assert.Equal(text, RepoCard.Parse(text).ToString());
    }

    [Fact]
    public void Dual_track_parallel_modes_have_sixteen_rows_accompaniment_first()
    {
        var facts = new SongGenCardFacts
        {
            ModelName = "m", Mode = "parallel_A_V", License = "mit", TrainingSteps = 5,
            CodebookLosses = Enumerable.Range(0, 16).Select(k => k / 10.0).ToList(),
        };
        var card = SongGenModelCard.Create(facts);
        Assert.Contains("| accompaniment codebook 0 | 0.0000 |", card.Body);
        Assert.Contains("| vocal codebook 7 | 1.5000 |", card.Body);
        Assert.Contains("dual-track", card.Metadata.Tags);
        Assert.Empty(card.Metadata.BaseModel);
        Assert.False(card.Metadata.ContainsKey("base_model_relation"));
        Assert.Empty(card.Validate(RepoType.Model));
    }

    [Fact]
    public void Inconsistent_facts_are_refused()
    {
        var good = MixedPro();
        Assert.Contains("unknown SongGen mode 'mixed_max'", Assert.Throws<ArgumentException>(() => SongGenModelCard.Create(Copy(good, mode: "mixed_max"))).Message);
        Assert.Contains("8 codebook rows, but 3", Assert.Throws<ArgumentException>(() => SongGenModelCard.Create(Copy(good, codebooks: [1, 2, 3]))).Message);
        Assert.Contains("only for mixed_pro", Assert.Throws<ArgumentException>(() => SongGenModelCard.Create(Copy(good, mode: "interleaving_A_V"))).Message);
    }

    private static SongGenCardFacts Copy(SongGenCardFacts f, string? mode = null, IReadOnlyList<double>? codebooks = null) => new()
    {
        ModelName = f.ModelName, Mode = mode ?? f.Mode, License = f.License, BaseModel = f.BaseModel, Datasets = f.Datasets,
        TrainingSteps = f.TrainingSteps, FinalLoss = f.FinalLoss, CodebookLosses = codebooks ?? f.CodebookLosses,
        VocalCodebookLosses = f.VocalCodebookLosses, Images = f.Images,
    };
}
