using SongGen.Checkpoints.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Placement;

/// <summary>
/// Where a model lives and in which precision: the one place that moves modules and their floating-point inputs. The
/// device comes from <see cref="ComputeDevice"/> (<c>SONGGEN_DEVICE</c>, <c>SONGGEN_THREADS</c>); the precision is a
/// <see cref="ModelPrecision"/>. Build modules on the CPU in float32 (or load a checkpoint), then <see cref="Apply{T}"/>.
/// </summary>
/// <param name="Device">Where parameters and inputs go.</param>
/// <param name="Precision">The dtype of floating-point parameters and inputs.</param>
public sealed record ModelPlacement(Device Device, ModelPrecision Precision = ModelPrecision.Float32)
{
    /// <summary>CPU, float32: what a module is built with.</summary>
    public static ModelPlacement CpuFloat32 { get; } = new(CPU);

    /// <summary>The device <see cref="ComputeDevice.Open"/> chose, in <paramref name="precision"/>.</summary>
    public static ModelPlacement On(ComputeDevice device, ModelPrecision precision = ModelPrecision.Float32) => new(device.Device, precision);

    /// <summary>The floating-point dtype of parameters and activations.</summary>
    public ScalarType DType => Precision.ToScalarType();

    /// <summary>Moves <paramref name="module"/>'s parameters and buffers to <see cref="Device"/> and its floating-point ones to <see cref="DType"/>, in place.</summary>
    /// <returns>The same module, for chaining.</returns>
    public T Apply<T>(T module) where T : nn.Module
    {
        // One conversion per tensor: a CPU-to-GPU move casts on the CPU first, so float32 weights never take GPU memory.
        module.to(Device, DType);
        return module;
    }

    /// <summary>
    /// An input for a module placed here: moved to <see cref="Device"/>, and cast to <see cref="DType"/> when floating
    /// point (ids and masks keep their dtype). Returns a new tensor, or <paramref name="input"/> itself when nothing changes.
    /// </summary>
    public Tensor Input(Tensor input)
    {
        var dtype = input.is_floating_point() ? DType : input.dtype;
        return IsOn(input) && input.dtype == dtype ? input : input.to(dtype, Device);
    }

    private bool IsOn(Tensor tensor) =>
        tensor.device_type == Device.type && (Device.type == DeviceType.CPU || tensor.device_index == Math.Max(Device.index, 0));

    public override string ToString() => $"{Device} {Precision.ToShortName()}";
}
