using System.CommandLine;
using SongGen.Model.Composite;
using SongGen.Model.Config;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen model describe</c>: the parameter names and shapes of a model, without allocating its weights.</summary>
internal static class ModelCommands
{
    public static Command Create(CliContext context)
    {
        var model = new Command("model", "Inspect the SongGen model defined by a preset or a config.json");
        model.Subcommands.Add(Describe(context));
        return model;
    }

    private static Command Describe(CliContext context)
    {
        var presetNames = TrackPatterns.All.Select(p => p.ToHfName()).ToArray();
        var preset = new Option<string?>("--preset") { Description = $"A released-size preset: {string.Join(", ", presetNames)}" };
        preset.CompletionSources.Add(presetNames);
        var config = new Option<string?>("--config") { Description = "A composite config.json (instead of --preset)" };
        var command = new Command("describe",
            "Print every parameter name and shape, tab-separated as in the state-dict tables (name, [d0, d1, …]), in module order. "
            + "The model is built on the meta device (no weights are allocated). MERT (mert_model.*) and the X-Codec (audio_encoder.*) are not listed; "
            + "text_encoder.encoder.embed_tokens.weight (tied to text_encoder.shared.weight, dropped on save) neither. A count goes to stderr.")
            { preset, config };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var presetName = parse.GetValue(preset);
            var configPath = parse.GetValue(config);
            if ((presetName is null) == (configPath is null))
                throw new ArgumentException("give exactly one of --preset NAME or --config CONFIG_JSON");
            var songGenConfig = configPath is not null
                ? SongGenConfig.Load(configPath)
                : SongGenPresets.Released(TrackPatterns.TryParse(presetName, out var pattern)
                    ? pattern
                    : throw new ArgumentException($"unknown preset '{presetName}' (expected one of {string.Join(", ", presetNames)})"));
            var shapes = SongGenModelShapes.Describe(songGenConfig);
            foreach (var (name, shape) in shapes)
                context.Out.WriteLine($"{name}\t{SongGenModelShapes.FormatShape(shape)}");
            context.Error.WriteLine($"{shapes.Count} tensors, {SongGenModelShapes.Count(shapes):N0} parameters (MERT and X-Codec not included)");
            return Task.FromResult(0);
        }));
        return command;
    }
}
