using System.Diagnostics;
using SongGen.Checkpoints.Devices;
using SongGen.Model.Config;
using SongGen.Model.Placement;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Bench;

/// <summary>
/// Where a training step's time goes: each kind of operation of one decoder layer (and the heads, the loss and the
/// optimizer) timed alone at the step's shapes, forward + backward, then multiplied by how often a step runs it.
/// The sum is compared with the measured step by the <c>train</c> command.
/// </summary>
internal static class ProfileBench
{
    public static void Run(BenchOptions options, ComputeDevice device, SongGenDecoderConfig config)
    {
        long frames = (long)Math.Round(50 * options.Double("seconds", 10));
        long s = frames + config.NumCodebooks, m = options.Int("memory", 480);
        long d = config.HiddenSize, f = config.FfnDim, v = config.VocabSize, h = config.NumAttentionHeads, hd = d / h;
        int layers = config.NumHiddenLayers;
        int heads = config.NumLmHeads + (config.HasVocalLmHeads ? config.NumCodebooks : 0);
        int runs = options.Int("runs", 3);
        foreach (var precision in options.Precisions(ModelPrecision.Float32))
        {
            var p = ModelPlacement.On(device, precision);
            Console.WriteLine();
            Console.WriteLine($"profile ({precision.ToShortName()}): forward + backward of each operation at the step's shapes, median of {runs}; x = times per step");
            Console.WriteLine("wall = elapsed ms (median), cpu = this process's CPU ms, all threads (mean)");
            Console.WriteLine($"{"operation",-44} {"wall ms",9} {"cpu ms",9} {"x",5} {"wall/step",10} {"cpu/step",10} {"GFLOP/s",8} {"/cpu-s",8}");
            double total = 0, totalCpu = 0;
            string only = options.Text("only", "");
            void Row(string name, Func<(double Wall, double Cpu)> measure, int count, double flops)
            {
                if (!name.Contains(only, StringComparison.OrdinalIgnoreCase)) return;
                var ms = measure();
                total += ms.Wall * count;
                totalCpu += ms.Cpu * count;
                Console.WriteLine(FormattableString.Invariant(
                    $"{name,-44} {ms.Wall,9:F1} {ms.Cpu,9:F1} {count,5} {ms.Wall * count,10:F0} {ms.Cpu * count,10:F0} {(flops > 0 ? flops / ms.Wall / 1e6 : double.NaN),8:F1} {(flops > 0 ? flops / ms.Cpu / 1e6 : double.NaN),8:F1}"));
            }

            Row($"linear {s}x{d} -> {d}", () => Linear(p, s, d, d, runs), 6 * layers, 6.0 * s * d * d);
            Row($"linear {s}x{d} -> {d}, dense gradient", () => Linear(p, s, d, d, runs, randomGrad: true), 0, 6.0 * s * d * d);
            Row($"linear {s}x{d} -> {f}, dense gradient", () => Linear(p, s, d, f, runs, randomGrad: true), 0, 6.0 * s * d * f);
            Row($"3 linears {s}x{d} -> {d} (q, k, v apart)", () => Projections(p, s, d, 3, fused: false, runs), 0, 3 * 6.0 * s * d * d);
            Row($"1 linear {s}x{d} -> 3x{d} (q, k, v fused)", () => Projections(p, s, d, 3, fused: true, runs), 0, 3 * 6.0 * s * d * d);
            Row($"16 heads {s}x{d} -> {v} apart + stack", () => Projections(p, s, d, heads, fused: false, runs, v), 0, heads * 6.0 * s * d * v);
            Row($"16 heads {s}x{d} -> {v} fused", () => Projections(p, s, d, heads, fused: true, runs, v), 0, heads * 6.0 * s * d * v);
            Row($"linear {m}x{d} -> {d} (memory k, v)", () => Linear(p, m, d, d, runs), 2 * layers, 6.0 * m * d * d);
            Row($"linear {s}x{d} -> {f} (fc1)", () => Linear(p, s, d, f, runs), layers, 6.0 * s * d * f);
            Row($"linear {s}x{f} -> {d} (fc2)", () => Linear(p, s, f, d, runs), layers, 6.0 * s * d * f);
            Row($"sdpa causal {h}x{s}x{hd}", () => Attention(p, h, s, s, hd, causal: true, runs), layers, 3 * 2.0 * s * s * d);
            Row($"sdpa cross {h}x{s}x{m}x{hd}", () => Attention(p, h, s, m, hd, causal: false, runs), layers, 3 * 4.0 * s * m * d);
            Row("layer norm", () => Elementwise(p, s, d, x => nn.functional.layer_norm(x, [d], null, null, 1e-5), runs), 3 * layers, 0);
            Row($"gelu {s}x{f}", () => Elementwise(p, s, f, x => nn.functional.gelu(x), runs), layers, 0);
            Row("dropout 0.1", () => Elementwise(p, s, d, x => nn.functional.dropout(x, 0.1, true), runs), 3 * layers + 1, 0);
            Row("transpose + contiguous (B,H,S,d)", () => Elementwise(p, s, d, x => x.view(1, s, h, hd).transpose(1, 2).contiguous(), runs), 2 * layers, 0);
            Row($"head {s}x{d} -> {v}", () => Linear(p, s, d, v, runs), heads, 6.0 * s * d * v);
            Row($"cross-entropy {s}x{v} (fp32)", () => CrossEntropy(p, s, v, runs), heads, 0);
            Row($"gemv 1x{d} -> {f} (a generation step, no grad)", () => Inference(p, 1, d, f, runs * 10), 0, 2.0 * d * f);
            Row($"gemm 16x{d} -> {f} (no grad)", () => Inference(p, 16, d, f, runs * 10), 0, 16 * 2.0 * d * f);
            Row("AdamW + clip_grad_norm_ (all parameters)", () => Optimizer(p, config, runs), 1, 0);
            Console.WriteLine(FormattableString.Invariant($"{"sum",-44} {"",9} {"",9} {"",5} {total,10:F0} {totalCpu,10:F0}"));
        }
    }

