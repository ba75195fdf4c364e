using YamlDotNet.RepresentationModel;

namespace SongGen.Hub.Cards;

/// <summary>
/// Checks card metadata before a push, the way the Hub reads it: the types of the keys it understands, the
/// <c>model-index</c> and <c>configs</c> shapes, <c>base_model_relation</c> values and dataset size categories are
/// errors; an unknown license id or task, or a custom license without a name, are warnings (the Hub's lists grow).
/// Unknown keys are the card author's business and are not checked.
/// </summary>
public static class CardValidator
{
    /// <summary>License ids of the Hub's license list (docs: repositories-licenses).</summary>
    public static readonly IReadOnlySet<string> KnownLicenses = new HashSet<string>(StringComparer.Ordinal)
    {
        "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m", "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear",
        "c-uda", "cc", "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
        "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl",
        "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0",
        "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "lppl-1.3c", "ms-pl", "mpl-2.0", "odc-by", "odbl", "openrail++", "osl-3.0",
        "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license", "llama2", "llama3",
        "llama3.1", "llama3.2", "llama3.3", "gemma", "unknown", "other",
    };

    /// <summary>Tasks the Hub knows as <c>pipeline_tag</c> (and dataset <c>task_categories</c>).</summary>
    public static readonly IReadOnlySet<string> KnownTasks = new HashSet<string>(StringComparer.Ordinal)
    {
        "text-classification", "token-classification", "table-question-answering", "question-answering", "zero-shot-classification",
        "translation", "summarization", "feature-extraction", "text-generation", "fill-mask", "sentence-similarity",
        "text-to-speech", "text-to-audio", "automatic-speech-recognition", "audio-to-audio", "audio-classification",
        "audio-text-to-text", "voice-activity-detection", "depth-estimation", "image-classification", "object-detection",
        "image-segmentation", "text-to-image", "image-to-text", "image-to-image", "image-to-video", "unconditional-image-generation",
        "video-classification", "reinforcement-learning", "robotics", "tabular-classification", "tabular-regression",
        "tabular-to-text", "table-to-text", "multiple-choice", "text-ranking", "text-retrieval", "time-series-forecasting",
        "text-to-video", "image-text-to-text", "image-text-to-image", "image-text-to-video", "visual-question-answering",
        "document-question-answering", "zero-shot-image-classification", "graph-ml", "mask-generation",
        "zero-shot-object-detection", "text-to-3d", "image-to-3d", "image-feature-extraction", "video-text-to-text",
        "keypoint-detection", "visual-document-retrieval", "any-to-any", "video-to-video", "other",
    };

    /// <summary>The values the Hub accepts in a dataset card's <c>size_categories</c>.</summary>
    public static readonly IReadOnlyList<string> SizeCategories =
        ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B", "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T"];

    private static readonly string[] StringKeys =
        ["license", "license_name", "license_link", "library_name", "pipeline_tag", "base_model_relation", "new_version", "thumbnail", "pretty_name", "paperswithcode_id"];

    /// <summary>Keys that hold a list of strings, where a single string is also read as a one-item list.</summary>
    private static readonly string[] StringOrListKeys =
        ["language", "datasets", "metrics", "base_model", "task_categories", "task_ids", "size_categories", "source_datasets",
         "annotations_creators", "language_creators", "multilinguality"];

