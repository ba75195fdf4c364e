using SongGen.Hub.Cards;

namespace SongGen.Hub.Tests.Cards;

/// <summary>Local validation before a push: each fault named with its key and README.md line and column.</summary>
public sealed class CardValidationTests
{
    [Theory]
    [InlineData(ExampleCards.FineTunedModel, RepoType.Model)]
    [InlineData(ExampleCards.GeneratedModel, RepoType.Model)]
    [InlineData(ExampleCards.Dataset, RepoType.Dataset)]
    public void Realistic_cards_have_no_problems(string content, RepoType type) => Assert.Empty(RepoCard.Validate(content, type));

    [Fact]
    public void Malformed_yaml_names_the_readme_line_and_column()
    {
        // Line 1 is the opening '---', so the unclosed list on the block's second line is README.md line 3.
        var problems = RepoCard.Validate("---\nlicense: mit\ntags: [a, b\nlibrary_name: x\n---\n# body\n", RepoType.Model, "card/README.md");
        var problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.StartsWith("malformed YAML", problem.Message);
        Assert.InRange(problem.Line, 3, 4);
        Assert.True(problem.Column > 0);
        Assert.StartsWith($"card/README.md:{problem.Line}:{problem.Column}: error: malformed YAML", problem.Format("card/README.md"));

        // A tab in the indentation is reported on its own line (YamlDotNet points at the mapping above it).
        var tab = Assert.Single(RepoCard.Validate("---\nlicense: mit\ntags:\n\t- a\n---\n", RepoType.Model));
        Assert.Equal((4, 1), (tab.Line, tab.Column));
        Assert.Contains("tab", tab.Message);

        var ex = Assert.Throws<CardFormatException>(() => RepoCard.Parse("\n---\nkey: \"unterminated\n---\n", "x/README.md"));
        Assert.Contains("x/README.md:", ex.Message);
        Assert.Contains("malformed YAML", ex.Message);
    }

    [Fact]
    public void Front_matter_that_is_not_a_mapping_or_repeats_a_key_is_refused()
    {
        var list = Assert.Single(RepoCard.Validate("---\n- a\n- b\n---\n", RepoType.Model));
        Assert.Contains("must be a YAML mapping", list.Message);
        Assert.Contains("a list", list.Message);
        Assert.Equal(2, list.Line);

        var duplicate = Assert.Single(RepoCard.Validate("---\nlicense: mit\nlicense: apache-2.0\n---\n", RepoType.Model));
        Assert.True(duplicate.IsError);
        Assert.Contains("license", duplicate.Format("README.md"));
    }

    [Fact]
    public void Wrong_types_for_known_keys_are_errors_at_their_position()
    {
        const string card = """
            ---
            tags: text-to-audio
            license:
              - mit
            language: en
            library_name: 3
            datasets:
              - good/one
              - {not: a string}
            pipeline_tag: text-to-audio
            ---
            """;
        var problems = RepoCard.Validate(card, RepoType.Model);
        Assert.All(problems, p => Assert.True(p.IsError, p.ToString()));
        Assert.Equal(["tags", "license", "library_name", "datasets[1]"], problems.Select(p => p.Key));
        Assert.Equal("README.md:2:7: error: tags: expected a list of strings, got a string", problems[0].ToString());
        Assert.Equal((4, 3), (problems[1].Line, problems[1].Column));
        Assert.Contains("expected a string, got a list", problems[1].Message);
        Assert.Contains("the number 3 (quote it", problems[2].Message);
        Assert.Equal(9, problems[3].Line);

        // The typed accessor refuses the same value, naming the key and line.
        var ex = Assert.Throws<CardFormatException>(() => RepoCard.Parse(card).Metadata.Tags);
        Assert.Equal("README.md:2:7: error: tags: expected a list of strings, got a string", ex.Message);
    }

