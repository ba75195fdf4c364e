using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Lyrics;

/// <summary><c>w_2(Dropout(SiLU(w_1(x))))</c>.</summary>
public sealed class PositionwiseFeedForward : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Linear w_1;
    private readonly Linear w_2;
    private readonly Dropout dropout;
    private readonly SiLU activation;
#pragma warning restore IDE1006

    public PositionwiseFeedForward(long size, long hidden, double dropoutRate, Device? device = null) : base(nameof(PositionwiseFeedForward))
    {
        w_1 = nn.Linear(size, hidden, device: device);
        w_2 = nn.Linear(hidden, size, device: device);
        dropout = nn.Dropout(dropoutRate);
        activation = nn.SiLU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return w_2.forward(dropout.forward(activation.forward(w_1.forward(x)))).MoveToOuterDisposeScope();
    }
}
