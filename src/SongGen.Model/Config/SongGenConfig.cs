using System.Text.Json.Nodes;

namespace SongGen.Model.Config;

/// <summary>
/// SongGen's <c>config.json</c> (model_type <c>songgen</c>): top-level keys, the T5 <see cref="TextEncoder"/> and the
/// audio <see cref="Decoder"/>. Unknown keys at every level are kept (<see cref="HfConfigObject.ExtensionData"/>)
/// and written back in their original order. There is no <c>audio_encoder</c> section: the codec is fixed.
/// </summary>
public sealed class SongGenConfig : HfConfigObject
{
    public const string FileName = "config.json";

    public string ModelType { get; set; } = "songgen";
    public string? NameOrPath { get; set; }
    public IReadOnlyList<string>? Architectures { get; set; }
    public bool IsEncoderDecoder { get; set; } = true;
    /// <summary>Rows of the lyrics (prompt) embedding <c>embed_prompts</c>.</summary>
    public int VocabSize { get; set; } = 7000;
    /// <summary>Lyrics go to cross-attention (after the description) rather than before the decoder input.</summary>
    public bool PromptCrossAttention { get; set; } = true;
    /// <summary>Lyrics pass through the Conformer <c>lyrics_encoder</c>.</summary>
    public bool AddPrenet { get; set; } = true;
    public int? PadTokenId { get; set; } = 1024;
    public int? DecoderStartTokenId { get; set; } = 1025;
    public string? TorchDtype { get; set; }
    public string? TransformersVersion { get; set; }
    public TextEncoderConfig TextEncoder { get; set; } = new();
    public SongGenDecoderConfig Decoder { get; set; } = new();
    /// <summary>The lyrics Conformer's sizes (<c>lyrics_encoder</c>); null (the released models): the reference's fixed sizes.</summary>
    public LyricsEncoderConfig? LyricsEncoder { get; set; }

    /// <summary>The input sampling rate the reference reports (<c>config.sampling_rate</c>, a constant).</summary>
    public int SamplingRate => 16000;

    public TrackPattern TrackPattern => Decoder.TrackPattern;

    public SongGenConfig Clone()
    {
        var c = (SongGenConfig)MemberwiseClone();
        c.Architectures = Architectures?.ToList();
        c.TextEncoder = TextEncoder.Clone();
        c.Decoder = Decoder.Clone();
        c.LyricsEncoder = LyricsEncoder?.Clone();
        c.CopySourceFrom(this);
        return c;
    }

    /// <summary>Reads a <c>config.json</c> file; errors name the file and key.</summary>
    public static SongGenConfig Load(string path) => FromJsonObject(HfJson.Load(path), path);

    /// <summary>Reads <c>config.json</c> from a model folder.</summary>
    public static SongGenConfig LoadFromDirectory(string directory) => Load(Path.Combine(directory, FileName));

    /// <summary>Parses JSON text; <paramref name="source"/> names it in errors.</summary>
    public static SongGenConfig Parse(string json, string source = FileName) => FromJsonObject(HfJson.ParseRoot(json, source), source);

    public static SongGenConfig FromJsonObject(JsonObject root, string source = FileName)
    {
        var r = new HfConfigReader(root, source, null);
        var d = new SongGenConfig();
        var c = new SongGenConfig
        {
            NameOrPath = r.NullableString("_name_or_path", null),
            Architectures = r.StringList("architectures", null),
            ModelType = r.String("model_type", d.ModelType),
            IsEncoderDecoder = r.Bool("is_encoder_decoder", d.IsEncoderDecoder),
            VocabSize = r.Int("vocab_size", d.VocabSize),
            PromptCrossAttention = r.Bool("prompt_cross_attention", d.PromptCrossAttention),
            AddPrenet = r.Bool("add_prenet", d.AddPrenet),
            PadTokenId = r.NullableInt("pad_token_id", d.PadTokenId),
            DecoderStartTokenId = r.NullableInt("decoder_start_token_id", d.DecoderStartTokenId),
            TorchDtype = r.NullableString("torch_dtype", null),
            TransformersVersion = r.NullableString("transformers_version", null),
            TextEncoder = TextEncoderConfig.Read(r.RequiredObject("text_encoder"), source, "text_encoder"),
            Decoder = SongGenDecoderConfig.Read(r.RequiredObject("decoder"), source, "decoder"),
            LyricsEncoder = r.Has(LyricsEncoderConfig.Key)
                ? LyricsEncoderConfig.Read(r.RequiredObject(LyricsEncoderConfig.Key), source, LyricsEncoderConfig.Key)
                : null,
        };
        r.Finish(c);
        if (c.VocabSize <= 0) throw r.Error("vocab_size", $"must be positive, got {c.VocabSize}");
        return c;
    }

    /// <summary>Checks the typed values (as loading does); <paramref name="source"/> names the config in errors.</summary>
    public void Validate(string source = FileName)
    {
        if (VocabSize <= 0) throw new SongGenConfigException(source, "vocab_size", $"must be positive, got {VocabSize}");
        TextEncoder.Validate(source, "text_encoder");
        Decoder.Validate(source, "decoder");
        LyricsEncoder?.Validate(source, LyricsEncoderConfig.Key);
    }

    public JsonObject ToJsonObject()
    {
        var w = new HfConfigWriter(this);
        w.String("_name_or_path", NameOrPath);
        w.Bool("add_prenet", AddPrenet);
        w.StringList("architectures", Architectures);
        w.Object("decoder", Decoder.Write());
        w.NullableInt("decoder_start_token_id", DecoderStartTokenId, writeNull: false);
        w.Bool("is_encoder_decoder", IsEncoderDecoder);
        if (LyricsEncoder is not null) w.Object(LyricsEncoderConfig.Key, LyricsEncoder.Write());
        w.String("model_type", ModelType);
        w.NullableInt("pad_token_id", PadTokenId, writeNull: false);
        w.Bool("prompt_cross_attention", PromptCrossAttention);
        w.Object("text_encoder", TextEncoder.Write());
        w.String("torch_dtype", TorchDtype);
        w.String("transformers_version", TransformersVersion);
        w.Int("vocab_size", VocabSize);
        return w.Build();
    }

    /// <summary>The JSON text: 2-space indentation, trailing newline.</summary>
    public string ToJsonString() => HfJson.Format(ToJsonObject());

    public void Save(string path) => File.WriteAllText(path, ToJsonString());

    public void SaveToDirectory(string directory) => Save(Path.Combine(directory, FileName));
}
