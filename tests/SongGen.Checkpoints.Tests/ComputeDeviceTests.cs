using SongGen.Checkpoints.Devices;
using TorchSharp;

namespace SongGen.Checkpoints.Tests;

public class ComputeDeviceTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(variable => variable.Name == name).Value;

    private static readonly Func<string, string?> EmptyEnvironment = Environment();

    [Fact]
    public void AutoIsTheDefaultAndPicksCpuWithoutCuda()
    {
        var device = ComputeDevice.Choose(new ComputeDeviceOptions(), EmptyEnvironment, cudaDeviceCount: 0);

        Assert.Equal(DeviceType.CPU, device.Device.type);
        Assert.Contains("auto", device.Description);
    }

    [Fact]
    public void AutoPicksTheFirstCudaDeviceWhenAvailable()
    {
        var device = ComputeDevice.Choose(new ComputeDeviceOptions(), EmptyEnvironment, cudaDeviceCount: 2);

        Assert.True(device.IsCuda);
        Assert.Equal(0, device.Device.index);
        Assert.StartsWith("cuda:0 of 2", device.Description);
    }

    [Fact]
    public void EnvironmentVariableIsUsedWhenNoDeviceIsGiven()
    {
        var environment = Environment((ComputeDeviceOptions.DeviceVariable, "cuda:1"));

        var device = ComputeDevice.Choose(new ComputeDeviceOptions(), environment, cudaDeviceCount: 2);

        Assert.Equal(1, device.Device.index);
        Assert.Contains("SONGGEN_DEVICE=cuda:1", device.Description);
    }

    [Fact]
    public void DeviceArgumentOverridesEnvironmentVariable()
    {
        var environment = Environment((ComputeDeviceOptions.DeviceVariable, "cuda"));

        var device = ComputeDevice.Choose(new ComputeDeviceOptions { Device = "cpu" }, environment, cudaDeviceCount: 1);

        Assert.False(device.IsCuda);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:1")]
    public void CudaWithoutCudaDevicesIsAnErrorNamingTheBuildsBackend(string spec)
    {
        var error = Assert.Throws<ComputeDeviceException>(
            () => ComputeDevice.Choose(new ComputeDeviceOptions { Device = spec }, EmptyEnvironment, cudaDeviceCount: 0));

        Assert.Contains($"TorchBackend={ComputeDevice.TorchBackend}", error.Message);
        Assert.Contains($"Device {DeviceSpec.Parse(spec)} was requested (device argument)", error.Message);
    }

    [Fact]
    public void CpuBuildMessageSaysHowToRebuildWithCuda()
    {
        string message = ComputeDevice.CudaUnavailableMessage(DeviceSpec.Parse("cuda"), "device argument", torchBackend: "cpu");

        Assert.Contains("build was made with TorchBackend=cpu", message);
        Assert.Contains("-p:TorchBackend=cuda", message);
    }

    [Fact]
    public void CudaBuildMessagePointsAtTheDriverInstead()
    {
        string message = ComputeDevice.CudaUnavailableMessage(DeviceSpec.Parse("cuda"), "device argument", torchBackend: "cuda");

        Assert.Contains("nvidia-smi", message);
        Assert.DoesNotContain("-p:TorchBackend=cuda", message);
    }

    [Fact]
    public void ThisBuildRecordsItsTorchBackend()
    {
        Assert.Contains(ComputeDevice.TorchBackend, new[] { "cpu", "cuda" });
    }

    [Fact]
    public void CudaIndexBeyondTheVisibleDevicesIsAnError()
    {
        var error = Assert.Throws<ComputeDeviceException>(
            () => ComputeDevice.Choose(new ComputeDeviceOptions { Device = "cuda:2" }, EmptyEnvironment, cudaDeviceCount: 2));

        Assert.Contains("cuda:0 to cuda:1", error.Message);
    }

    [Fact]
    public void ThreadsComeFromOptionThenEnvironmentThenProcessorCount()
    {
        var environment = Environment((ComputeDeviceOptions.ThreadsVariable, "3"));

        Assert.Equal(5, ComputeDevice.Choose(new ComputeDeviceOptions { Threads = 5 }, environment, 0).Threads);
        Assert.Equal(3, ComputeDevice.Choose(new ComputeDeviceOptions(), environment, 0).Threads);
        Assert.Equal(System.Environment.ProcessorCount, ComputeDevice.Choose(new ComputeDeviceOptions(), EmptyEnvironment, 0).Threads);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("many")]
    public void InvalidThreadVariableIsAnError(string value)
    {
        var environment = Environment((ComputeDeviceOptions.ThreadsVariable, value));

        var error = Assert.Throws<ComputeDeviceException>(() => ComputeDevice.Choose(new ComputeDeviceOptions(), environment, 0));
        Assert.Contains(ComputeDeviceOptions.ThreadsVariable, error.Message);
    }

    [Fact]
    public void OpenTakesCudaExactlyWhenLibtorchHasItAndSetsTheThreadCount()
    {
        var device = ComputeDevice.Open(new ComputeDeviceOptions { Device = "auto", Threads = 1 });

        Assert.Equal(torch.cuda.is_available(), device.IsCuda);
        Assert.Equal(1, torch.get_num_threads());
    }

    [Fact]
    public void OpenRefusesCudaWhenLibtorchHasNone()
    {
        if (torch.cuda.is_available()) return; // a CUDA build on a GPU machine: nothing to refuse

        var error = Assert.Throws<ComputeDeviceException>(() => ComputeDevice.Open(new ComputeDeviceOptions { Device = "cuda" }));

        Assert.Contains($"TorchBackend={ComputeDevice.TorchBackend}", error.Message);
    }
}
