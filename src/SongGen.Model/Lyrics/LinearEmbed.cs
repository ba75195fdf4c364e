using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Lyrics;

/// <summary>The Conformer input layer without subsampling: <c>out = Sequential(Linear, LayerNorm(eps 1e-5), Dropout)</c>.</summary>
public sealed class LinearEmbed : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Sequential @out;
#pragma warning restore IDE1006

    public LinearEmbed(long inputSize, long outputSize, double dropoutRate, double eps = 1e-5, Device? device = null) : base(nameof(LinearEmbed))
    {
        @out = nn.Sequential(nn.Linear(inputSize, outputSize, device: device), nn.LayerNorm(outputSize, eps, device: device), nn.Dropout(dropoutRate));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => @out.forward(x);
}
