using System.CommandLine;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Cli.Output;
using SongGen.Hub;
using TorchSharp;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen ckpt inspect|convert</c>: look into checkpoints (local or on the Hub) and rewrite them.</summary>
internal static class CkptCommands
{
    /// <summary>Files that travel with the weights when a folder is converted.</summary>
    private static readonly string[] CompanionFiles = ["config.json", "generation_config.json"];

    public static Command Create(CliContext context)
    {
        var ckpt = new Command("ckpt", "Inspect and convert checkpoints (safetensors, sharded, PyTorch pickles)");
        ckpt.Subcommands.Add(Inspect(context));
        ckpt.Subcommands.Add(Convert(context));
        return ckpt;
    }

    private static Command Inspect(CliContext context)
    {
        var target = new Argument<string>("target")
        {
            Description = "A local safetensors file, sharded folder or index (safetensors or pickles), or .bin pickle; or REPO[:FILE] on the Hub (only the headers are fetched)",
        };
        var type = CommonOptions.RepoType();
        var revision = CommonOptions.Revision();
        var token = CommonOptions.Token();
        var endpoint = CommonOptions.Endpoint();
        var json = CommonOptions.Json();
        var command = new Command("inspect", "Tensor names, dtypes, shapes, parameter count and sizes, reading only the headers")
        {
            target, type, revision, token, endpoint, json,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, async () =>
        {
            var what = parse.GetValue(target)!;
            CheckpointReport report;
            if (File.Exists(what) || Directory.Exists(what))
            {
                report = CheckpointInspector.InspectLocal(what);
            }
            else
            {
                var colon = what.IndexOf(':');
                var repoText = colon < 0 ? what : what[..colon];
                var file = colon < 0 ? null : what[(colon + 1)..];
                if (file is { Length: 0 }) file = null;
                if (!repoText.Contains('/') && file is null && (what.Contains(Path.DirectorySeparatorChar) || Path.HasExtension(what)))
                    throw new FileNotFoundException($"{what}: no such file or folder");
                var repo = CommonOptions.ParseRepo(repoText, parse.GetValue(type)!);
                using var client = new HubClient(CommonOptions.ClientOptions(context, parse.GetValue(endpoint), parse.GetValue(token), null));
                report = await CheckpointInspector.InspectRemoteAsync(client, repo, file, parse.GetValue(revision), ct);
            }
            if (parse.GetValue(json)) report.WriteJson(context.Out);
            else report.WriteText(context.Out);
            return 0;
        }, ct));
        return command;
    }

    private static Command Convert(CliContext context)
    {
        var input = new Argument<string>("in") { Description = "A .bin/.pt pickle, a safetensors file, or a folder or index of (sharded) safetensors or pickles" };
        var output = new Argument<string>("out") { Description = "A folder (model.safetensors, or shards and an index) or a .safetensors file" };
        var dtype = new Option<string?>("--dtype") { Description = "Cast floating-point tensors to f32, f16 or bf16 (others are kept)" };
        dtype.AcceptOnlyFromAmong("f32", "f16", "bf16");
        var maxShard = new Option<string?>("--max-shard-size") { Description = "Largest shard of a folder OUT (default 5GB, as save_pretrained)" };
        var command = new Command("convert", "Pickle to safetensors, re-shard, or cast; OUT appears only when complete") { input, output, dtype, maxShard };
        command.SetAction((parse, ct) => CliRunner.RunAsync(context, () =>
        {
            var from = parse.GetValue(input)!;
            var to = parse.GetValue(output)!;
            torch.ScalarType? target = parse.GetValue(dtype) switch
            {
                "f32" => torch.ScalarType.Float32,
                "f16" => torch.ScalarType.Float16,
                "bf16" => torch.ScalarType.BFloat16,
                _ => null,
            };
            var toFile = to.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
            var limitText = parse.GetValue(maxShard);
            if (toFile && limitText is not null)
                throw new ArgumentException("--max-shard-size needs a folder OUT, not a .safetensors file");
            var limit = limitText is null ? ShardedCheckpoint.DefaultMaxShardBytes : Units.ParseBytes(limitText);
            if (!toFile && File.Exists(to))
                throw new IOException($"{to}: is a file; OUT must be a folder or end in .safetensors");
            if (!File.Exists(from) && !Directory.Exists(from))
                throw new FileNotFoundException($"{from}: no such file or folder");

            using var source = ConvertSource.Open(from);
            var specs = source.Specs.Select(s => s with { Dtype = OutputDtype(s.Dtype, target) }).ToList();
            context.Error.WriteLine($"Read {from}: {specs.Count} tensors, {Units.Count(source.Specs.Sum(s => s.ByteSize / SafetensorsDtype.SizeOf(s.Dtype)))} parameters "
                + $"({Units.Bytes(source.Specs.Sum(s => (double)s.ByteSize))})");
            if (target is { } cast)
            {
                var changed = source.Specs.Count(s => OutputDtype(s.Dtype, target) != s.Dtype);
                context.Error.WriteLine($"Cast {changed} floating-point tensors to {SafetensorsDtype.NameOf(cast)}");
            }
            if (toFile)
            {
                context.Error.WriteLine($"Writing {to}");
                StreamingShardWriter.WriteFile(to, specs, source.Read, WithFormat(source.Metadata));
                context.Error.WriteLine($"  {Path.GetFileName(to)} ({Units.Bytes(new FileInfo(to).Length)})");
            }
            else
            {
                WriteFolder(context, source.CompanionFolder, to, limit,
                    staging => StreamingShardWriter.WriteFolder(staging, specs, source.Read, limit, source.Metadata));
            }
            context.Out.WriteLine(Path.GetFullPath(to));
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    /// <summary>The dtype a tensor is written in: floating-point tensors take the --dtype cast, others keep theirs.</summary>
    private static torch.ScalarType OutputDtype(torch.ScalarType dtype, torch.ScalarType? cast) =>
        cast is { } target && dtype is torch.ScalarType.Float64 or torch.ScalarType.Float32 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16
            ? target
            : dtype;

    /// <summary>The source <c>__metadata__</c> over <c>format: pt</c> (as <see cref="ShardedCheckpoint.Save"/> merges them).</summary>
    private static Dictionary<string, string> WithFormat(IReadOnlyDictionary<string, string> metadata)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in metadata) merged[key] = value;
        return merged;
    }

    /// <summary>
    /// Saves into a staging folder beside OUT and moves it into place only when every file is written, so a failure
    /// leaves OUT as it was (absent, or the earlier checkpoint).
    /// </summary>
    private static void WriteFolder(CliContext context, string? companionFolder, string to, long limit, Func<string, IReadOnlyList<string>> save)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(to));
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            context.Error.WriteLine($"Writing {to} (shards up to {Units.Bytes(limit)})");
            var written = save(staging).Select(Path.GetFileName).ToList();
            if (companionFolder is not null)
            {
                foreach (var companion in CompanionFiles)
                {
                    var source = Path.Combine(companionFolder, companion);
                    if (!File.Exists(source)) continue;
                    File.Copy(source, Path.Combine(staging, companion), overwrite: true);
                    written.Add(companion);
                }
            }
            foreach (var name in written)
                context.Error.WriteLine($"  {name} ({Units.Bytes(new FileInfo(Path.Combine(staging, name!)).Length)})");
            if (!Directory.Exists(full))
            {
                Directory.Move(staging, full);
                return;
            }
            // OUT exists: replace its weight files by the new ones and drop weights of an earlier save the new one does not use.
            foreach (var name in written) File.Move(Path.Combine(staging, name!), Path.Combine(full, name!), overwrite: true);
            foreach (var file in Directory.EnumerateFiles(full))
            {
                var name = Path.GetFileName(file);
                if (!written.Contains(name) && ShardedCheckpoint.IsWeightFileName(name))
                    File.Delete(file);
            }
            Directory.Delete(staging, recursive: true);
        }
        catch
        {
            try
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }
}
