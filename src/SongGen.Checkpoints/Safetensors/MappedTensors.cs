using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>
/// CPU tensors whose storage is a private (copy-on-write) mapping of their bytes in a file: creating one maps the
/// page cache instead of faulting in fresh memory and copying into it. The mapping is released when libtorch frees
/// the storage.
/// </summary>
internal static unsafe class MappedTensors
{
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MadvPopulateRead = 22;
    private static readonly nint MapFailed = -1;
    private static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>Data pointer → the mapping it lies in, for the deleter libtorch calls with the data pointer.</summary>
    private static readonly ConcurrentDictionary<nint, (nint Start, nuint Length)> Live = new();

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int madvise(nint address, nuint length, int advice);

    [DllImport("LibTorchSharp")]
    private static extern nint THSTensor_new(
        nint data, delegate* unmanaged[Cdecl]<nint, void> deleter, long* sizes, int dimensions,
        sbyte elementType, sbyte tensorType, int deviceType, int deviceIndex, [MarshalAs(UnmanagedType.U1)] bool requiresGrad);

    /// <summary>Whether mapping is possible here (Linux, where the mmap flags and madvise advice above hold).</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>
    /// A tensor over <paramref name="byteLength"/> bytes at <paramref name="fileOffset"/> of the open file, or null
    /// when those bytes do not start at a multiple of the element size or cannot be mapped (the caller copies them).
    /// </summary>
    public static torch.Tensor? TryMap(SafeFileHandle file, long fileOffset, long byteLength, long[] shape, torch.ScalarType dtype)
    {
        if (byteLength == 0 || fileOffset % SafetensorsDtype.SizeOf(dtype) != 0)
        {
            return null;
        }
        var start = fileOffset / PageSize * PageSize;
        var length = (nuint)(fileOffset - start + byteLength);
        nint mapping;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            mapping = mmap(0, length, ProtRead | ProtWrite, MapPrivate, (int)file.DangerousGetHandle(), start);
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
        if (mapping == MapFailed)
        {
            // Out of mappings (vm.max_map_count) or a file system that cannot map: the caller copies instead.
            return null;
        }
        // Map the cached pages now (read-only until written), rather than one fault per 16 pages on first use.
        _ = madvise(mapping, length, MadvPopulateRead);
        var data = mapping + (nint)(fileOffset - start);
        Live[data] = (mapping, length);
        nint handle;
        fixed (long* sizes = shape)
        {
            handle = THSTensor_new(data, &Release, sizes, shape.Length, (sbyte)dtype, (sbyte)dtype, (int)DeviceType.CPU, 0, false);
        }
        if (handle == 0)
        {
            Unmap(data);
            torch.CheckForErrors();
            throw new InvalidOperationException("libtorch could not wrap a mapped tensor.");
        }
        return torch.Tensor.UnsafeCreateTensor(handle);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Release(nint data) => Unmap(data);

    private static void Unmap(nint data)
    {
        if (Live.TryRemove(data, out var mapping))
        {
            _ = munmap(mapping.Start, mapping.Length);
        }
    }
}
