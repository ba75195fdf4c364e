using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SongGen.Checkpoints.Safetensors;

/// <summary>
/// Parses and validates a safetensors header against the data section it describes. Every fault is a
/// <see cref="CheckpointFormatException"/> naming the file; nothing is allocated beyond the header itself.
/// </summary>
internal static class SafetensorsHeaderParser
{
    /// <summary>The reference implementation refuses headers above 100 MB; so does this one.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>More dimensions than any real tensor has; bounds the work a hostile shape can cause.</summary>
    public const int MaxDimensions = 64;

    private const string MetadataKey = "__metadata__";

    internal sealed record Header(IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata);

    public static Header Parse(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        if (!Utf8.IsValid(json))
        {
            throw Fault(path, "the header is not valid UTF-8");
        }
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            throw Fault(path, "the header does not start with '{'");
        }

        var entries = new List<SafetensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // The structure is at most three levels deep (object -> entry -> shape); anything deeper is refused early.
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            Expect(path, ref reader, JsonTokenType.StartObject, "the header is not a JSON object");
            while (true)
            {
                Read(path, ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }
                var name = reader.GetString()!;
                if (!names.Add(name))
                {
                    throw Fault(path, $"the header lists '{Shorten(name)}' twice");
                }
                if (name == MetadataKey)
                {
                    ReadMetadata(path, ref reader, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(path, ref reader, name));
                }
            }
            if (reader.Read())
            {
                throw Fault(path, "the header has content after its JSON object");
            }
        }
        catch (JsonException e)
        {
            throw Fault(path, $"the header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw Fault(path, $"the header has an unexpected JSON value ({e.Message})", e);
        }

        ValidateLayout(path, entries, dataLength);
        return new Header(entries, metadata);
    }

    private static void ReadMetadata(string path, ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        Expect(path, ref reader, JsonTokenType.StartObject, "__metadata__ is not an object of strings");
        while (true)
        {
            Read(path, ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }
            var key = reader.GetString()!;
            Expect(path, ref reader, JsonTokenType.String, $"__metadata__ value of '{Shorten(key)}' is not a string");
            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw Fault(path, $"__metadata__ lists '{Shorten(key)}' twice");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string path, ref Utf8JsonReader reader, string name)
    {
        Expect(path, ref reader, JsonTokenType.StartObject, $"tensor '{Shorten(name)}' is not an object");
        string? dtypeName = null;
        List<long>? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Read(path, ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            var field = reader.GetString()!;
            switch (field)
            {
                case "dtype" when dtypeName is null:
                    Expect(path, ref reader, JsonTokenType.String, $"tensor '{Shorten(name)}' has a dtype that is not a string");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(path, ref reader, name, "shape", MaxDimensions);
                    break;
                case "data_offsets" when offsets is null:
                    var list = ReadIntegers(path, ref reader, name, "data_offsets", 2);
                    if (list.Count != 2)
                    {
                        throw Fault(path, $"tensor '{Shorten(name)}' has data_offsets that are not two numbers");
                    }
                    offsets = [list[0], list[1]];
                    break;
                default:
                    throw Fault(path, $"tensor '{Shorten(name)}' has an unknown or repeated field '{Shorten(field)}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
        {
            throw Fault(path, $"tensor '{Shorten(name)}' lacks dtype, shape or data_offsets");
        }
        if (!SafetensorsDtype.TryParse(dtypeName, out var dtype))
        {
            throw Fault(path, $"tensor '{Shorten(name)}' has dtype '{Shorten(dtypeName)}', which is unknown or not supported");
        }
        if (offsets[1] < offsets[0])
        {
            throw Fault(path, $"tensor '{Shorten(name)}' ends before it begins (data_offsets [{offsets[0]}, {offsets[1]}])");
        }
        long bytes;
        try
        {
            bytes = SafetensorsDtype.SizeOf(dtype);
            foreach (var dim in shape)
            {
                bytes = checked(bytes * dim);
            }
        }
        catch (OverflowException)
        {
            throw Fault(path, $"tensor '{Shorten(name)}' has a shape whose byte size overflows");
        }
        if (bytes != offsets[1] - offsets[0])
        {
            throw Fault(path, $"tensor '{Shorten(name)}' is {dtypeName} [{string.Join(", ", shape)}] = {bytes} bytes, but data_offsets span {offsets[1] - offsets[0]} bytes");
        }
        return new SafetensorsEntry(name, dtype, shape.ToArray(), offsets[0], offsets[1]);
    }

    private static List<long> ReadIntegers(string path, ref Utf8JsonReader reader, string name, string field, int max)
    {
        Expect(path, ref reader, JsonTokenType.StartArray, $"tensor '{Shorten(name)}' has a {field} that is not an array");
        var values = new List<long>();
        while (true)
        {
            Read(path, ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return values;
            }
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
            {
                throw Fault(path, $"tensor '{Shorten(name)}' has a {field} value that is not a non-negative 64-bit integer");
            }
            if (values.Count == max)
            {
                throw Fault(path, $"tensor '{Shorten(name)}' has more than {max} {field} values");
            }
            values.Add(value);
        }
    }

    /// <summary>As the reference checks it: sorted by offset, the tensors tile the data section exactly.</summary>
    private static void ValidateLayout(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expected = 0;
        foreach (var entry in sorted)
        {
            if (entry.Begin != expected)
            {
                throw Fault(path, entry.Begin < expected
                    ? $"tensor '{Shorten(entry.Name)}' overlaps the tensor before it (begins at {entry.Begin}, previous ends at {expected})"
                    : $"the data section has a gap before tensor '{Shorten(entry.Name)}' (begins at {entry.Begin}, previous ends at {expected})");
            }
            expected = entry.End;
        }
        if (expected != dataLength)
        {
            throw Fault(path, expected > dataLength
                ? $"tensor offsets reach byte {expected} but the data section has only {dataLength} bytes (file truncated?)"
                : $"the data section has {dataLength} bytes but the tensors cover only {expected}");
        }
    }

    private static void Expect(string path, ref Utf8JsonReader reader, JsonTokenType type, string fault)
    {
        Read(path, ref reader);
        if (reader.TokenType != type)
        {
            throw Fault(path, fault);
        }
    }

    private static void Read(string path, ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Fault(path, "the header JSON ends early");
        }
    }

    internal static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static CheckpointFormatException Fault(string path, string fault, Exception? inner = null) => new(path, fault, inner);

    /// <summary>Header bytes as the reference writer lays them out: compact JSON padded with spaces to a multiple of 8.</summary>
    public static byte[] Serialize(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            foreach (var entry in entries)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafetensorsDtype.NameOf(entry.Dtype));
                writer.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                {
                    writer.WriteNumberValue(dim);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.Begin);
                writer.WriteNumberValue(entry.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var length = (int)buffer.Length;
        var padded = (length + 7) / 8 * 8;
        var bytes = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(bytes);
        bytes.AsSpan(length).Fill((byte)' ');
        return bytes;
    }

    internal static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);
}
