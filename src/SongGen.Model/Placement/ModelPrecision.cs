using System.Globalization;
using TorchSharp;

namespace SongGen.Model.Placement;

/// <summary>
/// The dtype of a model's floating-point weights (and so of its activations). Integer ids, masks and the loss are not
/// affected: the loss is always computed in float32.
/// </summary>
public enum ModelPrecision
{
    /// <summary>float32 weights and activations (default; what the released checkpoints store).</summary>
    Float32,

    /// <summary>
    /// bfloat16 weights and activations, as <c>model.to(torch.bfloat16)</c>: half the memory, and faster matmuls on
    /// CPUs with bf16 instructions and on GPUs. Training then updates bf16 weights directly (no float32 master copy,
    /// unlike the reference's autocast), so small updates can round away over long runs.
    /// </summary>
    BFloat16,
}

/// <summary>Names and dtypes of <see cref="ModelPrecision"/>.</summary>
public static class ModelPrecisions
{
    public const string AcceptedForms = "fp32 (float32) or bf16 (bfloat16)";

    public static torch.ScalarType ToScalarType(this ModelPrecision precision) => precision switch
    {
        ModelPrecision.Float32 => torch.ScalarType.Float32,
        ModelPrecision.BFloat16 => torch.ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>The short name used on command lines and in logs: <c>fp32</c> or <c>bf16</c>.</summary>
    public static string ToShortName(this ModelPrecision precision) => precision switch
    {
        ModelPrecision.Float32 => "fp32",
        ModelPrecision.BFloat16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>Parses <c>fp32</c>, <c>float32</c>, <c>bf16</c> or <c>bfloat16</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other text; the message lists the accepted forms.</exception>
    public static ModelPrecision Parse(string text) => text.Trim().ToLower(CultureInfo.InvariantCulture) switch
    {
        "fp32" or "float32" => ModelPrecision.Float32,
        "bf16" or "bfloat16" => ModelPrecision.BFloat16,
        _ => throw new ArgumentException($"Unknown precision '{text}': expected {AcceptedForms}.", nameof(text)),
    };
}
