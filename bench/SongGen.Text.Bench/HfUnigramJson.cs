using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace SongGen.Text.Bench;

/// <summary>
/// Builds a Hugging Face <c>tokenizer.json</c> (Unigram) from a sentencepiece <c>.model</c>, laid out as transformers'
/// T5 converter does (precompiled charsmap normalizer, right strip, runs of spaces to one ▁, Metaspace, <c>&lt;/s&gt;</c>
/// appended), so the Rust tokenizers can run the same model as <see cref="T5Tokenizer"/> for a throughput comparison.
/// </summary>
internal static class HfUnigramJson
{
    private sealed record Piece(string Text, float Score, int Type);

    public static string FromSentencePiece(byte[] model, int unkId, int eosId)
    {
        var (pieces, charsmap) = Parse(model);
        var special = pieces.Select((p, i) => (p, i)).Where(x => x.p.Type is 2 or 3).ToList(); // UNKNOWN, CONTROL
        var eos = pieces[eosId].Text;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var (piece, id) in special)
            {
                w.WriteStartObject();
                w.WriteNumber("id", id);
                w.WriteString("content", piece.Text);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartObject("normalizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("normalizers");
            if (charsmap.Length > 0)
            {
                w.WriteStartObject();
                w.WriteString("type", "Precompiled");
                w.WriteString("precompiled_charsmap", Convert.ToBase64String(charsmap));
                w.WriteEndObject();
            }
            w.WriteStartObject();
            w.WriteString("type", "Strip");
            w.WriteBoolean("strip_left", false);
            w.WriteBoolean("strip_right", true);
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("type", "Replace");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", " {2,}");
            w.WriteEndObject();
            w.WriteString("content", "\u2581");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Metaspace");
            w.WriteString("replacement", "\u2581");
            w.WriteString("prepend_scheme", "always");
            w.WriteBoolean("split", true);
            w.WriteEndObject();

            w.WriteStartObject("post_processor");
            w.WriteString("type", "TemplateProcessing");
            foreach (var (name, sequences) in new[] { ("single", new[] { "A" }), ("pair", new[] { "A", "B" }) })
            {
                w.WriteStartArray(name);
                foreach (var sequence in sequences)
                {
                    w.WriteStartObject();
                    w.WriteStartObject("Sequence");
                    w.WriteString("id", sequence);
                    w.WriteNumber("type_id", 0);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteStartObject();
                    w.WriteStartObject("SpecialToken");
                    w.WriteString("id", eos);
                    w.WriteNumber("type_id", 0);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteStartObject("special_tokens");
            w.WriteStartObject(eos);
            w.WriteString("id", eos);
            w.WriteStartArray("ids");
            w.WriteNumberValue(eosId);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            w.WriteStringValue(eos);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteNull("decoder");
            w.WriteStartObject("model");
            w.WriteString("type", "Unigram");
            w.WriteNumber("unk_id", unkId);
            w.WriteStartArray("vocab");
            foreach (var piece in pieces)
            {
                w.WriteStartArray();
                w.WriteStringValue(piece.Text);
                w.WriteNumberValue(piece.Score);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteBoolean("byte_fallback", false);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The pieces (ModelProto field 1) and the normalizer's precompiled charsmap (field 3, its field 2).</summary>
    private static (List<Piece> Pieces, byte[] Charsmap) Parse(byte[] model)
    {
        var pieces = new List<Piece>();
        var charsmap = Array.Empty<byte>();
        foreach (var (field, value) in Fields(model))
        {
            if (field == 1)
            {
                string text = "";
                float score = 0;
                var type = 1;
                foreach (var (f, v) in Fields(value))
                {
                    if (f == 1) text = Encoding.UTF8.GetString(v);
                    else if (f == 2) score = BinaryPrimitives.ReadSingleLittleEndian(v);
                    else if (f == 3) type = (int)ReadVarint(v, 0).Value;
                }
                pieces.Add(new Piece(text, score, type));
            }
            else if (field == 3)
            {
                foreach (var (f, v) in Fields(value))
                {
                    if (f == 2) charsmap = v;
                }
            }
        }
        return (pieces, charsmap);
    }

    /// <summary>The fields of a protobuf message; varints come back as their encoded bytes.</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var (key, next) = ReadVarint(message, position);
            position = next;
            var field = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    var start = position;
                    position = ReadVarint(message, position).Next;
                    yield return (field, message[start..position]);
                    break;
                case 1:
                    yield return (field, message[position..(position + 8)]);
                    position += 8;
                    break;
                case 2:
                    var (length, after) = ReadVarint(message, position);
                    position = after + (int)length;
                    yield return (field, message[after..position]);
                    break;
                case 5:
                    yield return (field, message[position..(position + 4)]);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {key & 7}");
            }
        }
    }

    private static (ulong Value, int Next) ReadVarint(byte[] data, int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return (value, position);
        }
    }
}
