using System.Globalization;

namespace SongGen.Checkpoints.Devices;

public enum DeviceKind { Auto, Cpu, Cuda }

/// <summary>A parsed device request: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
public readonly record struct DeviceSpec(DeviceKind Kind, int CudaIndex = 0)
{
    public const string AcceptedForms = "auto, cpu, cuda or cuda:N";

    public static DeviceSpec Parse(string text)
    {
        string spec = text.Trim().ToLowerInvariant();
        switch (spec)
        {
            case "auto": return new(DeviceKind.Auto);
            case "cpu": return new(DeviceKind.Cpu);
            case "cuda": return new(DeviceKind.Cuda);
        }
        if (spec.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(spec.AsSpan("cuda:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new(DeviceKind.Cuda, index);
        }
        throw new ComputeDeviceException($"Unknown device '{text}': expected {AcceptedForms}.");
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        _ => $"cuda:{CudaIndex}",
    };
}