    [Fact]
    public void Base_model_relation_must_be_known_and_need_a_base_model()
    {
        var wrong = RepoCard.Validate("---\nbase_model: org/base\nbase_model_relation: distilled\n---\n", RepoType.Model);
        var problem = Assert.Single(wrong);
        Assert.Equal("base_model_relation", problem.Key);
        Assert.Contains("'distilled' is not one of adapter, merge, quantized, finetune", problem.Message);
        Assert.Throws<CardFormatException>(() => RepoCard.Parse("---\nbase_model: org/base\nbase_model_relation: distilled\n---\n").Metadata.BaseModelRelation);

        var orphan = Assert.Single(RepoCard.Validate("---\nbase_model_relation: adapter\n---\n", RepoType.Model));
        Assert.Contains("without base_model", orphan.Message);

        var badId = Assert.Single(RepoCard.Validate("---\nbase_model: not a/valid/id\n---\n", RepoType.Model));
        Assert.Contains("not a model id", badId.Message);
    }

    [Fact]
    public void Model_index_shape_faults_name_the_exact_path()
    {
        const string card = """
            ---
            model-index:
            - name: m
              results:
              - task:
                  name: no type here
                dataset:
                  type: org/data
                metrics:
                - type: fad
                - value: 1.0
              - dataset: {type: a, name: b}
                metrics: []
            - results: []
            - just a string
            ---
            """;
        var problems = RepoCard.Validate(card, RepoType.Model).Select(p => $"{p.Key}: {p.Message}").ToList();
        Assert.Equal(
        [
            "model-index[0].results[0].task: 'type' is required",
            "model-index[0].results[0].dataset: 'name' is required",
            "model-index[0].results[0].metrics[0]: 'value' is required",
            "model-index[0].results[0].metrics[1]: 'type' is required",
            "model-index[0].results[1]: 'task' is required (a mapping with 'type')",
            "model-index[0].results[1].metrics: at least one metric is required",
            "model-index[1]: 'name' is required",
            "model-index[2]: expected a mapping, got a string",
        ], problems);

        var missingResults = Assert.Single(RepoCard.Validate("---\nmodel-index:\n- name: m\n---\n", RepoType.Model));
        Assert.Contains("'results' is required", missingResults.Message);
        Assert.Contains("expected a list", Assert.Single(RepoCard.Validate("---\nmodel-index: {name: m}\n---\n", RepoType.Model)).Message);
    }

    [Fact]
    public void License_and_task_lists_give_warnings_not_errors()
    {
        var problems = RepoCard.Validate("---\nlicense: my-own-license\npipeline_tag: text-to-song\n---\n", RepoType.Model);
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal(CardProblemSeverity.Warning, p.Severity));
        Assert.Contains("'other' with license_name", problems[0].Message);

        var other = Assert.Single(RepoCard.Validate("---\nlicense: other\n---\n", RepoType.Model));
        Assert.Contains("license_name", other.Message);
        Assert.Empty(RepoCard.Validate("---\nlicense: other\nlicense_name: songgen-license\nlicense_link: LICENSE\n---\n", RepoType.Model));
    }

    [Fact]
    public void Dataset_cards_check_size_categories_and_configs()
    {
        const string card = """
            ---
            size_categories:
            - 1K<n<10K
            - lots
            configs:
            - config_name: default
              data_files:
              - split: train
            - config_name: default
              data_files: a.csv
            ---
            """;
        var problems = RepoCard.Validate(card, RepoType.Dataset).Select(p => $"{p.Key}: {p.Message}").ToList();
        Assert.Equal(3, problems.Count);
        Assert.Contains("'lots' is not one of n<1K, 1K<n<10K", problems.Single(p => p.StartsWith("size_categories")));
        Assert.Contains("configs[0].data_files[0]: 'path' is required (a path or glob, or a list of them)", problems);
        Assert.Contains("configs[1].config_name: duplicate config name 'default'", problems);
    }

    [Fact]
    public void A_card_without_front_matter_is_valid()
    {
        Assert.Empty(RepoCard.Validate("# Only a body\n", RepoType.Model));
        Assert.Empty(RepoCard.Validate("---\n# only a comment\n---\nbody\n", RepoType.Model));
    }
}
