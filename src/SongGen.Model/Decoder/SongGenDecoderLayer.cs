using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SongGen.Model.Decoder;

/// <summary>Cached keys/values of one decoder layer: self-attention (grows by S each step) and cross-attention (the projected memory).</summary>
public sealed record LayerKeyValues((Tensor Key, Tensor Value) Self, (Tensor Key, Tensor Value) Cross);

/// <summary>Output of one <see cref="SongGenDecoderLayer"/> call, with the attention sub-block outputs (before their residual adds).</summary>
/// <remarks><see cref="Dispose"/> releases the activations only; the caller owns <see cref="Present"/> (a reused
/// cross-attention cache is the very pair that was passed in).</remarks>
public sealed record DecoderLayerOutput(Tensor HiddenStates, Tensor SelfAttentionOutput, Tensor? CrossAttentionOutput, LayerKeyValues? Present) : IDisposable
{
    public void Dispose()
    {
        HiddenStates.Dispose();
        SelfAttentionOutput.Dispose();
        CrossAttentionOutput?.Dispose();
    }
}

/// <summary>
/// One SongGen decoder layer, pre-LN:
/// <c>h += Dropout(self_attn(self_attn_layer_norm(h)))</c> (causal),
/// <c>h += Dropout(encoder_attn(encoder_attn_layer_norm(h), memory))</c>,
/// <c>h += Dropout(fc2(Dropout(GELU(fc1(final_layer_norm(h))))))</c>. All projections are bias-free.
/// </summary>
public sealed class SongGenDecoderLayer : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly SongGenAttention self_attn;
    private readonly Dropout dropout;
    private readonly Dropout activation_dropout;
    private readonly nn.Module<Tensor, Tensor> activation_fn;
    private readonly LayerNorm self_attn_layer_norm;
    private readonly SongGenAttention encoder_attn;
    private readonly LayerNorm encoder_attn_layer_norm;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly LayerNorm final_layer_norm;
#pragma warning restore IDE1006

    public SongGenDecoderLayer(SongGenDecoderLayerOptions options, Device? device = null) : base(nameof(SongGenDecoderLayer))
    {
        Options = options;
        self_attn = new SongGenAttention(options.HiddenSize, options.NumAttentionHeads, options.NumKeyValueHeads, isCausal: true, options.AttentionDropout, device);
        dropout = nn.Dropout(options.Dropout);
        activation_dropout = nn.Dropout(options.ActivationDropout);
        activation_fn = options.ActivationFunction switch
        {
            "gelu" => nn.GELU(),
            "relu" => nn.ReLU(),
            "silu" or "swish" => nn.SiLU(),
            var other => throw new NotSupportedException($"activation_function {other}"),
        };
        self_attn_layer_norm = nn.LayerNorm(options.HiddenSize, options.LayerNormEps, device: device);
        encoder_attn = new SongGenAttention(options.HiddenSize, options.NumAttentionHeads, options.NumCrossAttentionKeyValueHeads, isCausal: false, options.AttentionDropout, device);
        encoder_attn_layer_norm = nn.LayerNorm(options.HiddenSize, options.LayerNormEps, device: device);
        fc1 = nn.Linear(options.HiddenSize, options.FfnDim, hasBias: false, device: device);
        fc2 = nn.Linear(options.FfnDim, options.HiddenSize, hasBias: false, device: device);
        final_layer_norm = nn.LayerNorm(options.HiddenSize, options.LayerNormEps, device: device);
        RegisterComponents();
    }

    public SongGenDecoderLayerOptions Options { get; }

    /// <summary>
    /// The reference call <c>layer(hidden_states, attention_mask, encoder_hidden_states, encoder_attention_mask)</c>.
    /// </summary>
    /// <param name="hiddenStates">(B, S, E).</param>
    /// <param name="attentionMask">Additive self-attention mask (B, 1, S, ≥P+S), sliced to the key length; null = causal.</param>
    /// <param name="encoderHiddenStates">(B, M, E) cross-attention memory; null skips the cross-attention block.</param>
    /// <param name="encoderAttentionMask">Additive memory mask (B, 1, S, M) (see <see cref="DecoderMasks.ExpandPadding"/>); null = attend everything.</param>
    /// <param name="pastKeyValues">Optional cache of a previous call; the present one is returned when <paramref name="useCache"/>.</param>
    public DecoderLayerOutput Forward(
        Tensor hiddenStates,
        Tensor? attentionMask = null,
        Tensor? encoderHiddenStates = null,
        Tensor? encoderAttentionMask = null,
        LayerKeyValues? pastKeyValues = null,
        bool useCache = false)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates;

        var (selfOut, selfPresent) = self_attn.Forward(self_attn_layer_norm.forward(h), null, attentionMask, pastKeyValues?.Self);
        h = h + dropout.forward(selfOut);

        Tensor? crossOut = null;
        (Tensor Key, Tensor Value) crossPresent = default;
        if (encoderHiddenStates is not null)
        {
            (crossOut, crossPresent) = encoder_attn.Forward(encoder_attn_layer_norm.forward(h), encoderHiddenStates, encoderAttentionMask, pastKeyValues?.Cross);
            h = h + dropout.forward(crossOut);
        }

        var ff = fc2.forward(activation_dropout.forward(activation_fn.forward(fc1.forward(final_layer_norm.forward(h)))));
        h = h + dropout.forward(ff);

        LayerKeyValues? present = null;
        if (useCache)
        {
            if (encoderHiddenStates is null) throw new InvalidOperationException("the cache needs the cross-attention memory");
            var cross = pastKeyValues is { } past && ReferenceEquals(past.Cross.Key, crossPresent.Key)
                ? crossPresent
                : (crossPresent.Key!.MoveToOuterDisposeScope(), crossPresent.Value!.MoveToOuterDisposeScope());
            present = new LayerKeyValues((selfPresent.Key!.MoveToOuterDisposeScope(), selfPresent.Value.MoveToOuterDisposeScope()), cross);
        }
        return new DecoderLayerOutput(h.MoveToOuterDisposeScope(), selfOut.MoveToOuterDisposeScope(), crossOut?.MoveToOuterDisposeScope(), present);
    }
}
