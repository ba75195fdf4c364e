using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.TextEncoder;

/// <summary>
/// T5's RMS norm: <c>weight · x / √(mean(x²) + eps)</c>, no mean subtraction and no bias; the variance is taken in fp32
/// and the normalized value is cast back to the weight's dtype when that is half precision.
/// </summary>
public sealed class T5LayerNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public T5LayerNorm(long hiddenSize, double eps = 1e-6, Device? device = null) : base(nameof(T5LayerNorm))
    {
        Eps = eps;
        weight = new Parameter(ones(hiddenSize, device: device));
        RegisterComponents();
    }

    public double Eps { get; }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var variance = hiddenStates.to(ScalarType.Float32).pow(2).mean([-1L], keepdim: true);
        var normed = hiddenStates * rsqrt(variance + Eps);
        if (weight.dtype is ScalarType.Float16 or ScalarType.BFloat16)
            normed = normed.to(weight.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }
}
