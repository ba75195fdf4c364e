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
    public const long Batch = 2;

    /// <param name="frames">Decoder positions; from 32 (64 rows) the fused projections run.</param>
    /// <param name="memoryLength">Memory positions; from 32 the memory k/v projections run fused.</param>
    public TinyTraining(ModelPlacement placement, int seed = 3, long frames = 12, long memoryLength = 6)
    {
        Placement = placement;
        manual_seed(seed);
        Model = placement.Apply(new SongGenForCausalLM(SongGenPresets.Tiny(TrackPattern.MixedPro).Decoder));
        int k = Model.Config.NumCodebooks;
        long width = Model.Config.HiddenSize;
        using var scope = NewDisposeScope();
        Labels = randint(0, SpecialTokens.CodebookSize, [Batch, frames, k]).to(placement.Device).DetachFromDisposeScope();
        VocalLabels = randint(0, SpecialTokens.CodebookSize, [Batch, frames, k]).to(placement.Device).DetachFromDisposeScope();
        InputIds = TokenShift.ShiftTokensRight(Labels).transpose(1, 2).contiguous().DetachFromDisposeScope();
        Memory = placement.Input(randn(Batch, memoryLength, width)).DetachFromDisposeScope();
        var mask = ones(Batch, memoryLength, ScalarType.Int64);
        mask[1, (int)(memoryLength - 2)..] = tensor(0L);   // item 1: its last two memory positions padded
        MemoryMask = mask.to(placement.Device).DetachFromDisposeScope();
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