    /// <summary>Every problem in the metadata, errors and warnings, in key order.</summary>
    public static IReadOnlyList<CardProblem> Validate(CardMetadata metadata, RepoType repoType)
    {
        var problems = new List<CardProblem>();
        var reader = new CardNodeReader(metadata.LineOffset, problems.Add);
        foreach (var key in metadata.Keys)
        {
            var node = metadata.Get(key)!;
            if (StringKeys.Contains(key)) reader.String(node, key);
            else if (StringOrListKeys.Contains(key)) reader.StringList(node, key, allowSingle: true);
            else if (key == "tags") reader.StringList(node, key, allowSingle: false);
            else if (key == "model-index") reader.ModelIndex(node, key);
            else if (key == "configs") reader.Configs(node, key);
        }

        var license = StringOf(metadata, "license", problems);
        if (license is not null)
        {
            if (!KnownLicenses.Contains(license))
                reader.Warning(metadata.Get("license"), "license",
                    $"'{license}' is not in the Hub's license list; use its id (e.g. apache-2.0, mit, cc-by-4.0) or 'other' with license_name and license_link");
            else if (license == "other" && StringOf(metadata, "license_name", problems) is null)
                reader.Warning(metadata.Get("license"), "license", "license 'other' needs license_name (and license_link, or a LICENSE file in the repo)");
        }

        var relationNode = metadata.Get("base_model_relation");
        if (StringOf(metadata, "base_model_relation", problems) is { } relation)
        {
            if (!BaseModelRelations.TryParse(relation, out _))
                reader.Error(relationNode, "base_model_relation", $"'{relation}' is not one of {BaseModelRelations.Names}");
            if (metadata.Get("base_model") is not { } baseModel || CardYaml.IsNull(baseModel))
                reader.Error(relationNode, "base_model_relation", "set without base_model");
        }

        if (metadata.Get("base_model") is { } baseModels && ListOf(metadata, "base_model", problems) is { } models)
            foreach (var model in models)
                if (!LooksLikeRepoId(model))
                    reader.Error(baseModels, "base_model", $"'{model}' is not a model id (namespace/name)");

        if (StringOf(metadata, "pipeline_tag", problems) is { } task && !KnownTasks.Contains(task))
            reader.Warning(metadata.Get("pipeline_tag"), "pipeline_tag", $"'{task}' is not a task the Hub knows (e.g. text-to-audio, text-to-speech, text-generation)");

        if (repoType == RepoType.Dataset)
        {
            if (ListOf(metadata, "size_categories", problems) is { } sizes)
                foreach (var size in sizes)
                    if (!SizeCategories.Contains(size))
                        reader.Error(metadata.Get("size_categories"), "size_categories", $"'{size}' is not one of {string.Join(", ", SizeCategories)}");
            if (ListOf(metadata, "task_categories", problems) is { } categories)
                foreach (var category in categories)
                    if (!KnownTasks.Contains(category))
                        reader.Warning(metadata.Get("task_categories"), "task_categories", $"'{category}' is not a task the Hub knows");
        }
        else if (metadata.ContainsKey("configs"))
            reader.Warning(metadata.Get("configs"), "configs", "configs are read from dataset cards only");

        if (repoType != RepoType.Dataset && ListOf(metadata, "datasets", problems) is { } datasets)
            foreach (var dataset in datasets)
                if (dataset.Contains(' ', StringComparison.Ordinal))
                    reader.Error(metadata.Get("datasets"), "datasets", $"'{dataset}' is not a dataset id (no spaces allowed)");

        return problems;
    }

    /// <summary>A key's string when it has the right type (a type fault is already in <paramref name="problems"/>).</summary>
    private static string? StringOf(CardMetadata metadata, string key, List<CardProblem> problems)
    {
        var node = metadata.Get(key);
        if (node is null || problems.Any(p => p.Key == key && p.IsError)) return null;
        return node is YamlScalarNode scalar && CardYaml.Resolve(scalar) is string text ? text : null;
    }

    private static IReadOnlyList<string>? ListOf(CardMetadata metadata, string key, List<CardProblem> problems)
    {
        var node = metadata.Get(key);
        if (node is null || problems.Any(p => p.IsError && (p.Key == key || p.Key.StartsWith(key + "[", StringComparison.Ordinal)))) return null;
        return new CardNodeReader(0, _ => { }).StringList(node, key, allowSingle: true);
    }

    /// <summary><c>name</c> or <c>namespace/name</c> of letters, digits, '-', '_', '.'.</summary>
    private static bool LooksLikeRepoId(string id)
    {
        var parts = id.Split('/');
        return parts.Length is 1 or 2 && parts.All(p => p.Length > 0 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));
    }
}
