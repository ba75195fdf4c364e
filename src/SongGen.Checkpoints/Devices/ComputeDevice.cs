using System.Globalization;
using System.Reflection;
using TorchSharp;

namespace SongGen.Checkpoints.Devices;

/// <summary>
/// The device all tensor work runs on, chosen once at startup. Every part of SongGen gets its device here, so the
/// device spec, its environment fallback and the CUDA checks live in one place.
/// </summary>
public sealed class ComputeDevice
{
    private ComputeDevice(torch.Device device, int threads, string description)
    {
        Device = device;
        Threads = threads;
        Description = description;
    }

    /// <summary>Where tensors and modules go.</summary>
    public torch.Device Device { get; }

    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>Threads libtorch uses for CPU operators.</summary>
    public int Threads { get; }

    /// <summary>One line for logs, e.g. <c>cpu (auto: CUDA not available), 2 CPU threads, libtorch cpu</c>.</summary>
    public string Description { get; }

    /// <summary>The libtorch package this build references: <c>cpu</c>, or <c>cuda</c> after <c>-p:TorchBackend=cuda</c>.</summary>
    public static string TorchBackend { get; } = typeof(ComputeDevice).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(attribute => attribute.Key == "TorchBackend")?.Value ?? "cpu";

    public override string ToString() => Description;

    /// <summary>Chooses the device (see <see cref="ComputeDeviceOptions"/>) and sets libtorch's CPU thread count.</summary>
    /// <exception cref="ComputeDeviceException">The spec is malformed, or names a CUDA device that is not there.</exception>
    public static ComputeDevice Open(ComputeDeviceOptions? options = null)
    {
        var device = Choose(options ?? new ComputeDeviceOptions(), Environment.GetEnvironmentVariable, CountCudaDevices());
        torch.set_num_threads(device.Threads);
        return device;
    }

    /// <summary>The decision of <see cref="Open"/> without touching libtorch, for tests.</summary>
    internal static ComputeDevice Choose(ComputeDeviceOptions options, Func<string, string?> environment, int cudaDeviceCount)
    {
        string? deviceVariable = environment(ComputeDeviceOptions.DeviceVariable);
        (string specText, string source) =
            options.Device is not null ? (options.Device, "device argument")
            : !string.IsNullOrWhiteSpace(deviceVariable) ? (deviceVariable, $"{ComputeDeviceOptions.DeviceVariable}={deviceVariable}")
            : ("auto", "default");
        DeviceSpec spec = DeviceSpec.Parse(specText);
        int threads = ChooseThreads(options, environment);
        string footer = $"{threads} CPU threads, libtorch {TorchBackend}";

        if (spec.Kind == DeviceKind.Cpu)
            return new ComputeDevice(torch.CPU, threads, $"cpu ({source}), {footer}");
        if (spec.Kind == DeviceKind.Auto && cudaDeviceCount == 0)
            return new ComputeDevice(torch.CPU, threads, $"cpu (auto: CUDA not available), {footer}");
        if (cudaDeviceCount == 0)
            throw new ComputeDeviceException(CudaUnavailableMessage(spec, source, TorchBackend));
        if (spec.CudaIndex >= cudaDeviceCount)
        {
            throw new ComputeDeviceException(
                $"Device {spec} was requested ({source}) but only {cudaDeviceCount} CUDA device(s) are visible: use cuda:0 to cuda:{cudaDeviceCount - 1}.");
        }
        string reason = spec.Kind == DeviceKind.Auto ? "auto: CUDA available" : source;
        return new ComputeDevice(new torch.Device(DeviceType.CUDA, spec.CudaIndex), threads,
            $"cuda:{spec.CudaIndex} of {cudaDeviceCount} ({reason}), {footer}");
    }

    internal static string CudaUnavailableMessage(DeviceSpec spec, string source, string torchBackend) => torchBackend == "cuda"
        ? $"Device {spec} was requested ({source}) but libtorch reports no usable CUDA device, although this build "
          + "references the CUDA libtorch (TorchBackend=cuda). Check that a GPU and its driver are visible (nvidia-smi, "
          + $"CUDA_VISIBLE_DEVICES), or ask for cpu or auto ({ComputeDeviceOptions.DeviceVariable}=cpu)."
        : $"Device {spec} was requested ({source}) but this build was made with TorchBackend=cpu, whose libtorch has no "
          + "CUDA support. Rebuild with -p:TorchBackend=cuda (for example `dotnet build -p:TorchBackend=cuda`, which needs "
          + $"the libtorch-cuda-12.8-linux-x64 package), or ask for cpu or auto ({ComputeDeviceOptions.DeviceVariable}=cpu).";

    private static int ChooseThreads(ComputeDeviceOptions options, Func<string, string?> environment)
    {
        if (options.Threads is int requested)
        {
            return requested >= 1 ? requested
                : throw new ComputeDeviceException($"Thread count must be at least 1, got {requested}.");
        }
        string? variable = environment(ComputeDeviceOptions.ThreadsVariable);
        if (string.IsNullOrWhiteSpace(variable))
            return Environment.ProcessorCount;
        return int.TryParse(variable, NumberStyles.None, CultureInfo.InvariantCulture, out int threads) && threads >= 1 ? threads
            : throw new ComputeDeviceException($"{ComputeDeviceOptions.ThreadsVariable}='{variable}' is not a whole number of at least 1.");
    }

    private static int CountCudaDevices()
    {
        try
        {
            return torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        }
        catch (Exception e) when (e is NotSupportedException || e.InnerException is NotSupportedException)
        {
            // TorchSharp reports any native load failure as a missing package reference (inside the type
            // initializer of torch on first use), which misleads.
            throw new ComputeDeviceException(
                "TorchSharp's native libraries failed to load. Run `ldd` on runtimes/linux-x64/native/libLibTorchSharp.so "
                + "in the output folder to see why; on Debian 12 the build must have marked GLIBCXX_3.4.32 weak there "
                + "(build/TorchSharpElfPatch.targets).", e);
        }
    }
}
