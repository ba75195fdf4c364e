// Quick throughput check of the safetensors reader against TorchSharp.PyBridge (one mode per process, so each
// peak RSS is its own):
//   dotnet run -c Release --project bench/CheckpointThroughput -- gen /tmp/big.safetensors 1024
//   cat /tmp/big.safetensors > /dev/null      # warm the page cache; time it as the baseline
//   dotnet run -c Release --project bench/CheckpointThroughput -- ours /tmp/big.safetensors [ROUNDS]
//   dotnet run -c Release --project bench/CheckpointThroughput -- pybridge /tmp/big.safetensors [ROUNDS]
// or everything side by side, each run in a fresh process, with medians and ratios:
//   dotnet run -c Release --project bench/CheckpointThroughput -- compare /tmp/big.safetensors [RUNS] [MIB]
using System.Diagnostics;
using SongGen.Checkpoints.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

var mode = args[0];
var path = args[1];
switch (mode)
{
    case "gen":
    {
        var megabytes = long.Parse(args[2]);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        const long perTensor = 16L << 20;
        for (var i = 0; i < megabytes * (1L << 20) / perTensor; i++)
        {
            var dtype = i % 4 == 3 ? ScalarType.BFloat16 : ScalarType.Float32;
            var elements = perTensor / SafetensorsDtype.SizeOf(dtype);
            tensors.Add(new($"layers.{i}.weight", randn(elements / 1024, 1024).to_type(dtype)));
        }
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        Console.WriteLine($"wrote {new FileInfo(path).Length / 1e6:F0} MB, {tensors.Count} tensors");
        break;
    }
    case "ours":
    case "pybridge":
    {
        torch.empty(1).Dispose(); // load the native library outside the timing
        // Rounds after the first reuse memory this process already touched: on a VM, first touches of fresh memory
        // can cost more than the copy itself, so both numbers are shown.
        var rounds = args.Length > 2 ? int.Parse(args[2]) : 1;
        var bytes = new FileInfo(path).Length;
        for (var round = 1; round <= rounds; round++)
        {
            var stopwatch = Stopwatch.StartNew();
            Dictionary<string, Tensor> state;
            if (mode == "ours")
            {
                using var file = SafetensorsFile.Open(path);
                state = file.ReadStateDict();
            }
            else
            {
                state = TorchSharp.PyBridge.Safetensors.LoadStateDict(path);
            }
            var seconds = stopwatch.Elapsed.TotalSeconds;
            Console.WriteLine($"{mode} round {round}: {state.Count} tensors in {seconds:F3} s = {bytes / 1e6 / seconds:F0} MB/s; peak RSS {PeakRssMb():F0} MB for a {bytes / 1e6:F0} MB file");
            foreach (var tensor in state.Values)
            {
                tensor.Dispose();
            }
        }
        break;
    }
    case "save-ours":
    case "save-pybridge":
    {
        // Loads (untimed), then times writing the same tensors to a new file.
        torch.empty(1).Dispose();
        Dictionary<string, Tensor> state;
        using (var file = SafetensorsFile.Open(path)) state = file.ReadStateDict();
        var target = path + ".saved";
        var stopwatch = Stopwatch.StartNew();
        if (mode == "save-ours") SafetensorsWriter.Write(target, state, new Dictionary<string, string> { ["format"] = "pt" });
        else TorchSharp.PyBridge.Safetensors.SaveStateDict(target, state);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var bytes = new FileInfo(target).Length;
        File.Delete(target);
        Console.WriteLine($"{mode} round 1: {state.Count} tensors in {seconds:F3} s = {bytes / 1e6 / seconds:F0} MB/s; peak RSS {PeakRssMb():F0} MB for a {bytes / 1e6:F0} MB file");
        break;
    }
    case "compare":
    {
        var runs = args.Length > 2 ? int.Parse(args[2]) : 5;
        var megabytes = args.Length > 3 ? args[3] : "1024";
        if (!File.Exists(path)) Run("gen", path, megabytes);
        var bytes = new FileInfo(path).Length;
        var times = new Dictionary<string, List<(double Seconds, double PeakMb)>>();
        string[] contenders = ["cat", "ours", "pybridge", "save-ours", "save-pybridge"];
        Run("cat");
        for (var run = 0; run < runs; run++)
        {
            foreach (var contender in contenders.Skip(run % contenders.Length).Concat(contenders.Take(run % contenders.Length)))
            {
                (double, double) result;
                if (contender == "cat")
                {
                    var stopwatch = Stopwatch.StartNew();
                    Run("cat");
                    result = (stopwatch.Elapsed.TotalSeconds, 0);
                }
                else result = Parse(Run(contender, path));
                (times.TryGetValue(contender, out var list) ? list : times[contender] = []).Add(result);
            }
        }
        double Median(string name, Func<(double Seconds, double PeakMb), double> pick)
        {
            var sorted = times[name].Select(pick).Order().ToArray();
            return sorted[sorted.Length / 2];
        }
        Console.WriteLine($"## safetensors, {bytes / 1e6:F0} MB file in the page cache, each run a fresh process (median of {runs})");
        foreach (var name in contenders)
        {
            var seconds = Median(name, r => r.Seconds);
            var peak = name == "cat" ? "" : $"  peak RSS {Median(name, r => r.PeakMb) / (bytes / 1e6):F2}x file";
            Console.WriteLine($"{name,-14} {seconds,7:F3} s  {bytes / 1e6 / seconds,6:F0} MB/s{peak}");
        }
        Console.WriteLine($"load: ours {Median("pybridge", r => r.Seconds) / Median("ours", r => r.Seconds):F2}x PyBridge's speed, "
                          + $"{Median("ours", r => r.Seconds) / Median("cat", r => r.Seconds):F2}x cat's time");
        Console.WriteLine($"save: ours {Median("save-pybridge", r => r.Seconds) / Median("save-ours", r => r.Seconds):F2}x PyBridge's speed");
        break;

        string Run(string what, params string[] more)
        {
            var info = what == "cat"
                ? new ProcessStartInfo("sh") { ArgumentList = { "-c", $"cat '{path}' > /dev/null" } }
                : Self(what);
            foreach (var arg in more) info.ArgumentList.Add(arg);
            info.RedirectStandardOutput = true;
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{what} failed: {output}");
            return output;
        }

        // Run as "dotnet X.dll" or as the apphost "X": start this same program again either way.
        static ProcessStartInfo Self(string what)
        {
            var info = new ProcessStartInfo(Environment.ProcessPath!);
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
                info.ArgumentList.Add(typeof(SafetensorsWriter).Assembly.Location.Replace("SongGen.Checkpoints.dll", "CheckpointThroughput.dll"));
            info.ArgumentList.Add(what);
            return info;
        }

        static (double, double) Parse(string output)
        {
            var match = System.Text.RegularExpressions.Regex.Match(output, @"in ([\d.]+) s .* peak RSS (\d+) MB");
            return (double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
    default:
        throw new ArgumentException("mode: gen | ours | pybridge | save-ours | save-pybridge | compare");
}

static double PeakRssMb()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}
