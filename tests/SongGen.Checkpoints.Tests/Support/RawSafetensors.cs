using System.Buffers.Binary;
using System.Text;

namespace SongGen.Checkpoints.Tests.Support;

/// <summary>Builds safetensors bytes by hand, so tests can state exactly what is in a (possibly hostile) file.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string headerJson, byte[] data, ulong? claimedHeaderLength = null) =>
        Build(Encoding.UTF8.GetBytes(headerJson), data, claimedHeaderLength);

    public static byte[] Build(byte[] header, byte[] data, ulong? claimedHeaderLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static string Header(byte[] file) =>
        Encoding.UTF8.GetString(file, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(file));
}
