using SongGen.Model.Config;

namespace SongGen.Model.Bench;

/// <summary>
/// Matmul FLOPs of one decoder training step, counted analytically (a multiply-add is 2 FLOPs). With S decoder positions
/// per item (frames + K for the delay), M memory positions, width D, FFN width F, L layers, V vocabulary rows and
/// Hd output heads (K lm_heads, plus K vocal heads for mixed_pro), the forward per item is
/// <code>
///   per layer:  self-attention q,k,v,out  4 · 2·S·D²
///               cross-attention q,out     2 · 2·S·D²
///               cross-attention k,v       2 · 2·M·D²
///               FFN fc1, fc2              2 · 2·S·D·F
///               self scores and values    2 · 2·S²·D / 2   (causal: only the lower triangle is needed)
///               cross scores and values   2 · 2·S·M·D
///   heads:      Hd · 2·S·D·V
/// </code>
/// and a training step is 3× the forward: the backward of each matmul computes the gradient of both operands
/// (the memory requires grad, as it does when the conditioning encoders train). Embeddings, norms, GELU, softmax,
/// the loss and the optimizer are elementwise (O(S·D) or O(parameters)) and are not counted.
/// </summary>
internal static class DecoderFlops
{
    public static double Forward(SongGenDecoderConfig config, long batch, long positions, long memory)
    {
        double s = positions, m = memory, d = config.HiddenSize, f = config.FfnDim, v = config.VocabSize;
        double heads = config.NumLmHeads + (config.HasVocalLmHeads ? config.NumCodebooks : 0);
        double perLayer = 4 * 2 * s * d * d
                        + 2 * 2 * s * d * d
                        + 2 * 2 * m * d * d
                        + 2 * 2 * s * d * f
                        + 2 * 2 * s * s * d / 2
                        + 2 * 2 * s * m * d;
        return batch * (config.NumHiddenLayers * perLayer + heads * 2 * s * d * v);
    }

    public static double TrainingStep(SongGenDecoderConfig config, long batch, long positions, long memory) =>
        3 * Forward(config, batch, positions, memory);
}
