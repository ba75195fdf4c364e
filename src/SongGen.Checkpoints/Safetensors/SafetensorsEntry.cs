using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>One tensor listed in a safetensors header. Offsets are relative to the start of the data section.</summary>
public sealed record SafetensorsEntry(string Name, torch.ScalarType Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>Number of bytes the tensor occupies in the file.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Number of elements (1 for a scalar, 0 for a zero-length tensor).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var dim in Shape)
            {
                count *= dim;
            }
            return count;
        }
    }
}
