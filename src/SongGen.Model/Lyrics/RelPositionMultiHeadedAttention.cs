using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Lyrics;

/// <summary>
/// Transformer-XL style multi-head self-attention with relative positions (espnet/WeNet "rel_pos"):
/// <c>scores = ((q+u)·kᵀ + rel_shift((q+v)·pᵀ)) / √d_k</c> with <c>p = linear_pos(pos_emb)</c>; masked keys get −∞
/// before the softmax and exactly 0 after it. Parameter names as in the checkpoint.
/// </summary>
public sealed class RelPositionMultiHeadedAttention : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Linear linear_q;
    private readonly Linear linear_k;
    private readonly Linear linear_v;
    private readonly Linear linear_out;
    private readonly Linear linear_pos;
    private readonly Parameter pos_bias_u;
    private readonly Parameter pos_bias_v;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public RelPositionMultiHeadedAttention(long heads, long size, double dropoutRate, bool keyBias = true, Device? device = null) : base(nameof(RelPositionMultiHeadedAttention))
    {
        if (size % heads != 0) throw new ArgumentException("size must be a multiple of heads");
        Heads = heads;
        HeadDim = size / heads;
        linear_q = nn.Linear(size, size, device: device);
        linear_k = nn.Linear(size, size, hasBias: keyBias, device: device);
        linear_v = nn.Linear(size, size, device: device);
        linear_out = nn.Linear(size, size, device: device);
        linear_pos = nn.Linear(size, size, hasBias: false, device: device);
        pos_bias_u = new Parameter(empty(heads, HeadDim, device: device));
        pos_bias_v = new Parameter(empty(heads, HeadDim, device: device));
        using (no_grad())
        {
            nn.init.xavier_uniform_(pos_bias_u);
            nn.init.xavier_uniform_(pos_bias_v);
        }
        dropout = nn.Dropout(dropoutRate);
        RegisterComponents();
    }

    public long Heads { get; }
    public long HeadDim { get; }

    /// <param name="x">(B, T, size), used as query, key and value.</param>
    /// <param name="mask">(B, 1, T) bool, true on real keys (or (B, T, T)).</param>
    /// <param name="posEmb">(1, 2T−1, size), rows r = T−1 … −(T−1).</param>
    public Tensor Forward(Tensor x, Tensor mask, Tensor posEmb)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = linear_q.forward(x).view(b, t, Heads, HeadDim);                        // (B,T,H,dk)
        var k = linear_k.forward(x).view(b, t, Heads, HeadDim).transpose(1, 2);        // (B,H,T,dk)
        var v = linear_v.forward(x).view(b, t, Heads, HeadDim).transpose(1, 2);
        var p = linear_pos.forward(posEmb).view(posEmb.shape[0], -1, Heads, HeadDim).transpose(1, 2); // (1,H,2T−1,dk)

        var qu = (q + pos_bias_u).transpose(1, 2);                                      // (B,H,T,dk)
        var qv = (q + pos_bias_v).transpose(1, 2);
        var ac = matmul(qu, k.transpose(-2, -1));                                       // (B,H,T,T)
        var bd = RelShift(matmul(qv, p.transpose(-2, -1)), t);                          // (B,H,T,T)
        var scores = (ac + bd) / Math.Sqrt(HeadDim);

        var blocked = mask.unsqueeze(1).eq(false);                                      // (B,1,1|T,T)
        scores = scores.masked_fill(blocked, float.NegativeInfinity);
        var attn = softmax(scores, -1).masked_fill(blocked, 0f);
        var context = matmul(dropout.forward(attn), v).transpose(1, 2).contiguous().view(b, t, Heads * HeadDim);
        return linear_out.forward(context).MoveToOuterDisposeScope();
    }

    /// <summary><c>out[..., i, j] = bd[..., i, (T−1) − i + j]</c>: the column for relative distance i − j.</summary>
    internal static Tensor RelShift(Tensor bd, long t)
    {
        using var scope = NewDisposeScope();
        var i = arange(t, dtype: ScalarType.Int64, device: bd.device).unsqueeze(1);
        var j = arange(t, dtype: ScalarType.Int64, device: bd.device).unsqueeze(0);
        var index = (t - 1 - i + j).expand(bd.shape[0], bd.shape[1], t, t);
        return bd.gather(-1, index).MoveToOuterDisposeScope();
    }
}
