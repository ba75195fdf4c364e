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
    case "mapped":
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
            var cpuStart = CpuSeconds();
            Dictionary<string, Tensor> state;
            if (mode == "ours")
            {
                using var file = SafetensorsFile.Open(path);
                state = file.ReadStateDict();
            }
            else if (mode == "mapped")
            {
                using var file = SafetensorsFile.Open(path);
                state = file.MapStateDict();
            }
            else
            {
                state = TorchSharp.PyBridge.Safetensors.LoadStateDict(path);
            }
            var seconds = stopwatch.Elapsed.TotalSeconds;
            Console.WriteLine($"{mode} round {round}: {state.Count} tensors in {seconds:F3} s = {bytes / 1e6 / seconds:F0} MB/s; peak RSS {PeakRssMb():F0} MB for a {bytes / 1e6:F0} MB file; cpu {CpuSeconds() - cpuStart:F3} s");
            // Optional: what using the tensors costs afterwards (a mapped tensor pays for fresh pages on first write).
            if (args.Length > 3 && args[3] is "then-read" or "then-write")
            {
                var after = Stopwatch.StartNew();
                foreach (var tensor in state.Values)
                {
                    if (args[3] == "then-read") tensor.sum().Dispose();
                    else tensor.add_(0);
                }
                Console.WriteLine($"  {args[3]}: {after.Elapsed.TotalSeconds:F3} s; peak RSS {PeakRssMb():F0} MB");
            }
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
        var cpuStart = CpuSeconds();
        if (mode == "save-ours") SafetensorsWriter.Write(target, state, new Dictionary<string, string> { ["format"] = "pt" });
        else TorchSharp.PyBridge.Safetensors.SaveStateDict(target, state);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var bytes = new FileInfo(target).Length;
        File.Delete(target);
        Console.WriteLine($"{mode} round 1: {state.Count} tensors in {seconds:F3} s = {bytes / 1e6 / seconds:F0} MB/s; peak RSS {PeakRssMb():F0} MB for a {bytes / 1e6:F0} MB file; cpu {CpuSeconds() - cpuStart:F3} s");
        break;
    }
    case "touch":
    case "touch-thp":
    case "floor":
    {
        // What any copying loader must pay in a fresh process: first touches of as much fresh memory as the file holds
        // ("touch": the kernel faults it in, 4 KiB pages; "touch-thp": 2 MiB pages), and for "floor" the copy from the
        // mapped page cache into it as well. One torch.empty, no per-tensor work.
        torch.empty(1).Dispose();
        var bytes = new FileInfo(path).Length;
        var stopwatch = Stopwatch.StartNew();
        var cpuStart = CpuSeconds();
        using var buffer = torch.empty(bytes, ScalarType.Byte);
        unsafe
        {
        var destination = (byte*)Native.THSTensor_data(buffer.Handle);
        var start = ((nint)destination + (2 << 20) - 1) & ~(nint)((2 << 20) - 1);
        var end = ((nint)destination + (nint)bytes) & ~(nint)4095;
        _ = Native.madvise(start, (nuint)(end - start), mode == "touch-thp" ? Native.MadvHugePage : Native.MadvNoHugePage);
        _ = Native.madvise(((nint)destination + 4095) & ~(nint)4095, (nuint)(end - (((nint)destination + 4095) & ~(nint)4095)), Native.MadvPopulateWrite);
        if (mode == "floor")
        {
            using var map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            using var view = map.CreateViewAccessor(0, bytes, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
            byte* source = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref source);
            Buffer.MemoryCopy(source + view.PointerOffset, destination, bytes, bytes);
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        }
        var seconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine($"{mode} round 1: 1 tensors in {seconds:F3} s = {bytes / 1e6 / seconds:F0} MB/s; peak RSS {PeakRssMb():F0} MB for a {bytes / 1e6:F0} MB file; cpu {CpuSeconds() - cpuStart:F3} s");
        break;
    }
    case "compare":
    {
        var runs = args.Length > 2 ? int.Parse(args[2]) : 5;
        var megabytes = args.Length > 3 ? args[3] : "1024";
        if (!File.Exists(path)) Run("gen", path, megabytes);
        var bytes = new FileInfo(path).Length;
        var times = new Dictionary<string, List<(double Seconds, double PeakMb, double Cpu)>>();
        string[] contenders = ["cat", "ours", "mapped", "pybridge", "copy", "save-ours", "save-pybridge", "touch", "touch-thp", "floor"];
        Run("cat");
        for (var run = 0; run < runs; run++)
        {
            foreach (var contender in contenders.Skip(run % contenders.Length).Concat(contenders.Take(run % contenders.Length)))
            {
                (double, double, double) result;
                if (contender is "cat" or "copy")
                {
                    var stopwatch = Stopwatch.StartNew();
                    var cpu = Run(contender);
                    result = (stopwatch.Elapsed.TotalSeconds, 0, ParseTimes(cpu));
                    File.Delete(path + ".copy");
                }
                else result = Parse(Run(contender, path));
                (times.TryGetValue(contender, out var list) ? list : times[contender] = []).Add(result);
            }
        }
        double Median(string name, Func<(double Seconds, double PeakMb, double Cpu), double> pick)
        {
            var sorted = times[name].Select(pick).Order().ToArray();
            return sorted[sorted.Length / 2];
        }
        Console.WriteLine($"## safetensors, {bytes / 1e6:F0} MB file in the page cache, each run a fresh process (median of {runs})");
        foreach (var name in contenders)
        {
            var seconds = Median(name, r => r.Seconds);
            var peak = name is "cat" or "copy" ? "" : $"  peak RSS {Median(name, r => r.PeakMb) / (bytes / 1e6):F2}x file";
            Console.WriteLine($"{name,-14} {seconds,7:F3} s  {bytes / 1e6 / seconds,6:F0} MB/s  cpu {Median(name, r => r.Cpu),6:F3} s{peak}");
        }
        Console.WriteLine($"load: ours {Median("pybridge", r => r.Seconds) / Median("ours", r => r.Seconds):F2}x PyBridge's speed, "
                          + $"{Median("ours", r => r.Seconds) / Median("cat", r => r.Seconds):F2}x cat's time "
                          + $"(by cpu time: {Median("pybridge", r => r.Cpu) / Median("ours", r => r.Cpu):F2}x, {Median("ours", r => r.Cpu) / Median("cat", r => r.Cpu):F2}x)");
        Console.WriteLine($"load, mapped (MapStateDict, copy on write): {Median("pybridge", r => r.Seconds) / Median("mapped", r => r.Seconds):F2}x PyBridge's speed, "
                          + $"{Median("mapped", r => r.Seconds) / Median("cat", r => r.Seconds):F2}x cat's time");
        Console.WriteLine($"save: ours {Median("save-pybridge", r => r.Seconds) / Median("save-ours", r => r.Seconds):F2}x PyBridge's speed, "
                          + $"{Median("save-ours", r => r.Seconds) / Median("copy", r => r.Seconds):F2}x the time of `cat FILE > COPY`");
        Console.WriteLine($"floor of a copying load (fresh pages + one copy): {Median("floor", r => r.Seconds) / Median("cat", r => r.Seconds):F2}x cat's time; "
                          + $"first touch alone {Median("touch", r => r.Seconds) / Median("cat", r => r.Seconds):F2}x (4 KiB pages), {Median("touch-thp", r => r.Seconds) / Median("cat", r => r.Seconds):F2}x (huge pages)");
        break;

        string Run(string what, params string[] more)
        {
            var info = what switch
            {
                "cat" => new ProcessStartInfo("sh") { ArgumentList = { "-c", $"cat '{path}' > /dev/null; times" } },
                "copy" => new ProcessStartInfo("sh") { ArgumentList = { "-c", $"cat '{path}' > '{path}.copy'; times" } },
                _ => Self(what),
            };
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

        static (double, double, double) Parse(string output)
        {
            var match = System.Text.RegularExpressions.Regex.Match(output, @"in ([\d.]+) s .* peak RSS (\d+) MB .* cpu ([\d.]+) s");
            return (Number(match.Groups[1].Value), Number(match.Groups[2].Value), Number(match.Groups[3].Value));
        }

        // The shell's `times`: its own user and system time, then its children's (cat's) on the second line.
        static double ParseTimes(string output)
        {
            var children = System.Text.RegularExpressions.Regex.Matches(output.Split('\n')[1], @"(\d+)m([\d.]+)s");
            return children.Sum(m => Number(m.Groups[1].Value) * 60 + Number(m.Groups[2].Value));
        }

        static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
    default:
        throw new ArgumentException("mode: gen | ours | pybridge | save-ours | save-pybridge | compare");
}

// User plus system time of this whole process, so a busy machine inflates it less than wall time.
static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

static double PeakRssMb()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}

static partial class Native
{
    public const int MadvHugePage = 14, MadvNoHugePage = 15, MadvPopulateWrite = 23;

    [System.Runtime.InteropServices.LibraryImport("libc")]
    public static partial int madvise(nint address, nuint length, int advice);

    [System.Runtime.InteropServices.LibraryImport("LibTorchSharp")]
    public static partial nint THSTensor_data(nint tensor);
}
