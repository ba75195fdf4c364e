using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Lyrics;

/// <summary>
/// One Conformer block as SongGen configures it (pre-LN, no macaron, no convolution module):
/// <c>x += Dropout(MHA(norm_mha(x)))</c>, then <c>x += 1.0·Dropout(FFN(norm_ff(x)))</c>.
/// </summary>
public sealed class ConformerEncoderLayer : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly RelPositionMultiHeadedAttention self_attn;
    private readonly PositionwiseFeedForward feed_forward;
    private readonly LayerNorm norm_ff;
    private readonly LayerNorm norm_mha;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public ConformerEncoderLayer(ConformerEncoderOptions options, Device? device = null) : base(nameof(ConformerEncoderLayer))
    {
        self_attn = new RelPositionMultiHeadedAttention(options.AttentionHeads, options.OutputSize, options.AttentionDropoutRate, device: device);
        feed_forward = new PositionwiseFeedForward(options.OutputSize, options.LinearUnits, options.DropoutRate, device);
        norm_ff = nn.LayerNorm(options.OutputSize, options.LayerNormEps, device: device);
        norm_mha = nn.LayerNorm(options.OutputSize, options.LayerNormEps, device: device);
        dropout = nn.Dropout(options.DropoutRate);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor mask, Tensor posEmb)
    {
        using var scope = NewDisposeScope();
        x = x + dropout.forward(self_attn.Forward(norm_mha.forward(x), mask, posEmb));
        x = x + dropout.forward(feed_forward.forward(norm_ff.forward(x)));
        return x.MoveToOuterDisposeScope();
    }
}
