using System.Text.Json.Nodes;

namespace SongGen.Model.Config;

/// <summary>
/// The description encoder's T5 config (<c>text_encoder</c> in SongGen's <c>config.json</c>; only the encoder is used).
/// Defaults for absent keys are transformers' <c>T5Config</c> defaults; the released models use flan-T5-large
/// (see <see cref="SongGenPresets.FlanT5Large"/>).
/// </summary>
public sealed class TextEncoderConfig : HfConfigObject
{
    public string ModelType { get; set; } = "t5";
    public string? NameOrPath { get; set; }
    public IReadOnlyList<string>? Architectures { get; set; }
    public int VocabSize { get; set; } = 32128;
    public int DModel { get; set; } = 512;
    public int DKv { get; set; } = 64;
    public int DFf { get; set; } = 2048;
    public int NumLayers { get; set; } = 6;
    /// <summary><c>num_decoder_layers</c>; null means <see cref="NumLayers"/> (T5's rule). Unused by SongGen.</summary>
    public int? NumDecoderLayers { get; set; }
    public int NumHeads { get; set; } = 8;
    public int RelativeAttentionNumBuckets { get; set; } = 32;
    public int RelativeAttentionMaxDistance { get; set; } = 128;
    public double DropoutRate { get; set; } = 0.1;
    public double LayerNormEpsilon { get; set; } = 1e-6;
    public double InitializerFactor { get; set; } = 1.0;
    /// <summary><c>feed_forward_proj</c>: <c>relu</c>, <c>gelu</c>, <c>gated-gelu</c>, <c>gated-silu</c>…</summary>
    public string FeedForwardProj { get; set; } = "relu";
    public bool IsEncoderDecoder { get; set; } = true;
    public bool UseCache { get; set; } = true;
    public bool TieWordEmbeddings { get; set; } = true;
    public int? PadTokenId { get; set; } = 0;
    public int? EosTokenId { get; set; } = 1;
    public int? DecoderStartTokenId { get; set; } = 0;

    /// <summary>Gated feed-forward (<c>wi_0</c>, <c>wi_1</c>, <c>wo</c>): <c>feed_forward_proj</c> starts with <c>gated-</c>.</summary>
    public bool IsGatedAct => FeedForwardProj.StartsWith("gated-", StringComparison.Ordinal);

    /// <summary>The activation: the part after <c>gated-</c>, except that <c>gated-gelu</c> means <c>gelu_new</c> (tanh GELU).</summary>
    public string DenseActFn => FeedForwardProj == "gated-gelu" ? "gelu_new" : FeedForwardProj.Split('-')[^1];

    public int InnerDim => NumHeads * DKv;

    public TextEncoderConfig Clone()
    {
        var c = (TextEncoderConfig)MemberwiseClone();
        c.Architectures = Architectures?.ToList();
        c.CopySourceFrom(this);
        return c;
    }

    /// <summary>
    /// Reads a T5 model's own <c>config.json</c> (for example <c>google/flan-t5-large</c>): the text encoder config that
    /// <c>from_sub_models_pretrained</c> copies into the composite. Errors name the file and key.
    /// </summary>
    public static TextEncoderConfig Load(string path)
    {
        var config = Read(HfJson.Load(path), path, null);
        if (config.ModelType != "t5")
            throw new SongGenConfigException(path, "model_type", $"'{config.ModelType}' is not a T5 model (expected 't5')");
        return config;
    }

