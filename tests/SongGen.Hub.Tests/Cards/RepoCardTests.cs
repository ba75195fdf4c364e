using System.Text.Json;
using SongGen.Hub.Cards;
using YamlDotNet.RepresentationModel;

namespace SongGen.Hub.Tests.Cards;

/// <summary>Reading and writing README.md cards: byte-exact round trips, edits that keep the rest of the text, typed keys.</summary>
public sealed class RepoCardTests
{
    public static TheoryData<string> Examples => new() { ExampleCards.FineTunedModel, ExampleCards.GeneratedModel, ExampleCards.Dataset };

    [Theory]
    [MemberData(nameof(Examples))]
    public void An_unchanged_card_is_written_back_byte_for_byte(string content)
    {
        Assert.Equal(content, RepoCard.Parse(content).ToString());
        var crlf = content.ReplaceLineEndings("\r\n");
        var card = RepoCard.Parse(crlf);
        Assert.Equal("\r\n", card.LineBreak);
        Assert.Equal(crlf, card.ToString());
    }

    [Fact]
    public void The_block_is_found_with_the_Hubs_pattern()
    {
        // Leading blank lines and trailing spaces after the closing dashes belong to the block; the body starts after.
        var card = RepoCard.Parse("\n\n---\nlicense: mit\n---   \n# Title\n");
        Assert.Equal("mit", card.Metadata.License);
        Assert.Equal("# Title\n", card.Body);

        // No block: everything is the body, and the metadata is empty.
        var plain = RepoCard.Parse("# Just markdown\n---\nnot: metadata\n");
        Assert.Equal(0, plain.Metadata.Count);
        Assert.Equal("# Just markdown\n---\nnot: metadata\n", plain.ToString());

        // The first closing line ends the block, even inside what looks like a longer document.
        var early = RepoCard.Parse("---\na: 1\n---\nb: 2\n---\n");
        Assert.Equal(["a"], early.Metadata.Keys);
        Assert.Equal("b: 2\n---\n", early.Body);
    }

    [Fact]
    public void Typed_keys_of_a_model_card_are_read()
    {
        var metadata = RepoCard.Parse(ExampleCards.FineTunedModel).Metadata;
        Assert.Equal(["en", "zh"], metadata.Language);
        Assert.Equal("apache-2.0", metadata.License);
        Assert.Equal("songgen", metadata.LibraryName);
        Assert.Equal(["text-to-audio", "song-generation", "generated_from_trainer"], metadata.Tags);
        Assert.Equal(["LiuZH-19/SongGen_mixed_pro"], metadata.BaseModel);
        Assert.Equal(BaseModelRelation.Finetune, metadata.BaseModelRelation);
        Assert.Equal(["google/MusicCaps"], metadata.Datasets);
        Assert.Equal("text-to-audio", metadata.PipelineTag);

        var entry = Assert.Single(metadata.ModelIndex);
        Assert.Equal("songgen-mixed-pro-musiccaps", entry.Name);
        var result = Assert.Single(entry.Results);
        Assert.Equal(new EvalTask("text-to-audio", "Text to audio"), result.Task);
        Assert.Equal(new EvalDataset("google/MusicCaps", "MusicCaps", Split: "test"), result.Dataset);
        Assert.Equal(2, result.Metrics.Count);
        Assert.Equal(new EvalMetric("fad", "1.71", "FAD (VGGish)"), result.Metrics[0]);
        Assert.Equal(1.71, result.Metrics[0].NumericValue);
        Assert.False(result.Metrics[1].Verified);
        Assert.Equal(new EvalSource("https://example.org/eval", "our evaluation"), result.Source);

        var merged = RepoCard.Parse(ExampleCards.GeneratedModel).Metadata;
        Assert.Equal(["org/model-a", "org/model-b"], merged.BaseModel);
        Assert.Equal(BaseModelRelation.Merge, merged.BaseModelRelation);
    }

