using System.Diagnostics;
using SongGen.Checkpoints.Safetensors;
using TorchSharp;

namespace SongGen.Cli.Tests;

/// <summary>
/// <c>ckpt convert</c> of safetensors streams: its peak resident memory (GNU time's maximum RSS of the child
/// process) grows by about one tensor, not by the checkpoint's size.
/// </summary>
public sealed class CkptConvertMemoryTests : IDisposable
{
    internal const string GnuTime = "/usr/bin/time";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "songgen-ckpt-mem-" + Guid.NewGuid().ToString("N"));

    public CkptConvertMemoryTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A checkpoint of <paramref name="count"/> F32 tensors of <paramref name="elements"/> each, written streaming.</summary>
    private string Checkpoint(string name, int count, long elements)
    {
        var path = Path.Combine(_folder, name);
        var specs = Enumerable.Range(0, count).Select(i => new TensorSpec($"layers.{i:D3}.weight", torch.ScalarType.Float32, [elements])).ToList();
        StreamingShardWriter.WriteFile(path, specs, spec => torch.full(elements, specs.IndexOf(spec) + 0.5f));
        return path;
    }

    /// <summary>Runs <c>songgen ckpt convert</c> under GNU time and returns its maximum resident set size in bytes.</summary>
    private static async Task<long> PeakBytesOfConvert(string input, string output, params string[] extra)
    {
        var report = output + ".time";
        var start = new ProcessStartInfo(GnuTime) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["-f", "%M", "-o", report, ChildCli.DotnetHost(), ChildCli.SonggenDll, "ckpt", "convert", input, output, .. extra])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"convert failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        return long.Parse(File.ReadAllLines(report).Last(l => l.Trim().Length > 0).Trim()) * 1024;
    }

    [RequiresGnuTimeFact]
    public async Task Peak_memory_of_convert_does_not_grow_with_the_checkpoint()
    {
        const long elements = 1 << 20; // 4 MiB a tensor
        var tiny = Checkpoint("tiny.safetensors", 50, 16);
        var small = Checkpoint("200MiB.safetensors", 50, elements);
        var large = Checkpoint("400MiB.safetensors", 100, elements);
        var added = new FileInfo(large).Length - new FileInfo(small).Length;

        // The same command on a tiny checkpoint: the runtime's and libtorch's own footprint.
        var baseline = await PeakBytesOfConvert(tiny, Path.Combine(_folder, "tiny-out"), "--max-shard-size", "1KB");
        var peakSmall = await PeakBytesOfConvert(small, Path.Combine(_folder, "small-out"), "--max-shard-size", "50MB");
        var peakLarge = await PeakBytesOfConvert(large, Path.Combine(_folder, "large-out"), "--max-shard-size", "50MB");
        var peakCast = await PeakBytesOfConvert(large, Path.Combine(_folder, "large-f16.safetensors"), "--dtype", "f16");

        // Holding the state dict would add all 200 MiB between the two files, and the whole file over the baseline;
        // streaming holds a tensor or two (plus what the allocator keeps: about 20-60 MiB measured).
        var figures = $"baseline {baseline >> 20} MiB, 200 MiB file {peakSmall >> 20} MiB, 400 MiB file {peakLarge >> 20} MiB, cast to f16 {peakCast >> 20} MiB";
        Assert.True(peakLarge - peakSmall < added / 3, figures);
        Assert.True(peakLarge - baseline < new FileInfo(large).Length / 3, figures);
        Assert.True(peakCast - baseline < new FileInfo(large).Length / 3, figures);
        using var converted = ShardedCheckpoint.Open(Path.Combine(_folder, "large-out"));
        Assert.Equal(100, converted.Names.Count);
        Assert.Equal(7.5f, converted.ReadTensor("layers.007.weight")[elements - 1].item<float>());
        using var halves = SafetensorsFile.Open(Path.Combine(_folder, "large-f16.safetensors"));
        Assert.Equal(torch.ScalarType.Float16, halves.GetEntry("layers.099.weight").Dtype);
        Assert.Equal(99.5f, halves.ReadTensor("layers.099.weight", torch.ScalarType.Float32)[0].item<float>());
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, when GNU time (which measures the child's peak memory) is missing.</summary>
public sealed class RequiresGnuTimeFactAttribute : FactAttribute
{
    public RequiresGnuTimeFactAttribute()
    {
        if (!File.Exists(CkptConvertMemoryTests.GnuTime))
            Skip = $"{CkptConvertMemoryTests.GnuTime} (GNU time) is missing; apt-get install -y time to run the peak-memory test";
    }
}
