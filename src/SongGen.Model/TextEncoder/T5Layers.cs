using TorchSharp;
using TorchSharp.Modules;
using SongGen.Model.Config;
using static TorchSharp.torch;

namespace SongGen.Model.TextEncoder;

/// <summary><c>x + Dropout(SelfAttention(layer_norm(x)))</c>.</summary>
public sealed class T5LayerSelfAttention : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly T5Attention SelfAttention;
    private readonly T5LayerNorm layer_norm;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public T5LayerSelfAttention(TextEncoderConfig config, bool hasRelativeAttentionBias, Device? device = null) : base(nameof(T5LayerSelfAttention))
    {
        SelfAttention = new T5Attention(config, hasRelativeAttentionBias, device);
        layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon, device);
        dropout = nn.Dropout(config.DropoutRate);
        RegisterComponents();
    }

    public T5Attention Attention => SelfAttention;

    public (Tensor Output, Tensor PositionBias) Forward(Tensor hiddenStates, Tensor? mask, Tensor? positionBias)
    {
        using var scope = NewDisposeScope();
        var (attn, bias) = SelfAttention.Forward(layer_norm.forward(hiddenStates), mask, positionBias);
        var output = hiddenStates + dropout.forward(attn);
        return (output.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// The feed-forward: <c>wo(Dropout(act(wi(x))))</c>, or gated <c>wo(Dropout(act(wi_0(x)) · wi_1(x)))</c> when
/// <c>feed_forward_proj</c> is <c>gated-*</c> (flan-T5: <c>gelu_new</c>, the tanh GELU).
/// </summary>
public sealed class T5DenseActDense : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Linear? wi;
    private readonly Linear? wi_0;
    private readonly Linear? wi_1;
    private readonly Linear wo;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public T5DenseActDense(TextEncoderConfig config, Device? device = null) : base(nameof(T5DenseActDense))
    {
        IsGated = config.IsGatedAct;
        ActFn = config.DenseActFn;
        _ = Activation(ActFn, zeros(1)); // fail early on an unknown activation
        if (IsGated)
        {
            wi_0 = nn.Linear(config.DModel, config.DFf, hasBias: false, device: device);
            wi_1 = nn.Linear(config.DModel, config.DFf, hasBias: false, device: device);
        }
        else
        {
            wi = nn.Linear(config.DModel, config.DFf, hasBias: false, device: device);
        }
        wo = nn.Linear(config.DFf, config.DModel, hasBias: false, device: device);
        dropout = nn.Dropout(config.DropoutRate);
        RegisterComponents();
    }

    public bool IsGated { get; }
    /// <summary>transformers' <c>ACT2FN</c> name: <c>relu</c>, <c>gelu</c> (erf), <c>gelu_new</c> (tanh), <c>silu</c>.</summary>
    public string ActFn { get; }

    /// <summary>The named activation.</summary>
    public static Tensor Activation(string name, Tensor x) => name switch
    {
        "relu" => nn.functional.relu(x),
        "gelu" => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => GeluTanh(x),
        "silu" or "swish" => nn.functional.silu(x),
        _ => throw new NotSupportedException($"activation '{name}' is not supported"),
    };

    /// <summary><c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c>.</summary>
    public static Tensor GeluTanh(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = (x + 0.044715 * x.pow(3)) * Math.Sqrt(2.0 / Math.PI);
        return (0.5 * x * (1.0 + inner.tanh())).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        Tensor h = IsGated
            ? Activation(ActFn, wi_0!.forward(hiddenStates)) * wi_1!.forward(hiddenStates)
            : Activation(ActFn, wi!.forward(hiddenStates));
        h = dropout.forward(h);
        if (h.dtype != wo.weight!.dtype && wo.weight.dtype != ScalarType.Int8)
            h = h.to(wo.weight.dtype);
        return wo.forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary><c>x + Dropout(DenseReluDense(layer_norm(x)))</c>.</summary>
public sealed class T5LayerFF : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // state_dict names
    private readonly T5DenseActDense DenseReluDense;
    private readonly T5LayerNorm layer_norm;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public T5LayerFF(TextEncoderConfig config, Device? device = null) : base(nameof(T5LayerFF))
    {
        DenseReluDense = new T5DenseActDense(config, device);
        layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon, device);
        dropout = nn.Dropout(config.DropoutRate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var output = hiddenStates + dropout.forward(DenseReluDense.forward(layer_norm.forward(hiddenStates)));
        return output.MoveToOuterDisposeScope();
    }
}

/// <summary>One encoder block: <c>layer</c> = [<see cref="T5LayerSelfAttention"/>, <see cref="T5LayerFF"/>].</summary>
public sealed class T5Block : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly ModuleList<nn.Module> layer;
#pragma warning restore IDE1006

    public T5Block(TextEncoderConfig config, bool hasRelativeAttentionBias, Device? device = null) : base(nameof(T5Block))
    {
        layer = new ModuleList<nn.Module>(new T5LayerSelfAttention(config, hasRelativeAttentionBias, device), new T5LayerFF(config, device));
        RegisterComponents();
    }

    public T5LayerSelfAttention SelfAttentionLayer => (T5LayerSelfAttention)layer[0];
    public T5LayerFF FeedForwardLayer => (T5LayerFF)layer[1];

    public (Tensor Output, Tensor PositionBias) Forward(Tensor hiddenStates, Tensor? mask, Tensor? positionBias)
    {
        using var scope = NewDisposeScope();
        var (h, bias) = SelfAttentionLayer.Forward(hiddenStates, mask, positionBias);
        h = ClampHalf(h);
        h = ClampHalf(FeedForwardLayer.forward(h));
        return (h.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope());
    }

    // As the reference: in fp16 only, clamp to ±finfo.max, or to ±(finfo.max − 1000) when an inf appeared.
    private static Tensor ClampHalf(Tensor h)
    {
        if (h.dtype != ScalarType.Float16) return h;
        var limit = h.isinf().any().item<bool>() ? 65504.0 - 1000.0 : 65504.0;
        return h.clamp(-limit, limit);
    }
}
