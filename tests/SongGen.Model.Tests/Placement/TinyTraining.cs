using SongGen.Model.Codes;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using SongGen.Model.Placement;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Placement;

/// <summary>A tiny mixed_pro decoder with a fixed batch, and one training step (forward, backward, AdamW) on it.</summary>
internal sealed class TinyTraining : IDisposable
{
    public const long Batch = 2, Frames = 12, MemoryLength = 6;

    public TinyTraining(ModelPlacement placement, int seed = 3)
    {
        Placement = placement;
        manual_seed(seed);
        Model = placement.Apply(new SongGenForCausalLM(SongGenPresets.Tiny(TrackPattern.MixedPro).Decoder));
        int k = Model.Config.NumCodebooks;
        long width = Model.Config.HiddenSize;
        using var scope = NewDisposeScope();
        Labels = randint(0, SpecialTokens.CodebookSize, [Batch, Frames, k]).to(placement.Device).DetachFromDisposeScope();
        VocalLabels = randint(0, SpecialTokens.CodebookSize, [Batch, Frames, k]).to(placement.Device).DetachFromDisposeScope();
        InputIds = TokenShift.ShiftTokensRight(Labels).transpose(1, 2).contiguous().DetachFromDisposeScope();
        Memory = placement.Input(randn(Batch, MemoryLength, width)).DetachFromDisposeScope();
        MemoryMask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }).view(Batch, MemoryLength).to(placement.Device).DetachFromDisposeScope();
        Optimizer = optim.AdamW(Model.parameters(), lr: 1e-3);
    }

    public ModelPlacement Placement { get; }
    public SongGenForCausalLM Model { get; }
    public Tensor Labels { get; }
    public Tensor VocalLabels { get; }
    public Tensor InputIds { get; }
    public Tensor Memory { get; }
    public Tensor MemoryMask { get; }
    public optim.Optimizer Optimizer { get; }

    /// <summary>The forward with labels (caller disposes).</summary>
    public SongGenCausalLMOutput Forward() => Model.Forward(InputIds, Memory, MemoryMask, Labels, VocalLabels);

    /// <summary>One step in its own dispose scope; returns the loss value.</summary>
    public float Step()
    {
        using var scope = NewDisposeScope();
        Optimizer.zero_grad();
        var output = Forward();
        var loss = output.Loss! + 0.1 * output.VocalLoss!;
        loss.backward();
        Optimizer.step();
        return loss.item<float>();
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
        Labels.Dispose();
        VocalLabels.Dispose();
        InputIds.Dispose();
        Memory.Dispose();
        MemoryMask.Dispose();
    }
}
