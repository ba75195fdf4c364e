using System.Text.Json.Nodes;

namespace SongGen.Model.Config;

/// <summary>
/// The audio-token decoder's config (<c>decoder</c> in SongGen's <c>config.json</c>, model_type <c>songgen_decoder</c>).
/// Defaults for absent keys are the released values (<c>init_model_mixed.py</c>); the reference class defaults were
/// not available, so a file relying on them should be checked.
/// </summary>
public sealed class SongGenDecoderConfig : HfConfigObject
{
    public string ModelType { get; set; } = "songgen_decoder";
    public string? NameOrPath { get; set; }
    public IReadOnlyList<string>? Architectures { get; set; }
    /// <summary>Rows of each token embedding and outputs of each LM head (1024 codes + 64 specials).</summary>
    public int VocabSize { get; set; } = 1088;
    public int MaxPositionEmbeddings { get; set; } = 6547;
    public int HiddenSize { get; set; } = 1024;
    public int FfnDim { get; set; } = 4096;
    public int NumHiddenLayers { get; set; } = 24;
    public int NumAttentionHeads { get; set; } = 16;
    /// <summary>null means <see cref="NumAttentionHeads"/>.</summary>
    public int? NumKeyValueHeads { get; set; } = 16;
    /// <summary>null means the self-attention key/value head count.</summary>
    public int? NumCrossAttentionKeyValueHeads { get; set; } = 16;
    public double Dropout { get; set; } = 0.1;
    public double AttentionDropout { get; set; }
    public double ActivationDropout { get; set; }
    /// <summary><c>gelu</c> = exact erf GELU.</summary>
    public string ActivationFunction { get; set; } = "gelu";
    public double InitializerFactor { get; set; } = 0.02;
    public double Layerdrop { get; set; }
    public bool UseCache { get; set; } = true;
    public bool ScaleEmbedding { get; set; }
    /// <summary>Codebooks per track (X-Codec: 8).</summary>
    public int NumCodebooks { get; set; } = 8;
    public bool RopeEmbeddings { get; set; }
    public double RopeTheta { get; set; } = 10000.0;
    public string? CrossAttentionImplementationStrategy { get; set; }
    public TrackPattern TrackPattern { get; set; } = TrackPattern.MixedPro;
    /// <summary>Adds <c>vocal_lm_heads</c> (auxiliary vocal loss); only with <see cref="TrackPattern.MixedPro"/>.</summary>
    public bool AddVocalLoss { get; set; }
    public int? PadTokenId { get; set; } = 1024;
    public int? BosTokenId { get; set; } = 1025;
    public int? EosTokenId { get; set; } = 1024;
    public bool TieWordEmbeddings { get; set; }

    public int HeadDim => HiddenSize / NumAttentionHeads;
    public int EffectiveNumKeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    public int EffectiveNumCrossAttentionKeyValueHeads => NumCrossAttentionKeyValueHeads ?? EffectiveNumKeyValueHeads;
    /// <summary>Token embeddings (summed) = codebook rows read per step: 8, or 16 for parallel patterns.</summary>
    public int NumEmbedTokens => TrackPattern.NumStreams(NumCodebooks);
    /// <summary>LM heads (<c>lm_heads</c>), as many as <see cref="NumEmbedTokens"/>.</summary>
    public int NumLmHeads => TrackPattern.NumStreams(NumCodebooks);
    /// <summary>Whether <c>vocal_lm_heads</c> exist (one per codebook).</summary>
    public bool HasVocalLmHeads => AddVocalLoss;

    public SongGenDecoderConfig Clone()
    {
        var c = (SongGenDecoderConfig)MemberwiseClone();
        c.Architectures = Architectures?.ToList();
        c.CopySourceFrom(this);
        return c;
    }

