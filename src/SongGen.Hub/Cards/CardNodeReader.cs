using YamlDotNet.RepresentationModel;

namespace SongGen.Hub.Cards;

/// <summary>
/// Reads typed values out of metadata nodes, reporting each shape fault (with its README.md position) to a sink. The
/// typed accessors pass a sink that throws; validation passes one that collects.
/// </summary>
internal sealed class CardNodeReader(int lineOffset, Action<CardProblem> report)
{
    public void Error(YamlNode? node, string path, string message) => report(At(node, path, CardProblemSeverity.Error, message));

    public void Warning(YamlNode? node, string path, string message) => report(At(node, path, CardProblemSeverity.Warning, message));

    private CardProblem At(YamlNode? node, string path, CardProblemSeverity severity, string message)
    {
        var line = node is null || node.Start.Line <= 0 ? 0 : (int)node.Start.Line + lineOffset;
        var column = line == 0 ? 0 : (int)node!.Start.Column;
        return new CardProblem(severity, path, line, column, message);
    }

    /// <summary>"a list", "the number 2.0", … for messages.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        YamlScalarNode scalar => CardYaml.Resolve(scalar) switch
        {
            null => "nothing (null)",
            bool b => $"the boolean {(b ? "true" : "false")}",
            long or double => $"the number {scalar.Value}",
            _ => "a string",
        },
        _ => "an alias",
    };

    /// <summary>A string; null when absent or null. A number, bool, list or mapping is reported.</summary>
    public string? String(YamlNode? node, string path)
    {
        if (node is null || CardYaml.IsNull(node)) return null;
        if (node is YamlScalarNode scalar && CardYaml.Resolve(scalar) is string text) return text;
        var hint = node is YamlScalarNode ? " (quote it to make it a string)" : "";
        Error(node, path, $"expected a string, got {Describe(node)}{hint}");
        return null;
    }

    /// <summary>A list of strings; a single string too when <paramref name="allowSingle"/>. Empty when absent.</summary>
    public IReadOnlyList<string> StringList(YamlNode? node, string path, bool allowSingle)
    {
        if (node is null || CardYaml.IsNull(node)) return [];
        if (node is YamlScalarNode)
        {
            if (allowSingle) return String(node, path) is { } single ? [single] : [];
            Error(node, path, $"expected a list of strings, got {Describe(node)}");
            return [];
        }
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, path, $"expected {(allowSingle ? "a string or " : "")}a list of strings, got {Describe(node)}");
            return [];
        }
        var values = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (CardYaml.IsNull(item))
                Error(item, $"{path}[{i}]", "empty list item");
            else if (String(item, $"{path}[{i}]") is { } text)
                values.Add(text);
        }
        return values;
    }

    public bool? Bool(YamlNode? node, string path)
    {
        if (node is null || CardYaml.IsNull(node)) return null;
        if (node is YamlScalarNode scalar && CardYaml.Resolve(scalar) is bool value) return value;
        Error(node, path, $"expected true or false, got {Describe(node)}");
        return null;
    }

    /// <summary>A scalar as written (a metric value may be a number or text).</summary>
    public string? Scalar(YamlNode? node, string path)
    {
        if (node is null || CardYaml.IsNull(node)) return null;
        if (node is YamlScalarNode scalar) return scalar.Value;
        Error(node, path, $"expected a number or string, got {Describe(node)}");
        return null;
    }

    public YamlMappingNode? Mapping(YamlNode? node, string path)
    {
        if (node is null || CardYaml.IsNull(node)) return null;
        if (node is YamlMappingNode mapping) return mapping;
        Error(node, path, $"expected a mapping, got {Describe(node)}");
        return null;
    }

    public YamlSequenceNode? Sequence(YamlNode? node, string path)
    {
        if (node is null || CardYaml.IsNull(node)) return null;
        if (node is YamlSequenceNode sequence) return sequence;
        Error(node, path, $"expected a list, got {Describe(node)}");
        return null;
    }

    /// <summary>The value under a scalar key (compared by text: a quoted and a plain key are the same key).</summary>
    public static YamlNode? Child(YamlMappingNode mapping, string key)
    {
        foreach (var (candidate, value) in mapping.Children)
            if (candidate is YamlScalarNode scalar && scalar.Value == key) return value;
        return null;
    }

    /// <summary>A required string field of a mapping; reported (at the mapping) when missing.</summary>
    private string? Required(YamlMappingNode mapping, string key, string path)
    {
        var node = Child(mapping, key);
        if (node is null || CardYaml.IsNull(node))
        {
            Error(mapping, path, $"'{key}' is required");
            return null;
        }
        return String(node, $"{path}.{key}");
    }

    /// <summary><c>model-index</c>: <c>[{name, results: [{task: {type, name?}, dataset: {type, name, …}, metrics: [{type, value, …}], source?}]}]</c>.</summary>
    public IReadOnlyList<ModelIndexEntry> ModelIndex(YamlNode? node, string path)
    {
        var entries = new List<ModelIndexEntry>();
        if (Sequence(node, path) is not { } sequence) return entries;
        if (sequence.Children.Count == 0) Warning(sequence, path, "empty list: remove the key or add an entry");
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var entryPath = $"{path}[{i}]";
            if (Mapping(sequence.Children[i], entryPath) is not { } entry) continue;
            var name = Required(entry, "name", entryPath);
            var results = new List<EvalResult>();
            var resultsNode = Child(entry, "results");
            if (resultsNode is null || CardYaml.IsNull(resultsNode))
                Error(entry, entryPath, "'results' is required (a list of {task, dataset, metrics})");
            else if (Sequence(resultsNode, $"{entryPath}.results") is { } resultList)
                for (var r = 0; r < resultList.Children.Count; r++)
                    if (Result(resultList.Children[r], $"{entryPath}.results[{r}]") is { } result) results.Add(result);
            if (name is not null) entries.Add(new ModelIndexEntry(name, results));
        }
        return entries;
    }

    private EvalResult? Result(YamlNode node, string path)
    {
        if (Mapping(node, path) is not { } result) return null;
        EvalTask? task = null;
        if (Child(result, "task") is not { } taskNode || CardYaml.IsNull(taskNode))
            Error(result, path, "'task' is required (a mapping with 'type')");
        else if (Mapping(taskNode, $"{path}.task") is { } taskMap && Required(taskMap, "type", $"{path}.task") is { } taskType)
            task = new EvalTask(taskType, String(Child(taskMap, "name"), $"{path}.task.name"));

        EvalDataset? dataset = null;
        if (Child(result, "dataset") is not { } datasetNode || CardYaml.IsNull(datasetNode))
            Error(result, path, "'dataset' is required (a mapping with 'type' and 'name')");
        else if (Mapping(datasetNode, $"{path}.dataset") is { } datasetMap)
        {
            var type = Required(datasetMap, "type", $"{path}.dataset");
            var name = Required(datasetMap, "name", $"{path}.dataset");
            var config = String(Child(datasetMap, "config"), $"{path}.dataset.config");
            var split = String(Child(datasetMap, "split"), $"{path}.dataset.split");
            var revision = String(Child(datasetMap, "revision"), $"{path}.dataset.revision");
            if (type is not null && name is not null) dataset = new EvalDataset(type, name, config, split, revision);
        }

        var metrics = new List<EvalMetric>();
        if (Child(result, "metrics") is not { } metricsNode || CardYaml.IsNull(metricsNode))
            Error(result, path, "'metrics' is required (a list of {type, value})");
        else if (Sequence(metricsNode, $"{path}.metrics") is { } metricList)
        {
            if (metricList.Children.Count == 0) Error(metricList, $"{path}.metrics", "at least one metric is required");
            for (var m = 0; m < metricList.Children.Count; m++)
            {
                var metricPath = $"{path}.metrics[{m}]";
                if (Mapping(metricList.Children[m], metricPath) is not { } metric) continue;
                var type = Required(metric, "type", metricPath);
                var valueNode = Child(metric, "value");
                string? value = null;
                if (valueNode is null || CardYaml.IsNull(valueNode)) Error(metric, metricPath, "'value' is required");
                else value = Scalar(valueNode, $"{metricPath}.value");
                var name = String(Child(metric, "name"), $"{metricPath}.name");
                var config = String(Child(metric, "config"), $"{metricPath}.config");
                var verified = Bool(Child(metric, "verified"), $"{metricPath}.verified");
                if (type is not null && value is not null) metrics.Add(new EvalMetric(type, value, name, config, verified));
            }
        }

        EvalSource? source = null;
        if (Mapping(Child(result, "source"), $"{path}.source") is { } sourceMap && Required(sourceMap, "url", $"{path}.source") is { } url)
            source = new EvalSource(url, String(Child(sourceMap, "name"), $"{path}.source.name"));

        return task is not null && dataset is not null ? new EvalResult(task, dataset, metrics, source) : null;
    }

    /// <summary>Dataset-card <c>configs</c>: <c>[{config_name, data_files: PATH | [PATH…] | [{split, path: PATH | [PATH…]}], default?}]</c>.</summary>
    public IReadOnlyList<DatasetConfig> Configs(YamlNode? node, string path)
    {
        var configs = new List<DatasetConfig>();
        if (Sequence(node, path) is not { } sequence) return configs;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var configPath = $"{path}[{i}]";
            if (Mapping(sequence.Children[i], configPath) is not { } config) continue;
            var name = Required(config, "config_name", configPath);
            if (name is not null && !names.Add(name)) Error(Child(config, "config_name"), $"{configPath}.config_name", $"duplicate config name '{name}'");
            var files = DataFilesOf(Child(config, "data_files"), $"{configPath}.data_files");
            var isDefault = Bool(Child(config, "default"), $"{configPath}.default");
            if (name is not null) configs.Add(new DatasetConfig(name, files, isDefault));
        }
        return configs;
    }

    private IReadOnlyList<DataFiles> DataFilesOf(YamlNode? node, string path)
    {
        if (node is null || CardYaml.IsNull(node)) return [];
        if (node is YamlScalarNode) return String(node, path) is { } single ? [new DataFiles(null, [single])] : [];
        if (Sequence(node, path) is not { } sequence) return [];
        var result = new List<DataFiles>();
        var unsplit = new List<string>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            var itemPath = $"{path}[{i}]";
            if (item is YamlMappingNode split)
            {
                var splitName = Required(split, "split", itemPath);
                var pathNode = Child(split, "path");
                if (pathNode is null || CardYaml.IsNull(pathNode)) Error(split, itemPath, "'path' is required (a path or glob, or a list of them)");
                var paths = StringList(pathNode, $"{itemPath}.path", allowSingle: true);
                if (splitName is not null) result.Add(new DataFiles(splitName, paths));
            }
            else if (String(item, itemPath) is { } file)
                unsplit.Add(file);
        }
        if (unsplit.Count > 0) result.Insert(0, new DataFiles(null, unsplit));
        return result;
    }
}
