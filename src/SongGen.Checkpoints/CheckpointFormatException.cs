namespace SongGen.Checkpoints;

/// <summary>
/// A checkpoint file that cannot be read as what it claims to be: a malformed or hostile safetensors header,
/// a broken shard index, a legacy (non-zip) PyTorch pickle. The message names the file and the fault.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string path, string fault, Exception? inner = null)
        : base($"{path}: {fault}", inner)
    {
        FilePath = path;
        Fault = fault;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Fault { get; }
}
