using System.Text.Json.Nodes;

namespace SongGen.Model.Config;

/// <summary>
/// Sizes of the lyrics Conformer, stored under the <c>lyrics_encoder</c> key of <c>config.json</c>. The reference has
/// no such key: its <c>__init__</c> hard-codes output 1024, 16 heads, 4096 linear units and 6 blocks, which is what an
/// absent key means. SongGen.NET writes the key only for other (tiny test) shapes, so that such a model reloads
/// from its own folder; transformers keeps an unknown key as a plain attribute, so the file stays readable there.
/// </summary>
public sealed class LyricsEncoderConfig : HfConfigObject
{
    public const string Key = "lyrics_encoder";

    public int OutputSize { get; set; } = 1024;
    public int AttentionHeads { get; set; } = 16;
    public int LinearUnits { get; set; } = 4096;
    public int NumBlocks { get; set; } = 6;

    public LyricsEncoderConfig Clone()
    {
        var c = (LyricsEncoderConfig)MemberwiseClone();
        c.CopySourceFrom(this);
        return c;
    }

    internal static LyricsEncoderConfig Read(JsonObject obj, string file, string prefix)
    {
        var r = new HfConfigReader(obj, file, prefix);
        var d = new LyricsEncoderConfig();
        var c = new LyricsEncoderConfig
        {
            OutputSize = r.Int("output_size", d.OutputSize),
            AttentionHeads = r.Int("attention_heads", d.AttentionHeads),
            LinearUnits = r.Int("linear_units", d.LinearUnits),
            NumBlocks = r.Int("num_blocks", d.NumBlocks),
        };
        r.Finish(c);
        c.Validate(file, prefix);
        return c;
    }

    internal void Validate(string file, string prefix)
    {
        void Positive(string key, int v)
        {
            if (v <= 0) throw new SongGenConfigException(file, prefix + "." + key, $"must be positive, got {v}");
        }
        Positive("output_size", OutputSize);
        Positive("attention_heads", AttentionHeads);
        Positive("linear_units", LinearUnits);
        Positive("num_blocks", NumBlocks);
        if (OutputSize % AttentionHeads != 0)
            throw new SongGenConfigException(file, prefix + ".attention_heads", $"{AttentionHeads} does not divide output_size {OutputSize}");
    }

    internal JsonObject Write()
    {
        var w = new HfConfigWriter(this);
        w.Int("attention_heads", AttentionHeads);
        w.Int("linear_units", LinearUnits);
        w.Int("num_blocks", NumBlocks);
        w.Int("output_size", OutputSize);
        return w.Build();
    }
}
