using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>
/// Writes safetensors files as the reference writer lays them out: tensors ordered by element size (largest
/// first) then name, header JSON padded with spaces to a multiple of 8. Tensor bytes are streamed to disk one
/// tensor at a time; the file is written beside its destination and moved into place when complete.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// The most bytes handed to one write call. Large writes make the kernel cache the file in large folios, whose
    /// allocation was up to 5x slower than small pages on this project's VMs (1 GiB: 16 MiB writes 5-7 s, 256 KiB
    /// writes 1.0-1.3 s); 256 KiB is past the point where syscall overhead matters.
    /// </summary>
    internal const int WriteChunkBytes = 256 << 10;

    /// <summary>Writes the tensors (any device, any layout) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">Two tensors share a name, or a name is empty or reserved.</exception>
    /// <exception cref="NotSupportedException">A tensor's type has no safetensors dtype.</exception>
    public static void Write(
        string path,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (specs, read) = Borrow(tensors);
        StreamingShardWriter.WriteFile(path, specs, read, metadata);
    }

    /// <summary>The bytes a tensor takes in a safetensors file.</summary>
    public static long ByteSize(torch.Tensor tensor) => tensor.numel() * SafetensorsDtype.SizeOf(tensor.dtype);

    /// <summary>
    /// The specs of tensors the caller keeps owning, and a reader that hands the streaming writer an alias of each
    /// (the writer disposes what it reads; disposing an alias leaves the caller's tensor alive).
    /// </summary>
    internal static (List<TensorSpec> Specs, Func<TensorSpec, torch.Tensor> Read) Borrow(IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        var list = tensors.ToList();
        var byName = new Dictionary<string, torch.Tensor>(list.Count, StringComparer.Ordinal);
        foreach (var (name, tensor) in list)
        {
            byName.TryAdd(name, tensor); // a duplicate name is reported by the writer's validation
        }
        var specs = list.Select(p => new TensorSpec(p.Key, p.Value.dtype, p.Value.shape)).ToList();
        return (specs, spec => byName[spec.Name].alias());
    }
}
