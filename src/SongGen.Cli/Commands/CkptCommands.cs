using System.CommandLine;
using System.Text.RegularExpressions;
using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Safetensors;
using SongGen.Cli.Output;
using SongGen.Hub;
using TorchSharp;

namespace SongGen.Cli.Commands;

/// <summary><c>songgen ckpt inspect|convert</c>: look into checkpoints (local or on the Hub) and rewrite them.</summary>
internal static partial class CkptCommands
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
            Description = "A local safetensors file, sharded folder or index, or .bin pickle; or REPO[:FILE] on the Hub (only the headers are fetched)",
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
        var input = new Argument<string>("in") { Description = "A .bin/.pt pickle, a safetensors file, or a folder or index of (sharded) safetensors" };
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

            var tensors = Load(from);
            try
            {
                context.Error.WriteLine($"Read {from}: {tensors.Count} tensors, {Units.Count(tensors.Values.Sum(t => t.numel()))} parameters "
                    + $"({Units.Bytes(tensors.Values.Sum(t => (double)t.numel() * t.ElementSize))})");
                if (target is { } cast)
                {
                    var changed = 0;
                    foreach (var name in tensors.Keys.ToList())
                    {
                        var tensor = tensors[name];
                        if (tensor.is_floating_point() && tensor.dtype != cast)
                        {
                            tensors[name] = tensor.to_type(cast);
                            tensor.Dispose();
                            changed++;
                        }
                    }
                    context.Error.WriteLine($"Cast {changed} floating-point tensors to {SafetensorsDtype.NameOf(cast)}");
                }
                if (toFile)
                {
                    context.Error.WriteLine($"Writing {to}");
                    SafetensorsWriter.Write(to, tensors, new Dictionary<string, string> { ["format"] = "pt" });
                    context.Error.WriteLine($"  {Path.GetFileName(to)} ({Units.Bytes(new FileInfo(to).Length)})");
                }
                else
                {
                    WriteFolder(context, from, to, tensors, limit);
                }
            }
            finally
            {
                foreach (var tensor in tensors.Values) tensor.Dispose();
            }
            context.Out.WriteLine(Path.GetFullPath(to));
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Dictionary<string, torch.Tensor> Load(string path)
    {
        var pickle = Directory.Exists(path) ? Path.Combine(path, CheckpointInspector.PickleFileName) : path;
        var isPickle = Directory.Exists(path)
            ? !File.Exists(Path.Combine(path, ShardedCheckpoint.IndexFileName)) && !File.Exists(Path.Combine(path, ShardedCheckpoint.SingleFileName)) && File.Exists(pickle)
            : CheckpointInspector.IsPicklePath(path) || PyTorchPickle.IsZipFormat(path);
        if (isPickle) return PyTorchPickle.Load(pickle);
        using var checkpoint = ShardedCheckpoint.Open(path);
        // Mapped, not copied: converting needs no memory for the weights beyond the page cache. OUT is written beside
        // and renamed into place, so converting a file onto itself leaves the mapped original intact.
        return checkpoint.MapStateDict();
    }

    /// <summary>
    /// Saves into a staging folder beside OUT and moves it into place only when every file is written, so a failure
    /// leaves OUT as it was (absent, or the earlier checkpoint).
    /// </summary>
    private static void WriteFolder(CliContext context, string from, string to, Dictionary<string, torch.Tensor> tensors, long limit)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(to));
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            context.Error.WriteLine($"Writing {to} (shards up to {Units.Bytes(limit)})");
            var written = ShardedCheckpoint.Save(staging, tensors, limit).Select(Path.GetFileName).ToList();
            if (Directory.Exists(from))
            {
                foreach (var companion in CompanionFiles)
                {
                    var source = Path.Combine(from, companion);
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
                if (!written.Contains(name) && (name is ShardedCheckpoint.SingleFileName or ShardedCheckpoint.IndexFileName || ShardName().IsMatch(name)))
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

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardName();
}
