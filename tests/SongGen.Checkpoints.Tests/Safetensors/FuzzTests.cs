using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SongGen.Checkpoints.Safetensors;
using SongGen.Checkpoints.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Safetensors;

/// <summary>
/// Mutates a valid file (byte flips, truncations, header text edits, length edits) and requires each result to either
/// load completely or be refused with a <see cref="CheckpointFormatException"/>; anything else fails the test.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 400;

    [Fact]
    public void MutatedFilesLoadOrFailCleanly()
    {
        using var folder = new TempFolder();
        var source = folder.File("valid.safetensors");
        using (var scope = NewDisposeScope())
        {
            SafetensorsWriter.Write(source, new Dictionary<string, Tensor>
            {
                ["w"] = arange(24, ScalarType.Float32).reshape(2, 3, 4),
                ["b"] = tensor(new short[] { 1, -2, 3 }),
                ["m"] = tensor(new[] { true, false }),
                ["h"] = ones(5, ScalarType.BFloat16),
                ["e"] = zeros(0, 3),
            }, new Dictionary<string, string> { ["format"] = "pt" });
        }
        var valid = File.ReadAllBytes(source);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var random = new Random(20251126);
        var path = folder.File("mutant.safetensors");
        var stopwatch = Stopwatch.StartNew();
        int loaded = 0, refused = 0;

        for (var i = 0; i < Iterations; i++)
        {
            var mutant = Mutate(valid, headerLength, random);
            File.WriteAllBytes(path, mutant);
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var entry in file.Entries)
                {
                    using var tensor = file.ReadTensor(entry.Name);
                    Assert.Equal(entry.Shape, tensor.shape);
                }
                loaded++;
            }
            catch (CheckpointFormatException e)
            {
                Assert.Equal(path, e.FilePath);
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {i}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(refused > Iterations / 4, $"only {refused} of {Iterations} mutants were refused");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {stopwatch.Elapsed}");
        Assert.True(loaded + refused == Iterations);
    }

    private static byte[] Mutate(byte[] valid, int headerLength, Random random)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(6))
        {
            case 0: // flip bytes anywhere
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }
                return bytes;
            case 1: // flip bytes in the header
                for (var n = random.Next(1, 3); n > 0; n--)
                {
                    bytes[8 + random.Next(headerLength)] = (byte)random.Next(256);
                }
                return bytes;
            case 2: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 3: // edit the length prefix
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, random.Next(3) switch
                {
                    0 => (ulong)(headerLength + random.Next(-16, 16)),
                    1 => (ulong)random.NextInt64(),
                    _ => ulong.MaxValue - (ulong)random.Next(100),
                });
                return bytes;
            case 4: // edit a digit or a quote-delimited token in the header text
            {
                var header = Encoding.UTF8.GetString(bytes, 8, headerLength).ToCharArray();
                var digits = Enumerable.Range(0, header.Length).Where(k => char.IsDigit(header[k])).ToArray();
                var at = digits[random.Next(digits.Length)];
                header[at] = "0123456789-.e\"]"[random.Next(15)];
                var edited = Encoding.UTF8.GetBytes(header);
                return RawSafetensors.Build(edited, bytes[(8 + headerLength)..]);
            }
            default: // append garbage or splice a second copy of the header
                return random.Next(2) == 0
                    ? [.. bytes, .. Enumerable.Range(0, random.Next(1, 32)).Select(_ => (byte)random.Next(256))]
                    : RawSafetensors.Build(Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd() + Encoding.UTF8.GetString(bytes, 8, headerLength), bytes[(8 + headerLength)..]);
        }
    }
}
