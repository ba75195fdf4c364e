using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SongGen.Hub;
using SongGen.Hub.Cards;

namespace SongGen.Cli.Commands;

/// <summary>
/// <c>songgen hub card show|validate|init</c>: read, check and write model/dataset cards (README.md) locally. Pushing a
/// card is uploading README.md (and its images) with <c>songgen hub upload</c>.
/// </summary>
internal static class HubCardCommands
{
    public static Command Create(CliContext context)
    {
        var card = new Command("card", "Read, validate and write model and dataset cards (README.md with YAML metadata); push them with 'songgen hub upload'");
        card.Subcommands.Add(Show(context));
        card.Subcommands.Add(Validate(context));
        card.Subcommands.Add(Init(context));
        return card;
    }

    private static Argument<string> CardFile() => new("file") { Description = "The card: README.md, or a folder holding one" };

    private static string ResolveCardPath(string path) => Directory.Exists(path) ? Path.Combine(path, "README.md") : path;

    private static Command Show(CliContext context)
    {
        var file = CardFile();
        var type = CommonOptions.RepoType();
        var json = CommonOptions.Json();
        var command = new Command("show", "Print a card's metadata (the keys the Hub understands, then the others) and any problems") { file, type, json };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var path = ResolveCardPath(parse.GetValue(file)!);
            var card = RepoCard.Load(path);
            var metadata = card.Metadata;
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(metadata.ToJson());
                return Task.FromResult(0);
            }
            var problems = card.Validate(RepoTypeExtensions.ParseRepoType(parse.GetValue(type)!));
            var faulty = problems.Where(p => p.IsError).Select(p => TopKey(p.Key)).ToHashSet(StringComparer.Ordinal);
            var o = context.Out;
            o.WriteLine(path);
            void Field(string key, string label, Func<string?> value)
            {
                if (!metadata.ContainsKey(key)) return;
                o.WriteLine($"  {label,-14} {(faulty.Contains(key) ? "(invalid, see below)" : value() ?? "-")}");
            }
            static string? List(IReadOnlyList<string> values) => values.Count == 0 ? null : string.Join(", ", values);
            Field("license", "license:", () => metadata.License);
            Field("language", "language:", () => List(metadata.Language));
            Field("library_name", "library:", () => metadata.LibraryName);
            Field("pipeline_tag", "task:", () => metadata.PipelineTag);
            Field("tags", "tags:", () => List(metadata.Tags));
            Field("base_model", "base model:", () => List(metadata.BaseModel));
            Field("base_model_relation", "relation:", () => metadata.BaseModelRelation?.ToHubName());
            Field("datasets", "datasets:", () => List(metadata.Datasets));
            Field("pretty_name", "name:", () => metadata.PrettyName);
            Field("task_categories", "tasks:", () => List(metadata.TaskCategories));
            Field("size_categories", "size:", () => List(metadata.SizeCategories));
            Field("configs", "configs:", () => List(metadata.Configs.Select(c => c.ConfigName).ToList()));
            if (metadata.ContainsKey("model-index") && !faulty.Contains("model-index"))
                foreach (var entry in metadata.ModelIndex)
                    foreach (var result in entry.Results)
                        foreach (var metric in result.Metrics)
                            o.WriteLine($"  {"result:",-14} {entry.Name}: {metric.Name ?? metric.Type} = {metric.Value} on {result.Dataset.Name}{(result.Dataset.Split is null ? "" : $" ({result.Dataset.Split})")}");
            var known = new HashSet<string>(StringComparer.Ordinal)
            {
                "license", "language", "library_name", "pipeline_tag", "tags", "base_model", "base_model_relation", "datasets",
                "pretty_name", "task_categories", "size_categories", "configs", "model-index",
            };
            var others = metadata.Keys.Where(k => !known.Contains(k)).ToList();
            if (others.Count > 0) o.WriteLine($"  {"other keys:",-14} {string.Join(", ", others)}");
            var bodyLines = card.Body.Split('\n').Length - (card.Body.EndsWith('\n') ? 1 : 0);
            o.WriteLine($"  {"body:",-14} {bodyLines} lines of Markdown");
            foreach (var problem in problems) o.WriteLine(problem.Format(path));
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Command Validate(CliContext context)
    {
        var files = new Argument<string[]>("files") { Description = "Cards to check (README.md files or folders)", Arity = ArgumentArity.OneOrMore };
        var type = CommonOptions.RepoType();
        var json = new Option<bool>("--json") { Description = "One JSON line per card: {file, errors: [{line, column, key, message}], warnings: […]}" };
        var strict = new Option<bool>("--strict") { Description = "Fail on warnings too" };
        var command = new Command("validate",
            "Check cards as the Hub would before a push: YAML syntax, the types of the keys it understands, model-index and configs shapes, "
            + "base_model_relation; unknown licenses and tasks are warnings. Exit code 1 when any card has errors.")
            { files, type, json, strict };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var repoType = RepoTypeExtensions.ParseRepoType(parse.GetValue(type)!);
            int errors = 0, warnings = 0;
            foreach (var given in parse.GetValue(files)!)
            {
                var path = ResolveCardPath(given);
                var problems = RepoCard.Validate(File.ReadAllText(path), repoType, path);
                errors += problems.Count(p => p.IsError);
                warnings += problems.Count(p => !p.IsError);
                if (parse.GetValue(json))
                {
                    context.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        file = path,
                        errors = problems.Where(p => p.IsError).Select(Json),
                        warnings = problems.Where(p => !p.IsError).Select(Json),
                    }));
                    continue;
                }
                foreach (var problem in problems) context.Out.WriteLine(problem.Format(path));
                if (problems.Count == 0) context.Out.WriteLine($"{path}: ok");
            }
            var failed = errors > 0 || (parse.GetValue(strict) && warnings > 0);
            if (failed)
                context.Error.WriteLine($"songgen: {Count(errors, "error")} and {Count(warnings, "warning")}; fix them before pushing");
            return Task.FromResult(failed ? CliRunner.Failure : 0);
        }, ct));
        return command;
    }

    private static object Json(CardProblem problem) => new { line = problem.Line, column = problem.Column, key = problem.Key, message = problem.Message };

    private static Command Init(CliContext context)
    {
        var target = new Argument<string>("path") { Description = "The model folder that will be uploaded (README.md is written in it), or a .md file" };
        var modes = SongGenModelCard.Modes.Keys.ToArray();
        var mode = new Option<string>("--mode") { Description = $"Track pattern: {string.Join(", ", modes)}", Required = true };
        mode.CompletionSources.Add(modes);
        var license = new Option<string>("--license") { Description = "License id (the base model's terms usually decide it), e.g. cc-by-nc-4.0", Required = true };
        var name = new Option<string?>("--name") { Description = "Card title (default: the repo name, else the folder name)" };
        var repo = new Option<string?>("--repo") { Description = "Repository id namespace/name, used in the usage section" };
        var baseModel = new Option<string?>("--base-model") { Description = "The model trained from (namespace/name)" };
        var relation = new Option<string?>("--base-model-relation") { Description = $"{BaseModelRelations.Names} (default finetune with --base-model)" };
        var datasets = new Option<string[]>("--dataset") { Description = "Training dataset id (repeatable)" };
        var languages = new Option<string[]>("--language") { Description = "Lyrics language code (repeatable)" };
        var steps = new Option<long?>("--steps") { Description = "Training steps (default: the last step of --loss-log)" };
        var loss = new Option<double?>("--loss") { Description = "Final total loss (default: the last 'loss' of --loss-log)" };
        var codebookLoss = new Option<string?>("--codebook-loss") { Description = "Final per-codebook losses, comma-separated (default: codebook_0… of --loss-log)" };
        var vocalLoss = new Option<string?>("--vocal-loss") { Description = "mixed_pro: final vocal-head losses, comma-separated (default: vocal_0… of --loss-log)" };
        var lossLog = new Option<string?>("--loss-log") { Description = "CSV with a 'step' column and loss columns (loss, codebook_0…): plotted to loss_curve.png beside the card" };
        var logScale = new Option<bool>("--log-scale") { Description = "Plot the loss on a logarithmic axis" };
        var images = new Option<string[]>("--image")
        {
            Description = "Another image to embed (repeatable): a file in the model folder (its path there is its path in the repo) or elsewhere "
                + "(copied into the folder, so uploading the folder uploads what the card shows)",
        };
        var tags = new Option<string[]>("--tag") { Description = "Extra tag (repeatable)" };
        var force = new Option<bool>("--force") { Description = "Replace an existing README.md / loss_curve.png" };
        var update = new Option<bool>("--update")
        {
            Description = "Update an existing README.md: set the generated metadata keys in place, keep every other key (and its comments), replace the body",
        };
        var command = new Command("init",
            "Write a SongGen model card: Hub metadata (license, library_name, tags, pipeline_tag text-to-audio, base_model, datasets) and a Markdown "
            + "body with the mode, training facts, a loss table and usage. With --loss-log the loss curve is drawn to loss_curve.png next to it. "
            + "Upload the folder (README.md and images) with 'songgen hub upload' to publish.")
            { target, mode, license, name, repo, baseModel, relation, datasets, languages, steps, loss, codebookLoss, vocalLoss, lossLog, logScale, images, tags, force, update };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var given = parse.GetValue(target)!;
            // A .md path is the card itself; anything else is the model folder (created when missing).
            var cardPath = Path.GetExtension(given).Equals(".md", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(given) ? given : Path.Combine(given, "README.md");
            var folder = Path.GetDirectoryName(Path.GetFullPath(cardPath))!;
            var plotPath = Path.Combine(folder, "loss_curve.png");
            var updating = parse.GetValue(update);
            var overwrite = parse.GetValue(force) || updating;
            if (parse.GetValue(force) && updating) throw new ArgumentException("give --force (replace the card) or --update (merge into it), not both");
            if (File.Exists(cardPath) && !overwrite) throw new IOException($"{cardPath} exists; pass --update to merge into it or --force to replace it");
            // Read the existing card first: a malformed one stops here, before anything is written.
            var existing = updating && File.Exists(cardPath) ? RepoCard.Load(cardPath) : null;

            BaseModelRelation? relationValue = null;
            if (parse.GetValue(relation) is { } relationText)
                relationValue = BaseModelRelations.TryParse(relationText, out var parsed)
                    ? parsed
                    : throw new ArgumentException($"--base-model-relation '{relationText}' is not one of {BaseModelRelations.Names}");
            if (relationValue is not null && parse.GetValue(baseModel) is null) throw new ArgumentException("--base-model-relation needs --base-model");

            var log = parse.GetValue(lossLog) is { } logPath ? LossLog.ReadCsv(logPath) : null;
            var repoId = parse.GetValue(repo);
            var cardImages = new List<CardImage>();
            byte[]? plot = null;
            if (log is not null)
            {
                if (File.Exists(plotPath) && !overwrite) throw new IOException($"{plotPath} exists; pass --force to replace it");
                var series = log.Series.Take(LossCurvePlot.Palette.Count).ToList();
                plot = LossCurvePlot.RenderPng(series, new LossCurveOptions { LogScale = parse.GetValue(logScale) });
                var legend = string.Join(", ", series.Select((s, i) => $"{LossCurvePlot.Palette[i].Name}: {s.Name}"));
                cardImages.Add(new CardImage("loss_curve.png", "Training loss curves", $"Loss by training step ({legend})."));
            }
            var extraImages = ResolveImages(parse.GetValue(images) ?? [], folder, cardPath, plot is null ? null : plotPath, overwrite);
            cardImages.AddRange(extraImages.Select(i => new CardImage(i.PathInRepo, Path.GetFileNameWithoutExtension(i.PathInRepo))));

            var facts = new SongGenCardFacts
            {
                ModelName = parse.GetValue(name) ?? repoId?.Split('/')[^1] ?? new DirectoryInfo(folder).Name,
                RepoId = repoId,
                Mode = parse.GetValue(mode)!,
                License = parse.GetValue(license)!,
                BaseModel = parse.GetValue(baseModel),
                BaseModelRelation = relationValue,
                Datasets = parse.GetValue(datasets) ?? [],
                Language = parse.GetValue(languages) ?? [],
                TrainingSteps = parse.GetValue(steps) ?? log?.LastStep ?? 0,
                FinalLoss = parse.GetValue(loss) ?? log?.Final("loss"),
                CodebookLosses = Numbers(parse.GetValue(codebookLoss), "--codebook-loss") ?? Finals(log, "codebook_"),
                VocalCodebookLosses = Numbers(parse.GetValue(vocalLoss), "--vocal-loss") ?? Finals(log, "vocal_"),
                Images = cardImages,
                ExtraTags = parse.GetValue(tags) ?? [],
            };
            var card = SongGenModelCard.Create(facts);
            if (existing is not null)
            {
                foreach (var key in card.Metadata.Keys) existing.Metadata.Set(key, card.Metadata.Get(key));
                existing.Body = card.Body;
                card = existing;
            }
            var problems = card.Validate(RepoType.Model);
            foreach (var problem in problems) context.Out.WriteLine(problem.Format(cardPath));
            if (problems.Any(p => p.IsError)) throw new InvalidOperationException($"the generated card for {cardPath} does not validate; nothing was written");

            Directory.CreateDirectory(folder);
            if (plot is not null)
            {
                var temporary = plotPath + ".tmp";
                File.WriteAllBytes(temporary, plot);
                File.Move(temporary, plotPath, overwrite: true);
                context.Out.WriteLine($"wrote {plotPath}");
            }
            foreach (var image in extraImages.Where(i => i.CopyFrom is not null))
            {
                var destination = Path.Combine(folder, image.PathInRepo);
                if (File.Exists(destination) && SameBytes(destination, image.CopyFrom!)) continue;
                var temporary = destination + ".tmp";
                File.Copy(image.CopyFrom!, temporary, overwrite: true);
                File.Move(temporary, destination, overwrite: true);
                context.Out.WriteLine($"copied {image.CopyFrom} to {destination}");
            }
            card.Save(cardPath);
            context.Out.WriteLine($"wrote {cardPath}");
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    /// <summary>An image the card embeds: its path in the model folder (= in the repo), and the file to copy there when it lives elsewhere.</summary>
    private sealed record ResolvedImage(string PathInRepo, string? CopyFrom);

    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// Ties each <c>--image</c> to a file that the folder upload will carry, so the card never embeds a path the repo lacks:
    /// a path is looked up in the folder first, then as given; a file outside the folder is copied in under its name.
    /// Everything is checked before anything is written.
    /// </summary>
    private static List<ResolvedImage> ResolveImages(IEnumerable<string> given, string folder, string cardPath, string? plotPath, bool overwrite)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var taken = new Dictionary<string, string>(StringComparer.FromComparison(PathComparison)) { [Path.GetFullPath(cardPath)] = "the card" };
        if (plotPath is not null) taken[Path.GetFullPath(plotPath)] = "the loss curve";
        var resolved = new List<ResolvedImage>();
        foreach (var value in given)
        {
            var inFolder = Path.GetFullPath(value, root);
            var asGiven = Path.GetFullPath(value);
            var source = File.Exists(inFolder) ? inFolder
                : File.Exists(asGiven) ? asGiven
                : throw new FileNotFoundException($"--image {value}: no such file in {folder} or at {asGiven}; the card would embed a missing image");
            var inside = source.StartsWith(root, PathComparison);
            var destination = inside ? source : Path.Combine(root, Path.GetFileName(source));
            if (taken.TryGetValue(destination, out var owner))
                throw new ArgumentException($"--image {value}: {destination} is already {owner}; rename the image");
            taken[destination] = $"the image {value}";
            if (!inside && File.Exists(destination) && !overwrite && !SameBytes(destination, source))
                throw new IOException($"--image {value} would be copied to {destination}, which exists with other content; pass --force to replace it");
            resolved.Add(new ResolvedImage(Path.GetRelativePath(root, destination).Replace('\\', '/'), inside ? null : source));
        }
        return resolved;
    }

    private static bool SameBytes(string a, string b)
    {
        if (new FileInfo(a).Length != new FileInfo(b).Length) return false;
        return File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));
    }

    private static IReadOnlyList<double>? Numbers(string? text, string option)
    {
        if (text is null) return null;
        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(cell => double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new ArgumentException($"{option}: '{cell}' is not a number"))
            .ToList();
    }

    /// <summary>The last finite value of each <c>{prefix}k</c> column, or none when a column has none.</summary>
    private static IReadOnlyList<double> Finals(LossLog? log, string prefix)
    {
        if (log is null) return [];
        var finals = log.Indexed(prefix).Select(s => log.Final(s.Name)).ToList();
        return finals.All(f => f is not null) ? finals.Select(f => f!.Value).ToList() : [];
    }

    private static string TopKey(string key)
    {
        var end = key.IndexOfAny(['.', '[']);
        return end < 0 ? key : key[..end];
    }

    private static string Count(int n, string word) => $"{n} {word}{(n == 1 ? "" : "s")}";
}
