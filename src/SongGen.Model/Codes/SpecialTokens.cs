using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Codes;

/// <summary>
/// The special token ids of the SongGen decoder vocabulary (1088 rows: codes 0..1023, then specials).
/// Codec codes are 0..1023; PAD and EOS share 1024; BOS (= decoder start) is 1025. The track ids 1030..1040 only
/// appear in preprocessing/collation of per-track codes and are remapped to BOS/EOS before the decoder sees them.
/// </summary>
public static class SpecialTokens
{
    /// <summary>Number of codec codes per codebook (X-Codec bins): ids 0..1023.</summary>
    public const int CodebookSize = 1024;
    /// <summary>Decoder vocabulary (embedding rows, head outputs): 1024 codes + 64 specials.</summary>
    public const int VocabularySize = 1088;

    public const int Pad = 1024;
    public const int Eos = 1024;
    public const int Bos = 1025;
    /// <summary>Decoder start token (= <see cref="Bos"/>).</summary>
    public const int DecoderStart = Bos;

    /// <summary>Ignore index of the collated labels.</summary>
    public const int IgnoreIndex = -100;

    public const int Mask = 1030;
    public const int RandomBos = 1031;
    public const int RandomEos = 1032;
    public const int MelodyBos = 1033;
    public const int MelodyEos = 1034;
    public const int DrumBos = 1035;
    public const int DrumEos = 1036;
    public const int VocalBos = 1037;
    public const int VocalEos = 1038;
    public const int AccBos = 1039;
    public const int AccEos = 1040;

    /// <summary>The (bos, eos) pair used when preprocessing one track ("acc", "vocal", "drum", "melody", "random").</summary>
    public static (int Bos, int Eos) TrackIds(string track) => track switch
    {
        "acc" => (AccBos, AccEos),
        "vocal" => (VocalBos, VocalEos),
        "drum" => (DrumBos, DrumEos),
        "melody" => (MelodyBos, MelodyEos),
        "random" => (RandomBos, RandomEos),
        _ => throw new ArgumentException($"unknown track '{track}'", nameof(track)),
    };

    /// <summary>True for a track-specific begin id (1031, 1033, 1035, 1037, 1039).</summary>
    public static bool IsTrackBos(long id) => id is RandomBos or MelodyBos or DrumBos or VocalBos or AccBos;
    /// <summary>True for a track-specific end id (1032, 1034, 1036, 1038, 1040).</summary>
    public static bool IsTrackEos(long id) => id is RandomEos or MelodyEos or DrumEos or VocalEos or AccEos;

    /// <summary>
    /// Remaps the track-specific begin ids (1031/1033/1035/1037/1039) to <see cref="Bos"/> and the end ids
    /// (1032/1034/1036/1038/1040) to <see cref="Eos"/>, as collation does before the decoder. Other ids (codes, 1024,
    /// 1025, the mask id 1030, -100) are unchanged. Returns a new tensor.
    /// </summary>
    public static Tensor RemapTrackIds(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var result = ids.clone();
        foreach (var id in new[] { RandomBos, MelodyBos, DrumBos, VocalBos, AccBos })
            result.masked_fill_(ids.eq(id), Bos);
        foreach (var id in new[] { RandomEos, MelodyEos, DrumEos, VocalEos, AccEos })
            result.masked_fill_(ids.eq(id), Eos);
        return result.MoveToOuterDisposeScope();
    }
}
