using SongGen.Checkpoints.Devices;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Generation;
using SongGen.Model.Lyrics;
using SongGen.Model.TextEncoder;
using SongGen.Model.Placement;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Placement;

public sealed class ModelPlacementTests(ITestOutputHelper output)
{
    private static readonly ModelPlacement CpuBFloat16 = new(CPU, ModelPrecision.BFloat16);

    /// <summary>Tensors created on this thread and not yet disposed (TorchSharp's per-thread dispose-scope statistics).</summary>
    private static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Apply_casts_floating_parameters_and_buffers_and_keeps_integer_buffers()
    {
        using var module = new WithBuffers();
        Assert.Same(module, CpuBFloat16.Apply(module));
        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Assert.Equal(ScalarType.BFloat16, module.parameters().Single().dtype);
        Assert.Equal(ScalarType.BFloat16, buffers["scale"].dtype);
        Assert.Equal(ScalarType.Int64, buffers["steps"].dtype);
        Assert.Equal(new long[] { 0, 1, 2 }, buffers["steps"].data<long>().ToArray());
    }

    private sealed class WithBuffers : nn.Module
    {
#pragma warning disable IDE1006 // state_dict names
        private readonly TorchSharp.Modules.Parameter weight = nn.Parameter(ones(2, 2));
        private readonly Tensor scale = ones(2);
        private readonly Tensor steps = arange(3L);
#pragma warning restore IDE1006

        public WithBuffers() : base(nameof(WithBuffers))
        {
            register_buffer(nameof(scale), scale);
            register_buffer(nameof(steps), steps);
            RegisterComponents();
        }
    }

    [Fact]
    public void Bf16_placement_casts_every_parameter_and_only_floating_inputs()
    {
        using var run = new TinyTraining(CpuBFloat16);
        Assert.All(run.Model.named_parameters(), p => Assert.Equal(ScalarType.BFloat16, p.parameter.dtype));
        Assert.Equal(ScalarType.BFloat16, run.Memory.dtype);
        using var ids = tensor(new long[] { 1, 2 });
        Assert.Same(ids, CpuBFloat16.Input(ids));
        using var floats = tensor(new float[] { 1, 2 });
        using var cast = CpuBFloat16.Input(floats);
        Assert.Equal(ScalarType.BFloat16, cast.dtype);
        Assert.Same(floats, ModelPlacement.CpuFloat32.Input(floats));
    }

    [Fact]
    public void Bf16_forward_is_close_to_fp32_with_the_same_weights()
    {
        using var scope = NewDisposeScope();
        using var full = new TinyTraining(ModelPlacement.CpuFloat32);
        using var half = new TinyTraining(CpuBFloat16);
        full.Model.eval();
        half.Model.eval();
        using var noGrad = no_grad();
        var expected = full.Forward();
        var actual = half.Forward();
        Assert.Equal(ScalarType.BFloat16, actual.Logits.dtype);
        Assert.Equal(ScalarType.Float32, actual.Loss!.dtype);

        double scale = expected.Logits.abs().max().item<float>();
        double logitError = Compare.MaxAbs(actual.Logits, expected.Logits);
        double lossError = Math.Abs(actual.Loss.item<float>() - expected.Loss!.item<float>());
        output.WriteLine($"logit scale {scale:G4}, max |bf16 - fp32| {logitError:G4}; loss {expected.Loss.item<float>():G6} vs {actual.Loss.item<float>():G6}");
        // bf16 keeps 8 significant bits (relative step 2^-8 = 0.4%); a few layers of rounding stay within a few percent.
        Assert.True(logitError <= 0.03 * scale, $"max |bf16 - fp32| logits {logitError:G4} > 3% of {scale:G4}");
        Assert.True(lossError <= 0.01 * expected.Loss.item<float>(), $"loss differs by {lossError:G4}");
        Assert.True(logitError > 0, "the bf16 run computed in float32");
    }