    internal static TextEncoderConfig Read(JsonObject obj, string file, string? prefix)
    {
        var r = new HfConfigReader(obj, file, prefix);
        var d = new TextEncoderConfig();
        var c = new TextEncoderConfig
        {
            NameOrPath = r.NullableString("_name_or_path", null),
            Architectures = r.StringList("architectures", null),
            ModelType = r.String("model_type", d.ModelType),
            VocabSize = r.Int("vocab_size", d.VocabSize),
            DModel = r.Int("d_model", d.DModel),
            DKv = r.Int("d_kv", d.DKv),
            DFf = r.Int("d_ff", d.DFf),
            NumLayers = r.Int("num_layers", d.NumLayers),
            NumDecoderLayers = r.NullableInt("num_decoder_layers", null),
            NumHeads = r.Int("num_heads", d.NumHeads),
            RelativeAttentionNumBuckets = r.Int("relative_attention_num_buckets", d.RelativeAttentionNumBuckets),
            RelativeAttentionMaxDistance = r.Int("relative_attention_max_distance", d.RelativeAttentionMaxDistance),
            DropoutRate = r.Double("dropout_rate", d.DropoutRate),
            LayerNormEpsilon = r.Double("layer_norm_epsilon", d.LayerNormEpsilon),
            InitializerFactor = r.Double("initializer_factor", d.InitializerFactor),
            FeedForwardProj = r.String("feed_forward_proj", d.FeedForwardProj),
            IsEncoderDecoder = r.Bool("is_encoder_decoder", d.IsEncoderDecoder),
            UseCache = r.Bool("use_cache", d.UseCache),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", d.TieWordEmbeddings),
            PadTokenId = r.NullableInt("pad_token_id", d.PadTokenId),
            EosTokenId = r.NullableInt("eos_token_id", d.EosTokenId),
            DecoderStartTokenId = r.NullableInt("decoder_start_token_id", d.DecoderStartTokenId),
        };
        // Derived keys: written by transformers, recomputed from feed_forward_proj; a contradiction is an error.
        var actFn = r.NullableString("dense_act_fn", null);
        if (actFn is not null && actFn != c.DenseActFn)
            throw r.Error("dense_act_fn", $"'{actFn}' contradicts feed_forward_proj '{c.FeedForwardProj}' (which implies '{c.DenseActFn}')");
        if (r.Has("is_gated_act") && r.Bool("is_gated_act", c.IsGatedAct) != c.IsGatedAct)
            throw r.Error("is_gated_act", $"contradicts feed_forward_proj '{c.FeedForwardProj}'");
        r.Finish(c);
        c.Validate(file, prefix);
        return c;
    }

    internal void Validate(string file, string? prefix)
    {
        string P(string k) => prefix is null ? k : prefix + "." + k;
        void Positive(string key, int v) { if (v <= 0) throw new SongGenConfigException(file, P(key), $"must be positive, got {v}"); }
        Positive("vocab_size", VocabSize);
        Positive("d_model", DModel);
        Positive("d_kv", DKv);
        Positive("d_ff", DFf);
        Positive("num_layers", NumLayers);
        Positive("num_heads", NumHeads);
        Positive("relative_attention_num_buckets", RelativeAttentionNumBuckets);
        Positive("relative_attention_max_distance", RelativeAttentionMaxDistance);
        var parts = FeedForwardProj.Split('-');
        if (parts.Length > 2 || (parts.Length == 2 && parts[0] != "gated") || parts[^1].Length == 0)
            throw new SongGenConfigException(file, P("feed_forward_proj"), $"'{FeedForwardProj}' is not '<act>' or 'gated-<act>'");
    }

    internal JsonObject Write()
    {
        var w = new HfConfigWriter(this);
        w.String("_name_or_path", NameOrPath);
        w.StringList("architectures", Architectures);
        w.Int("d_ff", DFf);
        w.Int("d_kv", DKv);
        w.Int("d_model", DModel);
        w.NullableInt("decoder_start_token_id", DecoderStartTokenId, writeNull: true);
        w.String("dense_act_fn", DenseActFn);
        w.Double("dropout_rate", DropoutRate);
        w.NullableInt("eos_token_id", EosTokenId, writeNull: true);
        w.String("feed_forward_proj", FeedForwardProj);
        w.Double("initializer_factor", InitializerFactor);
        w.Bool("is_encoder_decoder", IsEncoderDecoder);
        w.Bool("is_gated_act", IsGatedAct);
        w.Double("layer_norm_epsilon", LayerNormEpsilon);
        w.String("model_type", ModelType);
        w.NullableInt("num_decoder_layers", NumDecoderLayers, writeNull: false);
        w.Int("num_heads", NumHeads);
        w.Int("num_layers", NumLayers);
        w.NullableInt("pad_token_id", PadTokenId, writeNull: true);
        w.Int("relative_attention_max_distance", RelativeAttentionMaxDistance);
        w.Int("relative_attention_num_buckets", RelativeAttentionNumBuckets);
        w.Bool("tie_word_embeddings", TieWordEmbeddings);
        w.Bool("use_cache", UseCache);
        w.Int("vocab_size", VocabSize);
        return w.Build();
    }
}
