using System.Diagnostics;
using System.Globalization;
using SongGen.Checkpoints.Devices;
using SongGen.Model.Bench;
using SongGen.Model.Codes;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Generation;
using SongGen.Model.Placement;
using TorchSharp;
using static TorchSharp.torch;

// dotnet run -c Release --project bench/SongGen.Model.Bench -- [train|generate|all|profile] [options]
//   (profile: each operation of a training step timed alone at the step's shapes, times how often a step runs it;
//    --only TEXT keeps the rows whose name contains TEXT, --runs N)
//   --precision fp32,bf16  precisions to run (default both for train, fp32 for generate)
//   --layers 24            decoder layers (the released mixed_pro decoder: 24 × 1024, 16 heads, FFN 4096)
//   --seconds 10           audio per item at 50 frames/s: S = 50·seconds + 8 decoder positions (the delay)
//   --memory 480           cross-attention memory: voice 224 + description 128 + lyrics 128 positions
//   --batch 1              items per step
//   --warmup 1 --steps 3   training steps: untimed, then timed (median reported)
//   --new-tokens 24 --runs 3  generation: decoding steps per run, timed runs with the cache (1 without)
//   --matmul 2048 --matmul-runs 10  the reference torch.mm size and runs
//   --device cpu           auto|cpu|cuda[:N] (ComputeDevice; default cpu), --threads N (default SONGGEN_THREADS or all cores)
// Training FLOPs are counted analytically (DecoderFlops) and reported as a fraction of the same process's
// torch.mm FLOP/s in the same dtype, on the same threads.
var options = BenchOptions.Parse(args);
var device = ComputeDevice.Open(new ComputeDeviceOptions { Device = options.Text("device", "cpu"), Threads = options.NullableInt("threads") });
Console.WriteLine($"device: {device}");
Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()} (1/5/15-min load average, runnable/total threads, last pid), {Environment.ProcessorCount} cores");

var decoderConfig = SongGenPresets.MixedPro.Decoder;
decoderConfig.NumHiddenLayers = options.Int("layers", decoderConfig.NumHiddenLayers);
string command = options.Command ?? "all";
if (command is "train" or "all") TrainingBench.Run(options, device, decoderConfig);
if (command is "generate" or "all") GenerationBench.Run(options, device, decoderConfig);
if (command is "profile") ProfileBench.Run(options, device, decoderConfig);
if (command is not ("train" or "generate" or "all" or "profile"))
{
    Console.Error.WriteLine($"unknown command '{command}': expected train, generate, all or profile");
    return 2;
}
return 0;

namespace SongGen.Model.Bench
{
    internal static class TrainingBench
    {
        public static void Run(BenchOptions options, ComputeDevice device, SongGenDecoderConfig config)
        {
            long batch = options.Int("batch", 1);
            long frames = (long)Math.Round(50 * options.Double("seconds", 10));
            long positions = frames + config.NumCodebooks;
            long memoryLength = options.Int("memory", 480);
            int warmup = options.Int("warmup", 1), steps = options.Int("steps", 3);
            int matmulSize = options.Int("matmul", 2048), matmulRuns = options.Int("matmul-runs", 10);
            double flops = DecoderFlops.TrainingStep(config, batch, positions, memoryLength);
            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant(
                $"training step: decoder {config.NumHiddenLayers}×{config.HiddenSize} ({config.TrackPattern.ToHfName()}), batch {batch}, {frames} frames + {config.NumCodebooks} delay = {positions} positions, memory {memoryLength}; {flops / 1e12:F3} TFLOP per step (analytic, see DecoderFlops)"));
            Console.WriteLine(FormattableString.Invariant($"median of {steps} step(s) after {warmup} warm-up; matmul = torch.mm {matmulSize}×{matmulSize}, median of {matmulRuns} (cpu: their total)"));
            Console.WriteLine("wall = elapsed seconds; cpu = this process's CPU seconds (all threads), which a loaded machine disturbs less;");
            Console.WriteLine("f+b = the fraction without the optimizer (clip + AdamW), as in the micro-steps of gradient accumulation");
            Console.WriteLine(FormattableString.Invariant(
                $"{"precision",-9} {"step s",8} {"fwd s",7} {"bwd s",7} {"opt s",7} {"pos/s",7} {"GFLOP/s",8} {"mm",7} {"of mm",6} | {"cpu s",7} {"GFLOP/cpu-s",11} {"mm",7} {"of mm",6} {"f+b",5}  loss"));
            foreach (var precision in options.Precisions(ModelPrecision.Float32, ModelPrecision.BFloat16))
            {
                var placement = ModelPlacement.On(device, precision);
                var matmul = Matmul.Gflops(placement, matmulSize, matmulRuns);
                var result = Measure(placement, config, batch, frames, memoryLength, warmup, steps);
                double gflops = flops / result.Step / 1e9, cpuGflops = flops / result.CpuSeconds / 1e9;
                Console.WriteLine(FormattableString.Invariant(
                    $"{precision.ToShortName(),-9} {result.Step,8:F2} {result.Forward,7:F2} {result.Backward,7:F2} {result.Optimizer,7:F2} {batch * positions / result.Step,7:F1} {gflops,8:F1} {matmul.PerSecond,7:F1} {gflops / matmul.PerSecond,6:P0} | {result.CpuSeconds,7:F2} {cpuGflops,11:F1} {matmul.PerCpuSecond,7:F1} {cpuGflops / matmul.PerCpuSecond,6:P0} {flops / result.ForwardBackwardCpuSeconds / 1e9 / matmul.PerCpuSecond,5:P0}  {result.Loss:F3}"));
                GC.Collect();
            }
        }

