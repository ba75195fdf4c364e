using static TorchSharp.torch;

namespace SongGen.Model.Lyrics;

/// <summary>
/// The espnet relative positional table of the lyrics Conformer, computed on the fly (the reference keeps it as a
/// plain attribute, so it is never saved). Row order r = T−1 … −(T−1); features interleaved:
/// <c>pe(r)[2k] = sin(r·w_k)</c>, <c>pe(r)[2k+1] = cos(r·w_k)</c>, <c>w_k = exp(2k·(−ln(10000)/d))</c>, all in float32.
/// </summary>
public static class RelativePositionalEncoding
{
    /// <summary>The slice used for a sequence of length <paramref name="length"/>: <c>(1, 2T−1, d)</c>, float32.</summary>
    public static Tensor Table(long length, long dModel, long maxLength = 5000, Device? device = null)
    {
        if (length > maxLength) throw new ArgumentOutOfRangeException(nameof(length), $"length {length} exceeds the positional table ({maxLength})");
        if (dModel % 2 != 0) throw new ArgumentException("d_model must be even", nameof(dModel));
        using var scope = NewDisposeScope();
        var step = (float)(-Math.Log(10000.0) / dModel);
        var divTerm = exp(arange(0, dModel, 2, dtype: ScalarType.Int64).to_type(ScalarType.Float32) * step); // (d/2)
        // Positive and negative rows use |r|·w then the sign: sin(−x) = −sin(x), cos(−x) = cos(x) exactly in float32.
        var r = arange(length - 1, -length, -1, dtype: ScalarType.Int64);                                     // (2T−1)
        var magnitude = r.abs().to_type(ScalarType.Float32).unsqueeze(1) * divTerm.unsqueeze(0);               // (2T−1, d/2)
        var sign = r.sign().to_type(ScalarType.Float32).unsqueeze(1);
        var sinPart = sin(magnitude) * where(sign < 0, -1f, 1f);
        var cosPart = cos(magnitude);
        var table = stack([sinPart, cosPart], 2).reshape(1, 2 * length - 1, dModel);
        if (device is not null) table = table.to(device);
        return table.MoveToOuterDisposeScope();
    }
}
