using System.CommandLine;
using SongGen.Checkpoints.Devices;
using SongGen.Cli.Output;
using SongGen.Hub;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Persistence;
using TorchSharp;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen model describe|load</c>: the parameter names and shapes of a model without allocating its
/// weights, and loading a model folder or repo as <c>from_pretrained</c> does.</summary>
internal static class ModelCommands
{
    public static Command Create(CliContext context)
    {
        var model = new Command("model", "Inspect the SongGen model defined by a preset or a config.json, or load a model folder");
        model.Subcommands.Add(Describe(context));
        model.Subcommands.Add(Load(context));
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

    private static Command Load(CliContext context)
    {
        var target = new Argument<string>("model") { Description = "A model folder, or a Hub repo id (downloaded into the cache: configs, safetensors, tokenizer files)" };
        var dtype = new Option<string>("--dtype") { Description = "Weights after loading: f32 (default) or bf16", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "bf16");
        var device = new Option<string?>("--device") { Description = $"{DeviceSpec.AcceptedForms}; default SONGGEN_DEVICE, else auto" };
        var nonStrict = new Option<bool>("--non-strict") { Description = "Load what fits and list the rest instead of failing" };
        var revision = CommonOptions.Revision();
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var cacheDir = CommonOptions.CacheDir();
        var command = new Command("load",
            "Load a model as from_pretrained does (config.json decides the modules; weights by name, strictly unless --non-strict) and print "
            + "what was loaded: keys loaded, missing, unexpected or of another shape, and the MERT/X-Codec keys of the audio part, which the model does not load.")
        {
            target, dtype, device, nonStrict, revision, token, endpoint, cacheDir,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            var compute = ComputeDevice.Open(new ComputeDeviceOptions { Device = parse.GetValue(device) });
            var options = new SongGenLoadOptions
            {
                Dtype = parse.GetValue(dtype) == "bf16" ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32,
                Device = compute,
                Strict = !parse.GetValue(nonStrict),
            };
            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), parse.GetValue(cacheDir)));
            using var renderer = new ProgressRenderer(context.Error, context.ErrorIsTerminal ? ProgressMode.Live : ProgressMode.Plain);
            var (model, report) = await SongGenPretrained.LoadAsync(parse.GetValue(target)!, options, client, parse.GetValue(revision), renderer, ct);
            using (model)
            {
                var parameters = model.CheckpointStateDict().Sum(p => p.Value.numel());
                context.Out.WriteLine(report.ToString());
                context.Out.WriteLine($"{model.Config.TrackPattern.ToHfName()}: {Units.Count(parameters)} parameters ({SongGenPretrained.DtypeName(model.Dtype)}) on {compute}");
            }
            return 0;
        }, ct));
        return command;
    }
}