        private sealed record StepTimes(double Step, double Forward, double Backward, double Optimizer, double CpuSeconds, double ForwardBackwardCpuSeconds, float Loss);

        private static StepTimes Measure(ModelPlacement placement, SongGenDecoderConfig config, long batch, long frames, long memoryLength, int warmup, int steps)
        {
            manual_seed(1);
            using var model = placement.Apply(new SongGenForCausalLM(config));
            model.train();
            using var optimizer = optim.AdamW(model.parameters(), lr: 1e-4, beta1: 0.9, beta2: 0.99, weight_decay: 1e-4);
            int k = config.NumCodebooks;
            using var inputs = NewDisposeScope();
            // Labels built as preprocessing does: BOS/EOS-delayed codes (K, F+K) per item, as (B, S, K).
            var labels = stack(Enumerable.Range(0, (int)batch).Select(_ => DelayPattern.BuildLabels(randint(0, SpecialTokens.CodebookSize, [k, frames])).t()), 0).to(placement.Device);
            var vocalLabels = stack(Enumerable.Range(0, (int)batch).Select(_ => DelayPattern.BuildLabels(randint(0, SpecialTokens.CodebookSize, [k, frames])).t()), 0).to(placement.Device);
            var inputIds = TokenShift.ShiftTokensRight(labels).transpose(1, 2).contiguous();
            // The memory requires grad, as it does when the conditioning projections and the lyrics encoder train.
            var memory = placement.Input(randn(batch, memoryLength, config.HiddenSize)).requires_grad_();
            var memoryMask = ones(batch, memoryLength, ScalarType.Int64, placement.Device);
            var weights = LossWeightCurriculum.Weights(0, 1000, k).to(placement.Device);
            var parameters = model.parameters().ToList();

            var times = new List<StepTimes>();
            for (var i = 0; i < warmup + steps; i++)
            {
                using var scope = NewDisposeScope();
                var cpu = Environment.CpuUsage.TotalTime;
                var total = Stopwatch.StartNew();
                optimizer.zero_grad();
                memory.grad?.zero_();
                var output = model.Forward(inputIds, memory, memoryMask, labels, vocalLabels);
                var loss = SongGenForCausalLM.WeightedTrainingLoss(output.CodebookLosses!, weights, output.VocalCodebookLosses);
                float lossValue = loss.item<float>();
                Sync(placement);
                double forward = total.Elapsed.TotalSeconds;
                loss.backward();
                Sync(placement);
                double backward = total.Elapsed.TotalSeconds - forward;
                double forwardBackwardCpu = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds;
                nn.utils.clip_grad_norm_(parameters, 1.0);
                double clip = total.Elapsed.TotalSeconds;
                optimizer.step();
                if (Environment.GetEnvironmentVariable("SONGGEN_BENCH_TRACE") == "1")
                    Console.WriteLine(FormattableString.Invariant($"  step {i}: clip {clip - forward - backward:F2} s, AdamW {total.Elapsed.TotalSeconds - clip:F2} s"));
                Sync(placement);
                double step = total.Elapsed.TotalSeconds;
                double cpuSeconds = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds;
                if (i >= warmup) times.Add(new StepTimes(step, forward, backward, step - forward - backward, cpuSeconds, forwardBackwardCpu, lossValue));
            }
            StepTimes median = times.OrderBy(t => t.Step).ElementAt(times.Count / 2);
            return median;
        }