    internal static SongGenDecoderConfig Read(JsonObject obj, string file, string prefix)
    {
        var r = new HfConfigReader(obj, file, prefix);
        var d = new SongGenDecoderConfig();
        var c = new SongGenDecoderConfig
        {
            NameOrPath = r.NullableString("_name_or_path", null),
            Architectures = r.StringList("architectures", null),
            ModelType = r.String("model_type", d.ModelType),
            VocabSize = r.Int("vocab_size", d.VocabSize),
            MaxPositionEmbeddings = r.Int("max_position_embeddings", d.MaxPositionEmbeddings),
            HiddenSize = r.Int("hidden_size", d.HiddenSize),
            FfnDim = r.Int("ffn_dim", d.FfnDim),
            NumHiddenLayers = r.Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = r.Int("num_attention_heads", d.NumAttentionHeads),
            NumKeyValueHeads = r.NullableInt("num_key_value_heads", d.NumKeyValueHeads),
            NumCrossAttentionKeyValueHeads = r.NullableInt("num_cross_attention_key_value_heads", d.NumCrossAttentionKeyValueHeads),
            Dropout = r.Double("dropout", d.Dropout),
            AttentionDropout = r.Double("attention_dropout", d.AttentionDropout),
            ActivationDropout = r.Double("activation_dropout", d.ActivationDropout),
            ActivationFunction = r.String("activation_function", d.ActivationFunction),
            InitializerFactor = r.Double("initializer_factor", d.InitializerFactor),
            Layerdrop = r.Double("layerdrop", d.Layerdrop),
            UseCache = r.Bool("use_cache", d.UseCache),
            ScaleEmbedding = r.Bool("scale_embedding", d.ScaleEmbedding),
            NumCodebooks = r.Int("num_codebooks", d.NumCodebooks),
            RopeEmbeddings = r.Bool("rope_embeddings", d.RopeEmbeddings),
            RopeTheta = r.Double("rope_theta", d.RopeTheta),
            CrossAttentionImplementationStrategy = r.NullableString("cross_attention_implementation_strategy", null),
            AddVocalLoss = r.Bool("add_vocal_loss", d.AddVocalLoss),
            PadTokenId = r.NullableInt("pad_token_id", d.PadTokenId),
            BosTokenId = r.NullableInt("bos_token_id", d.BosTokenId),
            EosTokenId = r.NullableInt("eos_token_id", d.EosTokenId),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", d.TieWordEmbeddings),
        };
        var pattern = r.String("track_pattern", d.TrackPattern.ToHfName());
        if (!TrackPatterns.TryParse(pattern, out var p))
            throw r.Error("track_pattern", $"unknown track pattern '{pattern}'; expected one of {string.Join(", ", TrackPatterns.All.Select(x => x.ToHfName()))}");
        c.TrackPattern = p;
        r.Finish(c);
        c.Validate(file, prefix);
        return c;
    }

    internal void Validate(string file, string? prefix)
    {
        string P(string k) => prefix is null ? k : prefix + "." + k;
        void Positive(string key, int v) { if (v <= 0) throw new SongGenConfigException(file, P(key), $"must be positive, got {v}"); }
        Positive("vocab_size", VocabSize);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        Positive("hidden_size", HiddenSize);
        Positive("ffn_dim", FfnDim);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("num_codebooks", NumCodebooks);
        if (HiddenSize % NumAttentionHeads != 0)
            throw new SongGenConfigException(file, P("num_attention_heads"), $"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (NumKeyValueHeads is { } kv && (kv <= 0 || NumAttentionHeads % kv != 0))
            throw new SongGenConfigException(file, P("num_key_value_heads"), $"{kv} does not divide num_attention_heads {NumAttentionHeads}");
        if (NumCrossAttentionKeyValueHeads is { } ckv && (ckv <= 0 || NumAttentionHeads % ckv != 0))
            throw new SongGenConfigException(file, P("num_cross_attention_key_value_heads"), $"{ckv} does not divide num_attention_heads {NumAttentionHeads}");
        if (AddVocalLoss && !TrackPattern.AllowsVocalLoss())
            throw new SongGenConfigException(file, P("add_vocal_loss"), $"true is only allowed with track_pattern 'mixed_pro', not '{TrackPattern.ToHfName()}'");
        foreach (var (key, id) in new[] { ("pad_token_id", PadTokenId), ("bos_token_id", BosTokenId), ("eos_token_id", EosTokenId) })
            if (id is { } v && (v < 0 || v >= VocabSize))
                throw new SongGenConfigException(file, P(key), $"{v} is outside the vocabulary (vocab_size {VocabSize})");
    }

    internal JsonObject Write()
    {
        var w = new HfConfigWriter(this);
        w.String("_name_or_path", NameOrPath);
        w.Double("activation_dropout", ActivationDropout);
        w.String("activation_function", ActivationFunction);
        w.Bool("add_vocal_loss", AddVocalLoss);
        w.StringList("architectures", Architectures);
        w.Double("attention_dropout", AttentionDropout);
        w.NullableInt("bos_token_id", BosTokenId, writeNull: true);
        w.String("cross_attention_implementation_strategy", CrossAttentionImplementationStrategy, writeNull: true);
        w.Double("dropout", Dropout);
        w.NullableInt("eos_token_id", EosTokenId, writeNull: true);
        w.Int("ffn_dim", FfnDim);
        w.Int("hidden_size", HiddenSize);
        w.Double("initializer_factor", InitializerFactor);
        w.Double("layerdrop", Layerdrop);
        w.Int("max_position_embeddings", MaxPositionEmbeddings);
        w.String("model_type", ModelType);
        w.Int("num_attention_heads", NumAttentionHeads);
        w.Int("num_codebooks", NumCodebooks);
        w.NullableInt("num_cross_attention_key_value_heads", NumCrossAttentionKeyValueHeads, writeNull: true);
        w.Int("num_hidden_layers", NumHiddenLayers);
        w.NullableInt("num_key_value_heads", NumKeyValueHeads, writeNull: true);
        w.NullableInt("pad_token_id", PadTokenId, writeNull: true);
        w.Bool("rope_embeddings", RopeEmbeddings);
        w.Double("rope_theta", RopeTheta);
        w.Bool("scale_embedding", ScaleEmbedding);
        w.Bool("tie_word_embeddings", TieWordEmbeddings);
        w.String("track_pattern", TrackPattern.ToHfName());
        w.Bool("use_cache", UseCache);
        w.Int("vocab_size", VocabSize);
        return w.Build();
    }
}
