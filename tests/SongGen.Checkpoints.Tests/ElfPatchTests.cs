using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using SongGen.Build;

namespace SongGen.Checkpoints.Tests;

public sealed class ElfPatchTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";

    private static readonly string PackageLibrary = typeof(ElfPatchTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(attribute => attribute.Key == "PackageLibTorchSharp").Value!;

    private readonly string _directory = Directory.CreateTempSubdirectory("songgen-elfpatch-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static bool IsWeak(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        long flagsOffset = ElfVersionNeeds.FindFlagsOffset(elf, Version);
        Assert.True(flagsOffset >= 0, $"{path} has no {Version} version need");
        return (ElfVersionNeeds.ReadFlags(elf, flagsOffset) & ElfVersionNeeds.WeakFlag) != 0;
    }

    private string CopyOfPackageLibrary()
    {
        string copy = Path.Combine(_directory, "libLibTorchSharp.so");
        File.Copy(PackageLibrary, copy);
        return copy;
    }

    [Fact]
    public void PatchMarksTheNeedWeakOnceAndThenChangesNothing()
    {
        string copy = CopyOfPackageLibrary();
        Assert.False(IsWeak(copy));

        Assert.Equal(VersionNeedPatchOutcome.MarkedWeak, ElfVersionNeeds.MarkWeak(copy, Version));
        byte[] afterFirst = File.ReadAllBytes(copy);
        Assert.Equal(VersionNeedPatchOutcome.AlreadyWeak, ElfVersionNeeds.MarkWeak(copy, Version));

        Assert.True(IsWeak(copy));
        Assert.Equal(afterFirst, File.ReadAllBytes(copy));
        byte[] original = File.ReadAllBytes(PackageLibrary);
        Assert.Single(Enumerable.Range(0, original.Length), i => original[i] != afterFirst[i]);
        AssertReadelfShowsWeak(copy);
    }

    [Fact]
    public void PatchLeavesFilesWithoutTheNeedAlone()
    {
        string copy = CopyOfPackageLibrary();
        string text = Path.Combine(_directory, "not-elf.so");
        File.WriteAllText(text, "not an ELF file");

        Assert.Equal(VersionNeedPatchOutcome.VersionNeedAbsent, ElfVersionNeeds.MarkWeak(copy, "GLIBCXX_9.9.99"));
        Assert.Equal(VersionNeedPatchOutcome.NotElf64LittleEndian, ElfVersionNeeds.MarkWeak(text, Version));
        Assert.Equal(File.ReadAllBytes(PackageLibrary), File.ReadAllBytes(copy));
    }

    [Fact]
    public void PatchNeverWritesThroughAHardLink()
    {
        string original = CopyOfPackageLibrary();
        string link = Path.Combine(_directory, "linked.so");
        Assert.Equal(0, CreateHardLink(original, link));

        ElfVersionNeeds.MarkWeak(link, Version);

        Assert.True(IsWeak(link));
        Assert.False(IsWeak(original));
    }

    [Fact]
    public void BuildOutputCopyIsPatchedAndPackageFileIsNot()
    {
        string outputCopy = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        Assert.True(IsWeak(outputCopy));
        Assert.False(IsWeak(PackageLibrary));
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int CreateHardLink(string existingPath, string newPath);

    private static void AssertReadelfShowsWeak(string path)
    {
        string? readelf = Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Select(directory => Path.Combine(directory, "readelf")).FirstOrDefault(File.Exists);
        if (readelf is null) return; // binutils not installed: our own reader above already checked the flag
        using var process = Process.Start(new ProcessStartInfo(readelf, ["-V", path]) { RedirectStandardOutput = true })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Matches($@"Name: {Version.Replace(".", @"\.")}\s+Flags: WEAK", output);
    }
}
