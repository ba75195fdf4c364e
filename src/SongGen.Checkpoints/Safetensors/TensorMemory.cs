using System.Runtime.InteropServices;
using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>Raw access to a CPU tensor's storage, so bytes are copied once straight into (or out of) it.</summary>
internal static class TensorMemory
{
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    /// <summary>The address of the first element of a contiguous CPU tensor.</summary>
    public static IntPtr DataPointer(torch.Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("The tensor must be contiguous and on the CPU.", nameof(tensor));
        }
        if (tensor.numel() == 0)
        {
            return IntPtr.Zero;
        }
        var pointer = THSTensor_data(tensor.Handle);
        torch.CheckForErrors();
        return pointer;
    }
}
