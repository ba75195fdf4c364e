using TorchSharp;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.TextEncoder;
using static TorchSharp.torch;

namespace SongGen.Model.Persistence;

/// <summary>
/// Everything a SongGen model folder holds besides the audio networks: the configs, the composite
/// (<c>decoder.*</c>, lyrics path, projections) and the T5 description encoder (<c>text_encoder.*</c>). Their
/// <see cref="CheckpointStateDict"/> is the released checkpoint's key set without <c>mert_model.*</c> and
/// <c>audio_encoder.*</c>. Owns both modules.
/// </summary>
public sealed class SongGenPretrainedModel : IDisposable
{
    /// <summary>The prefix of the text encoder's tensors in a checkpoint.</summary>
    public const string TextEncoderPrefix = SongGenModelShapes.TextEncoderPrefix;

    /// <summary>Builds the modules <paramref name="config"/> describes, with their default (random) initialisation.</summary>
    /// <param name="device">Where to create the parameters (null: the CPU).</param>
    public SongGenPretrainedModel(SongGenConfig config, GenerationConfig generationConfig, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(generationConfig);
        Config = config.Clone();
        GenerationConfig = generationConfig.Clone();
        Model = new SongGenMixedForConditionalGeneration(SongGenMixedOptions.FromConfig(Config), device);
        try
        {
            TextEncoder = new T5EncoderModel(Config.TextEncoder, device);
        }
        catch
        {
            Model.Dispose();
            throw;
        }
    }

    public SongGenConfig Config { get; }

    public GenerationConfig GenerationConfig { get; }

    /// <summary>The composite: decoder, lyrics path and projections.</summary>
    public SongGenMixedForConditionalGeneration Model { get; }

    /// <summary>The description encoder (flan-T5's encoder).</summary>
    public T5EncoderModel TextEncoder { get; }

    /// <summary>The dtype of the decoder's weights.</summary>
    public ScalarType Dtype => Model.parameters().First().dtype;

    /// <summary>Where the weights are.</summary>
    public Device Device => Model.parameters().First().device;

    /// <summary>
    /// The tensors a checkpoint holds, in module order: the composite's state dict, then the text encoder's under
    /// <c>text_encoder.</c> without the tied <c>encoder.embed_tokens.weight</c> (transformers drops it on save).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> CheckpointStateDict()
    {
        var list = new List<KeyValuePair<string, Tensor>>(Model.state_dict());
        foreach (var (name, tensor) in TextEncoder.CheckpointStateDict())
            list.Add(new(TextEncoderPrefix + name, tensor));
        return list;
    }

    /// <summary>Moves both modules to <paramref name="device"/> and, when given, casts their weights to <paramref name="dtype"/>.</summary>
    public void To(Device device, ScalarType? dtype = null)
    {
        if (dtype is { } type)
        {
            // One conversion per tensor: a CPU-to-GPU move casts on the CPU first, so float32 weights never take GPU memory.
            Model.to(device, type);
            TextEncoder.to(device, type);
        }
        else
        {
            Model.to(device);
            TextEncoder.to(device);
        }
    }

    /// <summary>Sets both modules to evaluation mode (dropout off) and returns this model.</summary>
    public SongGenPretrainedModel Eval()
    {
        Model.eval();
        TextEncoder.eval();
        return this;
    }

    public void Dispose()
    {
        Model.Dispose();
        TextEncoder.Dispose();
    }
}