        private static void Sync(ModelPlacement placement)
        {
            if (placement.Device.type == DeviceType.CUDA) cuda.synchronize();
        }
    }

    internal static class GenerationBench
    {
        public static void Run(BenchOptions options, ComputeDevice device, SongGenDecoderConfig config)
        {
            long memoryLength = options.Int("memory", 480);
            int newTokens = options.Int("new-tokens", 24), runs = options.Int("runs", 3);
            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant(
                $"generation: decoder {config.NumHiddenLayers}×{config.HiddenSize}, batch 1, memory {memoryLength}, {newTokens} greedy steps per run; median of {runs} run(s) with the KV cache, 1 without"));
            Console.WriteLine(FormattableString.Invariant($"{"precision",-9} {"cache ms/step",14} {"no-cache ms/step",17} {"ratio",7}  steps"));
            foreach (var precision in options.Precisions(ModelPrecision.Float32))
            {
                var placement = ModelPlacement.On(device, precision);
                manual_seed(1);
                using var model = placement.Apply(new SongGenForCausalLM(config));
                model.eval();
                using var conditioning = new SongGenConditioning(
                    placement.Input(randn(1, memoryLength, config.HiddenSize)), ones(1, memoryLength, ScalarType.Int64, placement.Device));
                var generation = SongGenPresets.Generation(config.TrackPattern);
                generation.DoSample = false;

                generation.UseCache = true;
                Time(model, conditioning, generation, Math.Min(4, newTokens));   // warm-up
                var cached = Enumerable.Range(0, runs).Select(_ => Time(model, conditioning, generation, newTokens)).OrderBy(r => r.MsPerStep).ToList();
                var withCache = cached[cached.Count / 2];
                generation.UseCache = false;
                var withoutCache = Time(model, conditioning, generation, newTokens);
                if (withCache.Steps != withoutCache.Steps)
                    Console.WriteLine($"note: {withCache.Steps} steps with the cache, {withoutCache.Steps} without (a row ended early)");
                Console.WriteLine(FormattableString.Invariant(
                    $"{precision.ToShortName(),-9} {withCache.MsPerStep,14:F1} {withoutCache.MsPerStep,17:F1} {withoutCache.MsPerStep / withCache.MsPerStep,6:F1}×  {withCache.Steps}"));
            }
        }

        private static (double MsPerStep, int Steps) Time(SongGenForCausalLM model, SongGenConditioning conditioning, GenerationConfig generation, int newTokens)
        {
            var sw = Stopwatch.StartNew();
            using var output = SongGenGenerator.Generate(model, conditioning, generation, seed: 1, maxNewTokens: newTokens);
            return (sw.Elapsed.TotalMilliseconds / output.Steps, output.Steps);
        }
    }

    /// <summary>The yardstick: GFLOP per second and per CPU second of one large square <c>torch.mm</c> in the placement's dtype (2·n³ FLOPs).</summary>
    internal static class Matmul
    {
        public static (double PerSecond, double PerCpuSecond) Gflops(ModelPlacement placement, int n, int runs)
        {
            using var scope = NewDisposeScope();
            var a = placement.Input(randn(n, n));
            var b = placement.Input(randn(n, n));
            using (mm(a, b)) { }
            var seconds = new List<double>();
            var cpuSeconds = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                var sw = Stopwatch.StartNew();
                using (var c = mm(a, b))
                {
                    if (placement.Device.type == DeviceType.CUDA) cuda.synchronize();
                }
                seconds.Add(sw.Elapsed.TotalSeconds);
                cpuSeconds.Add((Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
            }
            seconds.Sort();
            double flop = 2.0 * n * n * n;
            // CPU time over all runs: the process clock ticks are too coarse for one run.
            return (flop / seconds[seconds.Count / 2] / 1e9, flop * runs / cpuSeconds.Sum() / 1e9);
        }
    }

    /// <summary><c>[command] --name value ...</c>.</summary>
    internal sealed class BenchOptions
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public string? Command { get; private init; }

        public static BenchOptions Parse(string[] args)
        {
            var options = new BenchOptions { Command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : null };
            for (var i = options.Command is null ? 0 : 1; i < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                    throw new ArgumentException($"expected --name value, got '{args[i]}'");
                options._values[args[i][2..]] = args[i + 1];
            }
            return options;
        }

        public string Text(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

        public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public int? NullableInt(string name) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : null;

        public double Double(string name, double fallback) => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public IReadOnlyList<ModelPrecision> Precisions(params ModelPrecision[] fallback) =>
            _values.TryGetValue("precision", out var v) ? v.Split(',').Select(ModelPrecisions.Parse).ToList() : fallback;
    }
}
