using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Support;

/// <summary>A small module with the names fixtures/make_fixtures.py writes: proj, norm, embed and an int64 buffer.</summary>
internal sealed class TinyNet : nn.Module
{
#pragma warning disable IDE1006 // names as in the state dict
    private readonly Linear proj;
    private readonly LayerNorm norm;
    private readonly Embedding embed;
#pragma warning restore IDE1006

    public TinyNet() : base(nameof(TinyNet))
    {
        proj = nn.Linear(4, 3);
        norm = nn.LayerNorm(3);
        embed = nn.Embedding(5, 3);
        RegisterComponents();
        register_buffer("steps", zeros(2, dtype: ScalarType.Int64));
    }

    /// <summary>The values make_fixtures.py writes, as the state dict it saves.</summary>
    public static Dictionary<string, Tensor> ExpectedState() => new()
    {
        ["proj.weight"] = Ramp(12, 0.125).reshape(3, 4),
        ["proj.bias"] = Ramp(3, 0.5),
        ["norm.weight"] = Ramp(3, 0.25) + 2,
        ["norm.bias"] = Ramp(3, -0.75),
        ["embed.weight"] = Ramp(15, 1.0 / 3).reshape(5, 3),
        ["steps"] = tensor(new long[] { 7, -3 }),
    };

    private static Tensor Ramp(long n, double scale) => (arange(n, ScalarType.Float64) * scale - 1.0).to_type(ScalarType.Float32);

    /// <summary>Fills every parameter with distinct values, so a load that changes nothing is noticed.</summary>
    public void Scramble(double seed)
    {
        using var _ = no_grad();
        foreach (var (_, value) in state_dict())
        {
            value.copy_((arange(value.numel(), ScalarType.Float64) * 0.01 + seed).reshape(value.shape));
        }
    }
}
