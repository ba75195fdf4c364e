using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Positions;

/// <summary>
/// The decoder's absolute sinusoidal positional table (<c>decoder.model.decoder.embed_positions</c>): row p is
/// <c>cat[cos(p·f), sin(p·f)]</c> with <c>f_k = exp(−k·ln(10000)/(half−1))</c>, computed in float32. The table is a
/// saved, non-trainable parameter named <c>weights</c> (load the checkpoint's copy rather than relying on the
/// recomputation: float32 rounding at large positions is implementation dependent). Positions start at 0; the forward
/// returns <c>(S, D)</c> rows <c>past..past+S−1</c> with no batch dimension. When <c>S</c> alone exceeds the table
/// size the table is rebuilt with <c>S + 2</c> rows first (the past length is not part of that check).
/// </summary>
public sealed class SinusoidalPositionalEmbedding : nn.Module<Tensor, long, Tensor>
{
    /// <summary>Extra rows added when the table extends itself (the reference's unused <c>offset</c>).</summary>
    public const long Offset = 2;

#pragma warning disable IDE1006 // state_dict name
    private readonly Parameter weights;
#pragma warning restore IDE1006

    public SinusoidalPositionalEmbedding(long numPositions, long embeddingDim, Device? device = null) : base(nameof(SinusoidalPositionalEmbedding))
    {
        EmbeddingDim = embeddingDim;
        var table = device?.type == DeviceType.META
            ? empty(numPositions, embeddingDim, device: device)   // shapes only
            : BuildTable(numPositions, embeddingDim);
        if (device is not null && table.device != device) table = table.to(device);
        weights = new Parameter(table, requires_grad: false);
        RegisterComponents();
    }

    public long EmbeddingDim { get; }

    /// <summary>The current table, <c>(rows, D)</c>.</summary>
    public Tensor Weights => weights;

    /// <summary>
    /// The table as the reference computes it, float32: <c>cat[cos, sin]</c> along the feature axis, a zero column
    /// appended when <paramref name="embeddingDim"/> is odd.
    /// </summary>
    public static Tensor BuildTable(long numPositions, long embeddingDim)
    {
        using var scope = NewDisposeScope();
        var half = embeddingDim / 2;
        // The Python double step multiplies a float32 tensor: the step is rounded to float32, the product is float32.
        var step = (float)(Math.Log(10000.0) / (half - 1));
        var freq = exp(arange(half, dtype: ScalarType.Int64).to_type(ScalarType.Float32) * (-step));
        var angles = arange(numPositions, dtype: ScalarType.Int64).to_type(ScalarType.Float32).unsqueeze(1) * freq.unsqueeze(0);
        var table = cat([cos(angles), sin(angles)], 1);
        if (embeddingDim % 2 == 1) table = cat([table, zeros(numPositions, 1)], 1);
        return table.MoveToOuterDisposeScope();
    }

    /// <summary>Rows <c>past..past+S−1</c> where <c>S = inputsEmbeds.shape[1]</c> (<c>inputsEmbeds</c> is <c>(B, S, D)</c>).</summary>
    public override Tensor forward(Tensor inputsEmbeds, long pastKeyValuesLength) => Positions(inputsEmbeds.shape[1], pastKeyValuesLength);

    /// <summary>Rows <c>past..past+seqLen−1</c>, <c>(seqLen, D)</c>, extending the table first when <c>seqLen</c> exceeds it.</summary>
    public Tensor Positions(long seqLen, long pastKeyValuesLength = 0)
    {
        if (seqLen > weights.shape[0])
        {
            using var scope = NewDisposeScope();
            var table = BuildTable(seqLen + Offset, EmbeddingDim).to(weights.dtype, weights.device);
            using (no_grad()) weights.set_(table);
        }
        using var ids = arange(pastKeyValuesLength, pastKeyValuesLength + seqLen, dtype: ScalarType.Int64, device: weights.device);
        return weights.index_select(0, ids).detach();
    }
}
