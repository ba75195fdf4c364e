using System.Text.Json.Nodes;

namespace SongGen.Model.Config;

/// <summary>
/// <c>generation_config.json</c>. Absent keys take transformers' <c>GenerationConfig</c> defaults (so top-k 50 is
/// active). As transformers does, writing leaves out keys that equal their default unless they were in the file read.
/// Unknown keys are kept in order.
/// </summary>
public sealed class GenerationConfig : HfConfigObject
{
    public const string FileName = "generation_config.json";

    public int? BosTokenId { get; set; }
    public int? DecoderStartTokenId { get; set; }
    public int? PadTokenId { get; set; }
    /// <summary><c>eos_token_id</c>: an integer or a list in the file; null when absent.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; set; }
    public int MaxLength { get; set; } = 20;
    public int? MaxNewTokens { get; set; }
    public int MinLength { get; set; }
    public int? MinNewTokens { get; set; }
    public bool DoSample { get; set; }
    public double Temperature { get; set; } = 1.0;
    public int TopK { get; set; } = 50;
    public double TopP { get; set; } = 1.0;
    public int NumBeams { get; set; } = 1;
    public int NumReturnSequences { get; set; } = 1;
    public bool UseCache { get; set; } = true;
    public string? TransformersVersion { get; set; }

    /// <summary>The single EOS id (the first when a list).</summary>
    public int? EosTokenId
    {
        get => EosTokenIds is { Count: > 0 } l ? l[0] : null;
        set => EosTokenIds = value is null ? null : [value.Value];
    }

    public GenerationConfig Clone()
    {
        var c = (GenerationConfig)MemberwiseClone();
        c.EosTokenIds = EosTokenIds?.ToList();
        c.CopySourceFrom(this);
        return c;
    }

    public static GenerationConfig Load(string path) => FromJsonObject(HfJson.Load(path), path);

    public static GenerationConfig LoadFromDirectory(string directory) => Load(Path.Combine(directory, FileName));

    public static GenerationConfig Parse(string json, string source = FileName) => FromJsonObject(HfJson.ParseRoot(json, source), source);

    public static GenerationConfig FromJsonObject(JsonObject root, string source = FileName)
    {
        var r = new HfConfigReader(root, source, null);
        var d = new GenerationConfig();
        var c = new GenerationConfig
        {
            BosTokenId = r.NullableInt("bos_token_id", null),
            DecoderStartTokenId = r.NullableInt("decoder_start_token_id", null),
            PadTokenId = r.NullableInt("pad_token_id", null),
            EosTokenIds = r.IntOrIntList("eos_token_id", null),
            MaxLength = r.Int("max_length", d.MaxLength),
            MaxNewTokens = r.NullableInt("max_new_tokens", null),
            MinLength = r.Int("min_length", d.MinLength),
            MinNewTokens = r.NullableInt("min_new_tokens", null),
            DoSample = r.Bool("do_sample", d.DoSample),
            Temperature = r.Double("temperature", d.Temperature),
            TopK = r.Int("top_k", d.TopK),
            TopP = r.Double("top_p", d.TopP),
            NumBeams = r.Int("num_beams", d.NumBeams),
            NumReturnSequences = r.Int("num_return_sequences", d.NumReturnSequences),
            UseCache = r.Bool("use_cache", d.UseCache),
            TransformersVersion = r.NullableString("transformers_version", null),
        };
        r.Finish(c);
        if (c.MaxLength <= 0) throw r.Error("max_length", $"must be positive, got {c.MaxLength}");
        if (c.TopK < 0) throw r.Error("top_k", $"must not be negative, got {c.TopK}");
        if (c.Temperature <= 0 && c.DoSample) throw r.Error("temperature", $"must be positive when sampling, got {c.Temperature}");
        if (c.TopP is <= 0 or > 1) throw r.Error("top_p", $"must be in (0, 1], got {c.TopP}");
        if (c.NumBeams <= 0) throw r.Error("num_beams", $"must be positive, got {c.NumBeams}");
        return c;
    }

    public JsonObject ToJsonObject()
    {
        var d = new GenerationConfig();
        var w = new HfConfigWriter(this, omitDefaults: true);
        w.NullableInt("bos_token_id", BosTokenId, writeNull: false);
        w.NullableInt("decoder_start_token_id", DecoderStartTokenId, writeNull: false);
        w.Bool("do_sample", DoSample, d.DoSample);
        w.IntOrIntList("eos_token_id", EosTokenIds, writeNull: false);
        w.Int("max_length", MaxLength, d.MaxLength);
        w.NullableInt("max_new_tokens", MaxNewTokens, writeNull: false);
        w.Int("min_length", MinLength, d.MinLength);
        w.NullableInt("min_new_tokens", MinNewTokens, writeNull: false);
        w.Int("num_beams", NumBeams, d.NumBeams);
        w.Int("num_return_sequences", NumReturnSequences, d.NumReturnSequences);
        w.NullableInt("pad_token_id", PadTokenId, writeNull: false);
        w.Double("temperature", Temperature, d.Temperature);
        w.Int("top_k", TopK, d.TopK);
        w.Double("top_p", TopP, d.TopP);
        w.String("transformers_version", TransformersVersion);
        w.Bool("use_cache", UseCache, d.UseCache);
        return w.Build();
    }

    public string ToJsonString() => HfJson.Format(ToJsonObject());

    public void Save(string path) => File.WriteAllText(path, ToJsonString());

    public void SaveToDirectory(string directory) => Save(Path.Combine(directory, FileName));
}
