// Quick throughput check of the safetensors reader against TorchSharp.PyBridge (one mode per process, so each
// peak RSS is its own):
//   dotnet run -c Release --project bench/CheckpointThroughput -- gen /tmp/big.safetensors 1024
//   cat /tmp/big.safetensors > /dev/null      # warm the page cache; time it as the baseline
//   dotnet run -c Release --project bench/CheckpointThroughput -- ours /tmp/big.safetensors [ROUNDS]
//   dotnet run -c Release --project bench/CheckpointThroughput -- pybridge /tmp/big.safetensors [ROUNDS]
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
    default:
        throw new ArgumentException("mode: gen | ours | pybridge");
}

static double PeakRssMb()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}
