namespace SongGen.Checkpoints.Devices;

/// <summary>The requested device or thread count cannot be used; the message says why and what to do.</summary>
public sealed class ComputeDeviceException : Exception
{
    public ComputeDeviceException(string message) : base(message) { }

    public ComputeDeviceException(string message, Exception inner) : base(message, inner) { }
}
