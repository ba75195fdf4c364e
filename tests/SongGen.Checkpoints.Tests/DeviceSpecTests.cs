using SongGen.Checkpoints.Devices;

namespace SongGen.Checkpoints.Tests;

public class DeviceSpecTests
{
    [Theory]
    [InlineData("auto", DeviceKind.Auto, 0)]
    [InlineData("cpu", DeviceKind.Cpu, 0)]
    [InlineData(" CPU ", DeviceKind.Cpu, 0)]
    [InlineData("cuda", DeviceKind.Cuda, 0)]
    [InlineData("cuda:0", DeviceKind.Cuda, 0)]
    [InlineData("CUDA:3", DeviceKind.Cuda, 3)]
    public void ParsesAcceptedForms(string text, DeviceKind kind, int cudaIndex)
    {
        Assert.Equal(new DeviceSpec(kind, cudaIndex), DeviceSpec.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:1:2")]
    [InlineData("mps")]
    public void RejectsOtherFormsNamingTheAcceptedOnes(string text)
    {
        var error = Assert.Throws<ComputeDeviceException>(() => DeviceSpec.Parse(text));
        Assert.Contains(DeviceSpec.AcceptedForms, error.Message);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData("cuda:2")]
    public void RoundTripsThroughToString(string text)
    {
        Assert.Equal(text, DeviceSpec.Parse(text).ToString());
    }
}
