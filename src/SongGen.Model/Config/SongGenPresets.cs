namespace SongGen.Model.Config;

/// <summary>
/// Configs of the released checkpoints (shapes as in the released state dicts) and tiny configs of the same layout
/// for tests. Every call returns a new, independent object.
/// </summary>
public static class SongGenPresets
{
    /// <summary>The released mixed_pro checkpoint (mixed track, with the 8 <c>vocal_lm_heads</c>).</summary>
    public static SongGenConfig MixedPro => Released(TrackPattern.MixedPro);

    /// <summary>The released dual-track interleaving_A_V checkpoint.</summary>
    public static SongGenConfig InterleavingAV => Released(TrackPattern.InterleavingAV);

    /// <summary>The released model size with another pattern (only mixed_pro and interleaving_A_V were released).</summary>
    public static SongGenConfig Mixed => Released(TrackPattern.Mixed);
    public static SongGenConfig ParallelStd => Released(TrackPattern.ParallelStd);
    public static SongGenConfig ParallelAV => Released(TrackPattern.ParallelAV);
    public static SongGenConfig ParallelVA => Released(TrackPattern.ParallelVA);
    public static SongGenConfig InterleavingVA => Released(TrackPattern.InterleavingVA);

    /// <summary>The released model size: flan-T5-large description encoder, 24-layer 1024-wide decoder.
    /// <c>add_vocal_loss</c> is set for mixed_pro only.</summary>
    public static SongGenConfig Released(TrackPattern pattern) => new()
    {
        Architectures = [pattern.IsDualTrack() ? "SongGenDualTrackForConditionalGeneration" : "SongGenMixedForConditionalGeneration"],
        VocabSize = 7000,
        PromptCrossAttention = true,
        AddPrenet = true,
        PadTokenId = 1024,
        DecoderStartTokenId = 1025,
        TorchDtype = "float32",
        TextEncoder = FlanT5Large(),
        Decoder = ReleasedDecoder(pattern),
    };

    /// <summary><c>google/flan-t5-large</c> (encoder used only).</summary>
    public static TextEncoderConfig FlanT5Large() => new()
    {
        NameOrPath = "google/flan-t5-large",
        Architectures = ["T5ForConditionalGeneration"],
        VocabSize = 32128,
        DModel = 1024,
        DKv = 64,
        DFf = 2816,
        NumLayers = 24,
        NumDecoderLayers = 24,
        NumHeads = 16,
        RelativeAttentionNumBuckets = 32,
        RelativeAttentionMaxDistance = 128,
        DropoutRate = 0.1,
        LayerNormEpsilon = 1e-6,
        InitializerFactor = 1.0,
        FeedForwardProj = "gated-gelu",
        TieWordEmbeddings = false,
        PadTokenId = 0,
        EosTokenId = 1,
        DecoderStartTokenId = 0,
    };

    /// <summary>The released decoder (<c>init_model_mixed.py</c>) with the given pattern.</summary>
    public static SongGenDecoderConfig ReleasedDecoder(TrackPattern pattern) => new()
    {
        Architectures = ["SongGenForCausalLM"],
        VocabSize = 1088,
        MaxPositionEmbeddings = 6547,
        HiddenSize = 1024,
        FfnDim = 4096,
        NumHiddenLayers = 24,
        NumAttentionHeads = 16,
        NumKeyValueHeads = 16,
        NumCrossAttentionKeyValueHeads = 16,
        NumCodebooks = 8,
        TrackPattern = pattern,
        AddVocalLoss = pattern.AllowsVocalLoss(),
        PadTokenId = 1024,
        BosTokenId = 1025,
        EosTokenId = 1024,
    };

    /// <summary><c>generation_config.json</c> as <c>init_model_mixed.py</c> writes it: BOS 1025, PAD = EOS 1024,
    /// <c>max_length</c> 1500 (30 s at 50 frames/s), sampling (with the default top-k 50).
    /// The interleaving checkpoint's value is unverified; its training evaluation used 3000.</summary>
    public static GenerationConfig Generation(TrackPattern pattern = TrackPattern.MixedPro) => new()
    {
        BosTokenId = 1025,
        DecoderStartTokenId = 1025,
        PadTokenId = 1024,
        EosTokenId = 1024,
        MaxLength = 1500,
        DoSample = true,
    };

    /// <summary>A tiny config of the same layout for tests: 32-wide, 2-layer decoder with 4 heads and the real
    /// vocabulary (1088, so the special ids stay valid); 32-wide 2-layer gated-gelu T5 with a 128-token vocabulary;
    /// 7000 lyrics rows (the real lyrics tokenizer's ids stay valid); a 32-wide 2-block lyrics Conformer.</summary>
    public static SongGenConfig Tiny(TrackPattern pattern)
    {
        var c = Released(pattern);
        c.TextEncoder = new TextEncoderConfig
        {
            NameOrPath = "tiny-t5",
            VocabSize = 128,
            DModel = 32,
            DKv = 8,
            DFf = 64,
            NumLayers = 2,
            NumHeads = 4,
            RelativeAttentionNumBuckets = 8,
            RelativeAttentionMaxDistance = 16,
            FeedForwardProj = "gated-gelu",
            TieWordEmbeddings = false,
        };
        var d = c.Decoder;
        d.HiddenSize = 32;
        d.FfnDim = 64;
        d.NumHiddenLayers = 2;
        d.NumAttentionHeads = 4;
        d.NumKeyValueHeads = 4;
        d.NumCrossAttentionKeyValueHeads = 4;
        d.MaxPositionEmbeddings = 256;
        c.LyricsEncoder = new LyricsEncoderConfig { OutputSize = 32, AttentionHeads = 4, LinearUnits = 64, NumBlocks = 2 };
        return c;
    }

    /// <summary>Generation settings for <see cref="Tiny"/>: as <see cref="Generation"/> with <c>max_length</c> 40.</summary>
    public static GenerationConfig TinyGeneration(TrackPattern pattern = TrackPattern.MixedPro)
    {
        var g = Generation(pattern);
        g.MaxLength = 40;
        return g;
    }
}