    [Fact]
    public void Bf16_text_encoder_and_composite_model_stay_close_to_fp32()
    {
        using var scope = NewDisposeScope();
        var config = SongGenPresets.Tiny(TrackPattern.MixedPro);
        var options = new SongGenMixedOptions
        {
            Decoder = config.Decoder,
            TextHiddenSize = config.TextEncoder.DModel,
            PromptVocabSize = 20,
            LyricsEncoder = new ConformerEncoderOptions { InputSize = config.Decoder.HiddenSize, OutputSize = 8, AttentionHeads = 2, LinearUnits = 16, NumBlocks = 1 },
            MertHiddenSize = 12,
        };
        float Loss(ModelPlacement placement)
        {
            manual_seed(8);
            using var t5 = placement.Apply(new T5EncoderModel(config.TextEncoder));
            using var model = placement.Apply(new SongGenMixedForConditionalGeneration(options));
            t5.eval();
            model.eval();
            using var noGrad = no_grad();
            var textIds = randint(1, 100, [2, 5]);
            var textMask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }).view(2, 5);
            var lyrics = randint(1, 20, [2, 4]);
            var mert = placement.Input(randn(25, 2, 3, 12));
            var wave = placement.Input(cat([randn(1, 10), zeros(1, 10)], 0));
            var labels = randint(0, 1024, [2, 6, 8]);
            var text = t5.Forward(textIds, textMask);
            Assert.Equal(placement.DType, text.dtype);
            using var output = model.Forward(text, textMask, lyrics, ones_like(lyrics), mert, wave, labels);
            Assert.Equal(placement.DType, output.Logits.dtype);
            return output.Loss!.item<float>();
        }
        float expected = Loss(ModelPlacement.CpuFloat32), actual = Loss(CpuBFloat16);
        output.WriteLine($"composite loss fp32 {expected:G6}, bf16 {actual:G6}");
        Assert.True(float.IsFinite(actual));
        Assert.True(Math.Abs(actual - expected) <= 0.01 * expected, $"bf16 loss {actual} vs fp32 {expected}");
    }

    [Fact]
    public void Bf16_training_step_gives_a_finite_loss_and_finite_gradients()
    {
        using var run = new TinyTraining(CpuBFloat16);
        using var scope = NewDisposeScope();
        var before = run.Model.parameters().Select(p => p.detach().clone()).ToList();
        var output = run.Forward();
        var loss = output.Loss! + 0.1 * output.VocalLoss!;
        loss.backward();
        Assert.True(float.IsFinite(loss.item<float>()) && loss.item<float>() > 0, $"loss {loss.item<float>()}");
        var trainable = run.Model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        Assert.NotEmpty(trainable);
        foreach (var (name, parameter) in trainable)
        {
            var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.Equal(ScalarType.BFloat16, grad!.dtype);
            Assert.True(grad.isfinite().all().item<bool>(), $"{name}: non-finite gradient");
        }
        Assert.True(trainable.Any(p => p.parameter.grad!.abs().sum().to_type(ScalarType.Float32).item<float>() > 0), "all gradients are zero");
        run.Optimizer.step();
        var changed = run.Model.parameters().Zip(before).Count(pair => !pair.First.detach().eq(pair.Second).all().item<bool>());
        Assert.True(changed > 0, "AdamW changed no bf16 parameter");
    }

    [Theory]
    [InlineData(ModelPrecision.Float32)]
    [InlineData(ModelPrecision.BFloat16)]
    public void Live_tensor_count_stays_flat_over_200_training_steps(ModelPrecision precision)
    {
        // 2 × 40 positions and memory rows: the fused projections run too.
        using var run = new TinyTraining(new ModelPlacement(CPU, precision), frames: 40, memoryLength: 40);
        const int warmUp = 10, steps = 200;
        var losses = new List<float>();
        for (var i = 0; i < warmUp; i++) losses.Add(run.Step());
        long afterWarmUp = LiveTensors;
        long peak = afterWarmUp;
        for (var i = warmUp; i < steps; i++)
        {
            losses.Add(run.Step());
            peak = Math.Max(peak, LiveTensors);
        }
        long atEnd = LiveTensors;
        output.WriteLine($"{precision}: live tensors after warm-up {afterWarmUp}, peak between steps {peak}, at step {steps} {atEnd}; loss {losses[0]:G4} -> {losses[^1]:G4}");
        Assert.Equal(afterWarmUp, atEnd);
        Assert.Equal(afterWarmUp, peak);
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        Assert.True(losses[^1] < losses[0], "the fixed batch was not learned at all");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Generation_leaves_no_live_tensors(bool useCache)
    {
        using var run = new TinyTraining(ModelPlacement.CpuFloat32);
        var config = SongGenPresets.TinyGeneration(TrackPattern.MixedPro);
        config.MaxLength = 16;
        config.UseCache = useCache;
        using var conditioning = new SongGenConditioning(run.Memory.alias(), run.MemoryMask.alias());
        using (SongGenGenerator.Generate(run.Model, conditioning, config, seed: 1)) { }
        long before = LiveTensors;
        for (var i = 0; i < 3; i++)
            using (SongGenGenerator.Generate(run.Model, conditioning, config, seed: 1)) { }
        Assert.Equal(before, LiveTensors);
    }

    [RequiresCudaFact]
    public void Cuda_forward_matches_cpu_and_a_bf16_step_runs()
    {
        var device = ComputeDevice.Open(new ComputeDeviceOptions { Device = "cuda" });
        using var scope = NewDisposeScope();
        using var cpu = new TinyTraining(ModelPlacement.CpuFloat32);
        using var gpu = new TinyTraining(ModelPlacement.On(device));
        cpu.Model.eval();
        gpu.Model.eval();
        Assert.All(gpu.Model.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
        using (no_grad())
        {
            var expected = cpu.Forward();
            var actual = gpu.Forward();
            Assert.True(Compare.MaxAbs(actual.Logits.cpu(), expected.Logits) < 1e-3);
        }
        using var half = new TinyTraining(ModelPlacement.On(device, ModelPrecision.BFloat16));
        Assert.True(float.IsFinite(half.Step()));
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, when libtorch sees no CUDA device (decided at discovery).</summary>
public sealed class RequiresCudaFactAttribute : FactAttribute
{
    public RequiresCudaFactAttribute()
    {
        if (!cuda.is_available())
            Skip = $"CUDA not available (libtorch {ComputeDevice.TorchBackend}); build with -p:TorchBackend=cuda on a machine with a GPU";
    }
}