    [Fact]
    public void Typed_keys_of_a_dataset_card_are_read()
    {
        var metadata = RepoCard.Parse(ExampleCards.Dataset).Metadata;
        Assert.Equal("Song captions", metadata.PrettyName);
        Assert.Equal(["1K<n<10K"], metadata.SizeCategories);
        Assert.Equal(["text-to-audio"], metadata.TaskCategories);
        Assert.Equal(["original"], metadata.SourceDatasets);
        Assert.Equal(["expert-generated"], metadata.AnnotationsCreators);
        Assert.Equal(["found"], metadata.LanguageCreators);
        Assert.Equal(2, metadata.Configs.Count);
        var main = metadata.Configs[0];
        Assert.Equal("default", main.ConfigName);
        Assert.True(main.Default);
        Assert.Equal(["train", "test"], main.DataFiles.Select(f => f.Split));
        Assert.Equal(["data/train-*.parquet"], main.DataFiles[0].Paths);
        var lyrics = metadata.Configs[1];
        Assert.Null(lyrics.Default);
        var files = Assert.Single(lyrics.DataFiles);
        Assert.Null(files.Split);
        Assert.Equal(["lyrics/*.jsonl"], files.Paths);
    }

    [Fact]
    public void Changing_one_key_rewrites_only_that_entry_and_keeps_comments_unknown_keys_and_order()
    {
        var card = RepoCard.Parse(ExampleCards.FineTunedModel);
        var keysBefore = card.Metadata.Keys;
        card.Metadata.License = "mit";

        var expected = ExampleCards.FineTunedModel.Replace("license: apache-2.0   # same as the base model\n", "license: mit\n", StringComparison.Ordinal);
        Assert.NotEqual(ExampleCards.FineTunedModel, expected);
        Assert.Equal(expected, card.ToString());
        Assert.Equal(keysBefore, RepoCard.Parse(card.ToString()).Metadata.Keys);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Re_emitting_any_one_entry_keeps_the_meaning_of_the_whole_card(string content)
    {
        var original = RepoCard.Parse(content);
        foreach (var key in original.Metadata.Keys)
        {
            var card = RepoCard.Parse(content);
            card.Metadata.Set(key, card.Metadata.Get(key)); // forces the entry to be written from its node
            var text = card.ToString();
            var reread = RepoCard.Parse(text);
            Assert.Equal(original.Metadata.ToJson(), reread.Metadata.ToJson());
            Assert.Equal(original.Body, reread.Body);
            // Every other key is still there.
            Assert.All(original.Metadata.Keys.Where(k => k != key), k => Assert.Contains(k, text));
        }
        var removed = RepoCard.Parse(content);
        foreach (var key in original.Metadata.Keys.Skip(1)) removed.Metadata.Remove(key);
        Assert.Equal([original.Metadata.Keys[0]], RepoCard.Parse(removed.ToString()).Metadata.Keys);
    }

    [Fact]
    public void A_new_key_goes_last_and_a_removed_key_takes_its_comment_with_it()
    {
        var card = RepoCard.Parse(ExampleCards.FineTunedModel);
        Assert.True(card.Metadata.Remove("model-index"));
        card.Metadata.Set("new_version", CardYaml.String("me/songgen-v2"));
        var text = card.ToString();

        Assert.DoesNotContain("model-index", text);
        Assert.DoesNotContain("# Results on the held-out split", text);
        Assert.Contains("# Card metadata: see https://huggingface.co/docs/hub/model-cards\n", text);
        Assert.Contains("my_private_key: {nested: [1, 2, 3], note: \"kept as is\"}\nnew_version: me/songgen-v2\n---\n", text);
        var reread = RepoCard.Parse(text).Metadata;
        Assert.Equal("new_version", reread.Keys[^1]);
        Assert.Equal("my_private_key", reread.Keys[^2]);
    }

    [Fact]
    public void Lists_are_written_in_the_cards_own_indentation_style()
    {
        var indented = RepoCard.Parse(ExampleCards.FineTunedModel);
        indented.Metadata.Tags = ["text-to-audio", "music", "text-to-audio"];
        Assert.Contains("tags:\n  - text-to-audio\n  - music\nbase_model:", indented.ToString());

        var flat = RepoCard.Parse(ExampleCards.GeneratedModel);
        flat.Metadata.Tags = ["merge"];
        Assert.Contains("tags:\n- merge\nbase_model_relation:", flat.ToString());
    }

    [Fact]
    public void Strings_that_look_like_numbers_or_booleans_stay_strings()
    {
        var card = new RepoCard(new CardMetadata(), "# x\n");
        card.Metadata.Tags = ["2024", "yes", "null", "1e3", "2024-05-01", "plain"];
        card.Metadata.License = "mit";
        var reread = RepoCard.Parse(card.ToString()).Metadata;
        Assert.Equal(["2024", "yes", "null", "1e3", "2024-05-01", "plain"], reread.Tags);
        Assert.Empty(reread.Validate());
        Assert.Equal("---\ntags:\n- '2024'\n- 'yes'\n- 'null'\n- '1e3'\n- '2024-05-01'\n- plain\nlicense: mit\n---\n# x\n", card.ToString());
    }

    [Fact]
    public void Model_index_written_from_records_reads_back_equal()
    {
        var card = RepoCard.Parse(ExampleCards.GeneratedModel);
        IReadOnlyList<ModelIndexEntry> index =
        [
            new("me/songgen", [new EvalResult(new EvalTask("text-to-audio"), new EvalDataset("me/songs", "Songs", Split: "test"),
                [EvalMetric.Of("loss", 2.5), new EvalMetric("per", "12.3 %", "PER")])]),
        ];
        card.Metadata.ModelIndex = index;
        var reread = RepoCard.Parse(card.ToString()).Metadata.ModelIndex;
        var entry = Assert.Single(reread);
        Assert.Equal("me/songgen", entry.Name);
        var result = Assert.Single(entry.Results);
        Assert.Equal(index[0].Results[0].Task, result.Task);
        Assert.Equal(index[0].Results[0].Dataset, result.Dataset);
        Assert.Equal(index[0].Results[0].Metrics, result.Metrics);
        Assert.Contains("value: 2.5\n", card.ToString());
    }

    [Fact]
    public void A_dataset_card_written_from_records_validates_and_reads_back()
    {
        var card = new RepoCard(new CardMetadata(), "# Songs\n");
        card.Metadata.License = "cc-by-4.0";
        card.Metadata.PrettyName = "Songs";
        card.Metadata.TaskCategories = ["text-to-audio"];
        card.Metadata.SizeCategories = ["n<1K"];
        card.Metadata.Configs =
        [
            new DatasetConfig("default", [new DataFiles("train", ["data/train-*.parquet"]), new DataFiles("test", ["a.parquet", "b.parquet"])], Default: true),
            new DatasetConfig("raw", [new DataFiles(null, ["raw/*.jsonl"])]),
        ];
        Assert.Empty(card.Validate(RepoType.Dataset));
        var configs = RepoCard.Parse(card.ToString()).Metadata.Configs;
        Assert.Equal(["default", "raw"], configs.Select(c => c.ConfigName));
        Assert.Equal(["a.parquet", "b.parquet"], configs[0].DataFiles[1].Paths);
        Assert.True(configs[0].Default);
        Assert.Equal(["raw/*.jsonl"], Assert.Single(configs[1].DataFiles).Paths);
        Assert.Contains("  data_files: raw/*.jsonl\n", card.ToString());
    }

    [Fact]
    public void A_flow_mapping_block_is_re_emitted_whole_keeping_keys_and_order()
    {
        var card = RepoCard.Parse("---\n{license: mit, zeta: 1, alpha: [a, b]}\n---\nbody\n");
        Assert.Equal("---\n{license: mit, zeta: 1, alpha: [a, b]}\n---\nbody\n", card.ToString());
        card.Metadata.PipelineTag = "text-to-audio";
        var reread = RepoCard.Parse(card.ToString()).Metadata;
        Assert.Equal(["license", "zeta", "alpha", "pipeline_tag"], reread.Keys);
        Assert.Equal("text-to-audio", reread.PipelineTag);
        Assert.Equal("body\n", RepoCard.Parse(card.ToString()).Body);
    }

    [Fact]
    public void Metadata_is_added_to_a_card_without_front_matter_and_dropped_when_emptied()
    {
        var card = RepoCard.Parse("# Title\r\n\r\nText\r\n");
        card.Metadata.License = "mit";
        Assert.Equal("---\r\nlicense: mit\r\n---\r\n# Title\r\n\r\nText\r\n", card.ToString());
        card.Metadata.License = null;
        Assert.Equal("# Title\r\n\r\nText\r\n", card.ToString());
    }

    [Fact]
    public void Json_shows_what_the_Hub_would_put_in_cardData()
    {
        using var json = JsonDocument.Parse(RepoCard.Parse(ExampleCards.FineTunedModel).Metadata.ToJson());
        var root = json.RootElement;
        Assert.Equal(["language", "license", "library_name", "tags", "base_model", "base_model_relation", "datasets", "pipeline_tag", "widget",
            "inference", "co2_eq_emissions", "model-index", "my_private_key"], root.EnumerateObject().Select(p => p.Name));
        Assert.False(root.GetProperty("inference").GetBoolean());
        Assert.Equal(1234.5, root.GetProperty("co2_eq_emissions").GetProperty("emissions").GetDouble());
        Assert.Equal(3, root.GetProperty("my_private_key").GetProperty("nested")[2].GetInt64());
        Assert.Equal(JsonValueKind.String, root.GetProperty("widget")[0].GetProperty("text").ValueKind);
    }

    [Fact]
    public void Untyped_access_reaches_every_key()
    {
        var metadata = RepoCard.Parse(ExampleCards.FineTunedModel).Metadata;
        var nested = Assert.IsType<YamlMappingNode>(metadata.Get("my_private_key"));
        Assert.Equal("kept as is", ((YamlScalarNode)nested.Children[new YamlScalarNode("note")]).Value);
        Assert.Null(metadata.Get("absent"));
        Assert.False(metadata.Remove("absent"));
    }

    [RequiresPyYamlFact]
    public void PyYaml_reads_an_edited_card_as_we_do()
    {
        var card = RepoCard.Parse(ExampleCards.FineTunedModel);
        card.Metadata.Tags = ["text-to-audio", "2024", "on"];
        card.Metadata.BaseModel = ["a/b", "c/d"];
        card.Metadata.ModelIndex = [new ModelIndexEntry("m", [new EvalResult(new EvalTask("text-to-audio"), new EvalDataset("x/y", "Y"), [EvalMetric.Of("fad", 0.125)])])];
        var path = Path.Combine(Path.GetTempPath(), "songgen-card-" + Guid.NewGuid().ToString("N") + ".md");
        try
        {
            card.Save(path);
            // The Hub's own pattern and PyYAML's safe_load, as huggingface_hub's RepoCard does.
            const string script = """
                import json, re, sys, yaml
                text = open(sys.argv[1], encoding="utf-8").read()
                m = re.search(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))", text)
                print(json.dumps(yaml.safe_load(m.group(2)), sort_keys=False))
                """;
            var (code, output, error) = Python.Run(script, [path]);
            Assert.True(code == 0, error);
            using var python = JsonDocument.Parse(output);
            using var ours = JsonDocument.Parse(RepoCard.Load(path).Metadata.ToJson());
            Assert.Equal(JsonSerializer.Serialize(ours.RootElement), JsonSerializer.Serialize(python.RootElement));
            Assert.Equal(JsonValueKind.String, python.RootElement.GetProperty("tags")[1].ValueKind);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
