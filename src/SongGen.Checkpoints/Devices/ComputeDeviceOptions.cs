namespace SongGen.Checkpoints.Devices;

/// <summary>
/// How to choose the compute device. A value left null falls back to its environment variable, then to its default.
/// </summary>
public sealed record ComputeDeviceOptions
{
    /// <summary>Environment variable read when <see cref="Device"/> is null.</summary>
    public const string DeviceVariable = "SONGGEN_DEVICE";

    /// <summary>Environment variable read when <see cref="Threads"/> is null.</summary>
    public const string ThreadsVariable = "SONGGEN_THREADS";

    /// <summary>
    /// <c>auto</c>, <c>cpu</c>, <c>cuda</c> (= <c>cuda:0</c>) or <c>cuda:N</c>. Null: <c>SONGGEN_DEVICE</c>, else
    /// <c>auto</c>, which takes CUDA when libtorch reports it available and the CPU otherwise.
    /// </summary>
    public string? Device { get; init; }

    /// <summary>
    /// Threads libtorch uses for CPU operators (<c>torch.set_num_threads</c>). Null: <c>SONGGEN_THREADS</c>, else
    /// <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public int? Threads { get; init; }
}
