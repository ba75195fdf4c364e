using System.Runtime.InteropServices;
using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>Raw access to a CPU tensor's storage, so bytes are copied once straight into (or out of) it.</summary>
internal static class TensorMemory
{
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(IntPtr address, UIntPtr length, int advice);

    private const int MadvHugePage = 14;
    private const long HugePage = 2L << 20;

    /// <summary>Asks for transparent huge pages on the 2 MiB-aligned interior of a region (fewer page faults when filled).</summary>
    public static void AdviseHugePages(IntPtr address, long length)
    {
        var start = (address + (nint)(HugePage - 1)) & ~(nint)(HugePage - 1);
        var end = (address + (nint)length) & ~(nint)(HugePage - 1);
        if (end > start && OperatingSystem.IsLinux())
        {
            madvise(start, (UIntPtr)(ulong)(end - start), MadvHugePage);
        }
    }

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
