using System.CommandLine;
using SongGen.Checkpoints.Safetensors;
using SongGen.Cli.Output;
using SongGen.Hub;
using SongGen.Model.Config;
using SongGen.Model.Persistence;

namespace SongGen.Cli.Commands;

/// <summary>
/// <c>songgen init-model OUT --track-pattern P --text-model DIR|REPO [--tiny]</c>: the reference's
/// <c>init_model_mixed.py</c>. An untrained decoder and lyrics path (normal(0, 0.02), zero biases) around a pretrained
/// T5 encoder, with the init script's generation defaults, written as a model folder.
/// </summary>
internal static class InitModelCommand
{
    public static Command Create(CliContext context)
    {
        var patternNames = TrackPatterns.All.Select(p => p.ToHfName()).ToArray();
        var output = new Argument<string>("out") { Description = "The model folder to write (appears only when complete)" };
        var pattern = new Option<string>("--track-pattern")
        {
            Description = $"The decoder's track pattern: {string.Join(", ", patternNames)} (add_vocal_loss for mixed_pro only)",
            Required = true,
        };
        pattern.AcceptOnlyFromAmong(patternNames);
        var textModel = new Option<string>("--text-model")
        {
            Description = "The T5 whose encoder describes the text: a folder (config.json + model.safetensors, shards, or pytorch_model.bin) "
                + "or a Hub repo id such as google/flan-t5-large (downloaded into the cache)",
            Required = true,
        };
        var tiny = new Option<bool>("--tiny") { Description = "Tiny test sizes (32-wide 2-layer decoder and Conformer, max_length 40) instead of the released ones" };
        var seed = new Option<long>("--seed") { Description = "Seed of the random initialisation (default 0)", DefaultValueFactory = _ => 0 };
        var maxShard = new Option<string?>("--max-shard-size") { Description = "Largest weight shard (default 5GB, as save_pretrained)" };
        var revision = CommonOptions.Revision();
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var cacheDir = CommonOptions.CacheDir();
        var command = new Command("init-model",
            "Build an untrained SongGen (as helpers/model_init_scripts/init_model_mixed.py): decoder, lyrics Conformer and projections drawn from "
            + "normal(0, 0.02) with zero biases, the text encoder loaded from --text-model's T5 (its decoder half ignored), generation defaults "
            + "(BOS 1025, PAD = EOS 1024, max_length 1500, sampling with top-k 50). Writes config.json, generation_config.json, safetensors "
            + "weights (sharded with an index over --max-shard-size) and the text model's tokenizer files; prints OUT.")
        {
            output, pattern, textModel, tiny, seed, maxShard, revision, token, endpoint, cacheDir,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            var outFolder = parse.GetValue(output)!;
            var textModelName = parse.GetValue(textModel)!;
            var limitText = parse.GetValue(maxShard);
            var limit = limitText is null ? ShardedCheckpoint.DefaultMaxShardBytes : Units.ParseBytes(limitText);
            if (!TrackPatterns.TryParse(parse.GetValue(pattern), out var trackPattern))
                throw new ArgumentException($"unknown track pattern '{parse.GetValue(pattern)}'");
            if (File.Exists(outFolder)) throw new IOException($"{outFolder}: is a file, not a folder");
            var options = new SongGenInitOptions { TrackPattern = trackPattern, Tiny = parse.GetValue(tiny), Seed = parse.GetValue(seed) };

            using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), parse.GetValue(cacheDir)));
            var mode = context.ErrorIsTerminal ? ProgressMode.Live : ProgressMode.Plain;
            SongGenPretrainedModel model;
            string textFolder;
            using (var renderer = new ProgressRenderer(context.Error, mode))
                (model, textFolder) = await SongGenInitializer.CreateAsync(textModelName, options, client, parse.GetValue(revision), renderer, ct);
            using (model)
            {
                var parameters = model.CheckpointStateDict().Sum(p => p.Value.numel());
                context.Error.WriteLine($"Initialised {trackPattern.ToHfName()}{(options.Tiny ? " (tiny)" : "")}: {Units.Count(parameters)} parameters, "
                    + $"text encoder from {textModelName} ({model.Config.TextEncoder.NumLayers} layers, d_model {model.Config.TextEncoder.DModel})");
                var hasTokenizer = SongGenPretrained.TokenizerFileNames.Any(n => File.Exists(Path.Combine(textFolder, n)));
                var written = SongGenPretrained.Save(model, outFolder, new SongGenSaveOptions { MaxShardBytes = limit, TokenizerSource = hasTokenizer ? textFolder : null });
                foreach (var path in written)
                    context.Error.WriteLine($"  {Path.GetFileName(path)} ({Units.Bytes(new FileInfo(path).Length)})");
            }
            context.Out.WriteLine(Path.GetFullPath(outFolder));
            return 0;
        }, ct));
        return command;
    }
}
