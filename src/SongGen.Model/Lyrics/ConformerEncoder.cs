using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Lyrics;

/// <summary>What <see cref="ConformerEncoder.Run"/> returns, with the intermediates the reference fixtures check.</summary>
public sealed record ConformerEncoderOutput(Tensor Xs, Tensor Masks, Tensor EmbedX, Tensor PosEmb, IReadOnlyList<Tensor> LayerOutputs) : IDisposable
{
    public void Dispose()
    {
        Xs.Dispose();
        Masks.Dispose();
        EmbedX.Dispose();
        PosEmb.Dispose();
        foreach (var t in LayerOutputs) t.Dispose();
    }
}

/// <summary>
/// The lyrics ("prompt") Conformer encoder (<c>lyrics_encoder.*</c> in the checkpoint): Linear → LayerNorm → Dropout,
/// ×√d, relative positional table (not saved), N pre-LN blocks of rel-pos self-attention + SiLU FFN, final LayerNorm.
/// Attention is full and bidirectional over the real tokens (no chunking in SongGen); padded query rows are computed,
/// not zeroed.
/// </summary>
public sealed class ConformerEncoder : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict names
    private readonly LinearEmbed embed;
    private readonly ModuleList<ConformerEncoderLayer> encoders;
    private readonly LayerNorm after_norm;
    private readonly Dropout pos_dropout;
#pragma warning restore IDE1006

    public ConformerEncoder(ConformerEncoderOptions? options = null, Device? device = null) : base(nameof(ConformerEncoder))
    {
        Options = options ?? new ConformerEncoderOptions();
        embed = new LinearEmbed(Options.InputSize, Options.OutputSize, Options.DropoutRate, Options.LayerNormEps, device);
        encoders = new ModuleList<ConformerEncoderLayer>();
        for (var i = 0; i < Options.NumBlocks; i++) encoders.Add(new ConformerEncoderLayer(Options, device));
        after_norm = nn.LayerNorm(Options.OutputSize, Options.LayerNormEps, device: device);
        pos_dropout = nn.Dropout(Options.PositionalDropoutRate);
        RegisterComponents();
    }

    public ConformerEncoderOptions Options { get; }

    /// <summary>Encoded sequence <c>(B, T, output_size)</c> of <paramref name="xs"/> <c>(B, T, input_size)</c>; <paramref name="padMask"/> <c>(B, T)</c> is nonzero on real tokens.</summary>
    public override Tensor forward(Tensor xs, Tensor padMask)
    {
        using var result = Run(xs, padMask, keepIntermediates: false);
        return result.Xs.alias();
    }

    /// <summary>
    /// The full forward as SongGen calls it (<c>forward(xs, pad_mask, decoding_chunk_size=1, num_decoding_left_chunks=-1)</c>,
    /// the chunk arguments having no effect): returns the output, the mask <c>(B,1,T)</c> bool, and — when
    /// <paramref name="keepIntermediates"/> — the scaled embedding, the relative table slice and each block's output.
    /// </summary>
    public ConformerEncoderOutput Run(Tensor xs, Tensor padMask, bool keepIntermediates = true)
    {
        using var scope = NewDisposeScope();
        var t = xs.shape[1];
        var masks = padMask.to_type(ScalarType.Bool).unsqueeze(1);                          // (B,1,T)
        var x = embed.forward(xs) * Math.Sqrt(Options.OutputSize);
        var posEmb = RelativePositionalEncoding.Table(t, Options.OutputSize, Options.PositionalEncodingMaxLength, xs.device).to_type(x.dtype);
        var embedX = x;
        x = pos_dropout.forward(x);
        posEmb = pos_dropout.forward(posEmb);
        var layers = new List<Tensor>();
        foreach (var layer in encoders)
        {
            x = layer.Forward(x, masks, posEmb);
            if (keepIntermediates) layers.Add(x.MoveToOuterDisposeScope());
        }
        x = after_norm.forward(x);
        return new ConformerEncoderOutput(x.MoveToOuterDisposeScope(), masks.MoveToOuterDisposeScope(),
            embedX.MoveToOuterDisposeScope(), posEmb.MoveToOuterDisposeScope(), layers);
    }
}
