using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;

namespace SongGen.Checkpoints.Pickles;

/// <summary>
/// Reads the state dict of a PyTorch <c>torch.save</c> file (<c>pytorch_model.bin</c>, <c>.pth</c>, <c>.pt</c>) in the
/// zip format that torch has written by default since 1.6. Unpickling is TorchSharp.PyBridge's.
/// </summary>
public static class PyTorchPickle
{
    /// <summary>Whether the file starts like a zip archive (the format this reader accepts).</summary>
    public static bool IsZipFormat(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
            && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4;
    }

    /// <summary>Reads every tensor of a pickled state dict onto the CPU, cast to <paramref name="dtype"/> when given.</summary>
    /// <exception cref="CheckpointFormatException">A legacy (non-zip) file, or one that is not a state dict of tensors.</exception>
    public static Dictionary<string, torch.Tensor> Load(string path, torch.ScalarType? dtype = null)
    {
        if (!IsZipFormat(path))
        {
            throw new CheckpointFormatException(path,
                "this is not a zip-format torch.save file (a legacy pickle, or not a PyTorch file at all); re-save it with a newer torch (zip format, torch >= 1.6: torch.save(torch.load(old), new))");
        }
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointFormatException(path, $"the pickle could not be read as a state dict ({e.GetType().Name}: {e.Message})", e);
        }

        var result = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string name || entry.Value is not torch.Tensor tensor)
            {
                // Not a tensor (e.g. an int step counter): free what was read and refuse.
                foreach (DictionaryEntry other in table)
                {
                    (other.Value as torch.Tensor)?.Dispose();
                }
                throw new CheckpointFormatException(path, $"entry '{entry.Key}' is not a tensor; expected a flat state dict");
            }
            if (dtype is { } target && tensor.dtype != target)
            {
                result[name] = tensor.to_type(target);
                tensor.Dispose();
            }
            else
            {
                result[name] = tensor;
            }
        }
        return result;
    }
}