    /// <summary>After one warm-up call: the median wall milliseconds, and the mean CPU milliseconds (all threads) of <paramref name="runs"/> calls.</summary>
    private static (double Wall, double Cpu) Median(int runs, Action action)
    {
        action();
        var ms = new List<double>();
        var cpu = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            ms.Add(sw.Elapsed.TotalMilliseconds);
        }
        double cpuMs = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / runs;
        ms.Sort();
        return (ms[ms.Count / 2], cpuMs);
    }

    private static (double Wall, double Cpu) Linear(ModelPlacement p, long rows, long input, long output, int runs, bool randomGrad = false)
    {
        using var scope = NewDisposeScope();
        var x = p.Input(randn(1, rows, input)).requires_grad_();
        var w = p.Input(randn(output, input) * 0.02).requires_grad_();
        var grad = p.Input(randn(1, rows, output));
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            // sum() hands back an expanded (stride 0) gradient; a model's gradients are dense.
            if (randomGrad) nn.functional.linear(x, w).backward([grad]);
            else nn.functional.linear(x, w).sum().backward();
            x.grad?.zero_();
            w.grad?.zero_();
        });
    }

    /// <summary><paramref name="count"/> bias-free projections of one input, as separate matmuls stacked, or one matmul with the weights concatenated.</summary>
    private static (double Wall, double Cpu) Projections(ModelPlacement p, long rows, long input, int count, bool fused, int runs, long? outputWidth = null)
    {
        using var scope = NewDisposeScope();
        long output = outputWidth ?? input;
        var x = p.Input(randn(1, rows, input)).requires_grad_();
        var weights = Enumerable.Range(0, count).Select(_ => p.Input(randn(output, input) * 0.02).requires_grad_()).ToList();
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            var y = fused
                ? nn.functional.linear(x, cat(weights, 0)).view(1, rows, count, output)
                : stack(weights.Select(w => nn.functional.linear(x, w)), 2);
            y.sum().backward();
            x.grad?.zero_();
            foreach (var w in weights) w.grad?.zero_();
        });
    }

    private static (double Wall, double Cpu) Inference(ModelPlacement p, long rows, long input, long output, int runs)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = p.Input(randn(1, rows, input));
        var w = p.Input(randn(output, input) * 0.02);
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            nn.functional.linear(x, w);
        });
    }

    private static (double Wall, double Cpu) Attention(ModelPlacement p, long heads, long queries, long keys, long headDim, bool causal, int runs)
    {
        using var scope = NewDisposeScope();
        var q = p.Input(randn(1, heads, queries, headDim)).requires_grad_();
        var k = p.Input(randn(1, heads, keys, headDim)).requires_grad_();
        var v = p.Input(randn(1, heads, keys, headDim)).requires_grad_();
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, causal).sum().backward();
            foreach (var t in new[] { q, k, v }) t.grad?.zero_();
        });
    }

    private static (double Wall, double Cpu) Elementwise(ModelPlacement p, long rows, long width, Func<Tensor, Tensor> op, int runs)
    {
        using var scope = NewDisposeScope();
        var x = p.Input(randn(1, rows, width)).requires_grad_();
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            op(x).sum().backward();
            x.grad?.zero_();
        });
    }

    private static (double Wall, double Cpu) CrossEntropy(ModelPlacement p, long rows, long vocab, int runs)
    {
        using var scope = NewDisposeScope();
        var logits = p.Input(randn(rows, vocab)).requires_grad_();
        var target = randint(0, vocab, [rows], device: p.Device);
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            nn.functional.cross_entropy(logits.to_type(ScalarType.Float32), target).backward();
            logits.grad?.zero_();
        });
    }

    private static (double Wall, double Cpu) Optimizer(ModelPlacement p, SongGenDecoderConfig config, int runs)
    {
        using var model = p.Apply(new Decoder.SongGenForCausalLM(config));
        var parameters = model.parameters().Where(x => x.requires_grad).ToList();
        using (no_grad())
            foreach (var x in parameters) x.grad = zeros_like(x).fill_(1e-3);
        using var optimizer = optim.AdamW(parameters, lr: 1e-4, beta1: 0.9, beta2: 0.99, weight_decay: 1e-4);
        return Median(runs, () =>
        {
            using var step = NewDisposeScope();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
        });
    }
}
