namespace SongGen.Text;

/// <summary>
/// Rewrites <c>trainer_spec.bos_id</c> (field 41 of <c>TrainerSpec</c>, which is field 2 of <c>ModelProto</c>) in a
/// serialized SentencePiece model. Microsoft.ML.Tokenizers 2.0.1 throws on T5 models, whose <c>bos_id</c> is -1.
/// Only that one varint changes; every other byte is copied as is.
/// </summary>
internal static class SentencePieceModelPatch
{
    private const int TrainerSpecField = 2;
    private const int BosIdField = 41;

    /// <summary>The model with <c>bos_id</c> set to <paramref name="newBosId"/> when it is negative; else the input.</summary>
    public static byte[] WithNonNegativeBosId(byte[] model, int newBosId)
    {
        using var output = new MemoryStream(model.Length + 16);
        var changed = false;
        var position = 0;
        while (position < model.Length)
        {
            var start = position;
            var key = ReadVarint(model, ref position);
            var field = (int)(key >> 3);
            var wireType = (int)(key & 7);
            if (field == TrainerSpecField && wireType == 2)
            {
                var length = checked((int)ReadVarint(model, ref position));
                var inner = PatchTrainerSpec(model.AsSpan(position, length), newBosId, ref changed);
                WriteVarint(output, key);
                WriteVarint(output, (ulong)inner.Length);
                output.Write(inner);
                position += length;
                continue;
            }
            SkipValue(model, ref position, wireType);
            output.Write(model, start, position - start);
        }
        return changed ? output.ToArray() : model;
    }

    private static byte[] PatchTrainerSpec(ReadOnlySpan<byte> spec, int newBosId, ref bool changed)
    {
        var bytes = spec.ToArray();
        using var output = new MemoryStream(bytes.Length + 16);
        var position = 0;
        while (position < bytes.Length)
        {
            var start = position;
            var key = ReadVarint(bytes, ref position);
            var field = (int)(key >> 3);
            var wireType = (int)(key & 7);
            if (field == BosIdField && wireType == 0)
            {
                var value = (int)(long)ReadVarint(bytes, ref position);
                if (value < 0)
                {
                    WriteVarint(output, key);
                    WriteVarint(output, (ulong)newBosId);
                    changed = true;
                    continue;
                }
                output.Write(bytes, start, position - start);
                continue;
            }
            SkipValue(bytes, ref position, wireType);
            output.Write(bytes, start, position - start);
        }
        return output.ToArray();
    }

    private static void SkipValue(byte[] data, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(data, ref position); break;
            case 1: position += 8; break;
            case 2:
                var length = checked((int)ReadVarint(data, ref position));
                position += length;
                break;
            case 5: position += 4; break;
            default: throw new InvalidDataException($"Unsupported protobuf wire type {wireType} in the SentencePiece model.");
        }
        if (position > data.Length) throw new InvalidDataException("Truncated SentencePiece model.");
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw new InvalidDataException("Truncated SentencePiece model.");
            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("Malformed varint in the SentencePiece model.");
    }

    private static void WriteVarint(Stream output, ulong value)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        output.WriteByte((byte)value);
    }
}
