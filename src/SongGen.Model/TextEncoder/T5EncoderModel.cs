using TorchSharp;
using TorchSharp.Modules;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using static TorchSharp.torch;

namespace SongGen.Model.TextEncoder;

/// <summary>
/// The T5 encoder stack: <c>embed_tokens</c> (the model's <c>shared</c> embedding), <c>block</c>,
/// <c>final_layer_norm</c>, <c>dropout</c>. Only block 0 holds <c>relative_attention_bias</c>; its bias (plus the
/// padding mask) is reused by all blocks.
/// </summary>
public sealed class T5Stack : nn.Module
{
#pragma warning disable IDE1006 // state_dict names
    private readonly Embedding embed_tokens;
    private readonly ModuleList<T5Block> block;
    private readonly T5LayerNorm final_layer_norm;
    private readonly Dropout dropout;
#pragma warning restore IDE1006

    public T5Stack(TextEncoderConfig config, Embedding embedTokens, Device? device = null) : base(nameof(T5Stack))
    {
        embed_tokens = embedTokens;
        block = new ModuleList<T5Block>();
        for (var i = 0; i < config.NumLayers; i++)
            block.Add(new T5Block(config, hasRelativeAttentionBias: i == 0, device));
        final_layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon, device);
        dropout = nn.Dropout(config.DropoutRate);
        RegisterComponents();
    }

    public Embedding EmbedTokens => embed_tokens;
    public IReadOnlyList<T5Block> Blocks => block.ToList();

    /// <summary>The extended additive mask (B, 1, 1, S): 0 on real tokens, <c>finfo(dtype).min</c> on padding.</summary>
    public static Tensor ExtendedAttentionMask(Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        long b = attentionMask.shape[0], s = attentionMask.shape[1];
        var inverted = 1.0 - attentionMask.view(b, 1, 1, s).to(dtype);
        return (inverted * DecoderMasks.MinValue(dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>The last hidden state (B, S, D) for <paramref name="inputIds"/> (B, S); mask 1 = real token, null = all real.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        var embeds = embed_tokens.forward(inputIds);
        attentionMask ??= ones(inputIds.shape[0], inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device);
        var mask = ExtendedAttentionMask(attentionMask, embeds.dtype);
        var h = dropout.forward(embeds);
        Tensor? bias = null;
        foreach (var b in block)
            (h, bias) = b.Forward(h, mask, bias);
        h = dropout.forward(final_layer_norm.forward(h));
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' <c>T5EncoderModel</c> (SongGen's <c>text_encoder</c>, flan-T5-large): <c>shared</c> token embedding and
/// <c>encoder</c> (<see cref="T5Stack"/>), whose <c>embed_tokens</c> is the very same module. Its state dict therefore
/// lists the embedding twice (<c>shared.weight</c> and <c>encoder.embed_tokens.weight</c>, one tensor); checkpoints keep
/// only <c>shared.weight</c> (<see cref="CheckpointStateDict"/>), and <c>StateDictLoader</c> fills the other name from it.
/// </summary>
public sealed class T5EncoderModel : nn.Module
{
    /// <summary>The tied key that checkpoints drop (relative to this module).</summary>
    public const string TiedEmbedTokensKey = "encoder.embed_tokens.weight";

#pragma warning disable IDE1006 // state_dict names
    private readonly Embedding shared;
    private readonly T5Stack encoder;
#pragma warning restore IDE1006

    /// <param name="device">Where to create the parameters; <c>meta</c> gives shapes without memory.</param>
    public T5EncoderModel(TextEncoderConfig config, Device? device = null) : base(nameof(T5EncoderModel))
    {
        Config = config.Clone();
        shared = nn.Embedding(config.VocabSize, config.DModel, device: device);
        encoder = new T5Stack(config, shared, device);
        RegisterComponents();
    }

    public TextEncoderConfig Config { get; }
    public Embedding Shared => shared;
    public T5Stack Encoder => encoder;

    /// <summary>The last hidden state (B, S, d_model); <paramref name="attentionMask"/> (B, S) is 1 on real tokens.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null) => encoder.Forward(inputIds, attentionMask);

    /// <summary>The state dict as checkpoints hold it: without <see cref="TiedEmbedTokensKey"/>.</summary>
    public Dictionary<string, Tensor> CheckpointStateDict() =>
        state_dict().Where(p => p.Key != TiedEmbedTokensKey).ToDictionary(p => p.Key, p => p.Value);
}
