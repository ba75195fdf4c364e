using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>The safetensors dtype names that TorchSharp can hold, and their element sizes.</summary>
public static class SafetensorsDtype
{
    private static readonly (string Name, torch.ScalarType Type, int Size)[] Table =
    [
        ("F64", torch.ScalarType.Float64, 8),
        ("F32", torch.ScalarType.Float32, 4),
        ("F16", torch.ScalarType.Float16, 2),
        ("BF16", torch.ScalarType.BFloat16, 2),
        ("I64", torch.ScalarType.Int64, 8),
        ("I32", torch.ScalarType.Int32, 4),
        ("I16", torch.ScalarType.Int16, 2),
        ("I8", torch.ScalarType.Int8, 1),
        ("U8", torch.ScalarType.Byte, 1),
        ("BOOL", torch.ScalarType.Bool, 1),
    ];

    /// <summary>The scalar type for a safetensors dtype name; false for names this reader does not hold.</summary>
    public static bool TryParse(string name, out torch.ScalarType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == name)
            {
                type = entry.Type;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>The safetensors dtype name for a scalar type.</summary>
    /// <exception cref="NotSupportedException">The type has no safetensors name this writer supports.</exception>
    public static string NameOf(torch.ScalarType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Type == type)
            {
                return entry.Name;
            }
        }
        throw new NotSupportedException($"Tensors of type {type} cannot be written to safetensors.");
    }

    /// <summary>Bytes per element of a supported scalar type.</summary>
    public static int SizeOf(torch.ScalarType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Type == type)
            {
                return entry.Size;
            }
        }
        throw new NotSupportedException($"Tensors of type {type} are not supported.");
    }
}
