using SongGen.Checkpoints.Devices;
using SongGen.Checkpoints.Safetensors;
using static TorchSharp.torch;

namespace SongGen.Model.Persistence;

/// <summary>How <see cref="SongGenPretrained.Save"/> writes a model folder.</summary>
public sealed record SongGenSaveOptions
{
    /// <summary>Largest shard in bytes. Default 5 GB (<c>save_pretrained</c>'s <c>max_shard_size="5GB"</c>); a tensor
    /// larger than the limit gets a shard of its own.</summary>
    public long MaxShardBytes { get; init; } = ShardedCheckpoint.DefaultMaxShardBytes;

    /// <summary>A folder whose tokenizer files (<see cref="SongGenPretrained.TokenizerFileNames"/>) are copied beside the
    /// weights. Null (default): none are copied.</summary>
    public string? TokenizerSource { get; init; }
}

/// <summary>How <see cref="SongGenPretrained.Load"/> builds the model.</summary>
public sealed record SongGenLoadOptions
{
    /// <summary>The weights' dtype after loading: float32 (default, as <c>from_pretrained</c> without
    /// <c>torch_dtype</c>) or bfloat16 (float16 also works). Stored tensors of another dtype are cast.</summary>
    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    /// <summary>Where the weights go. Null (default): the CPU.</summary>
    public ComputeDevice? Device { get; init; }

    /// <summary>Fail when a key of the model is missing, or the checkpoint has a key the model does not hold (the audio
    /// part's keys excepted), or a shape differs. Default true. False loads what fits and reports the rest.</summary>
    public bool Strict { get; init; } = true;
}
