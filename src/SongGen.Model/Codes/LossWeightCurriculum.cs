using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Codes;

/// <summary>
/// The codebook loss-weight curriculum of training (dynamic_loss_weights_step): the weights move from the initial
/// [0.25, 0.25, 0.25, 0.05, …] towards uniform 1/K in four stages of the training progress.
/// </summary>
public static class LossWeightCurriculum
{
    /// <summary>Stage boundaries of step/total (float32; a fraction equal to a boundary stays in the lower stage).</summary>
    public static readonly float[] StageBoundaries = { 0.3f, 0.6f, 0.8f };
    /// <summary>Mixing factor towards uniform weights per stage.</summary>
    public static readonly double[] StageAlphas = { 0.0, 0.3, 0.6, 0.8 };

    /// <summary>The initial weights: 0.25 for the first three codebooks, 0.05 for the others (they sum to 1 only for K = 8).</summary>
    public static float[] InitialWeights(int numCodebooks)
    {
        var w = new float[numCodebooks];
        for (int k = 0; k < numCodebooks; k++) w[k] = k < 3 ? 0.25f : 0.05f;
        return w;
    }

    /// <summary>
    /// The stage (0..3) of a training step: step/total computed in float64, rounded to float32 and counted against
    /// the float32 boundaries with frac ≤ boundary staying in the lower stage (bucketize, right=False).
    /// </summary>
    public static int Stage(long step, long totalSteps)
    {
        float fraction = (float)((double)step / totalSteps);
        int stage = 0;
        foreach (var boundary in StageBoundaries)
            if (fraction > boundary) stage++;
        return stage;
    }

    /// <summary>The per-codebook weights as float32 values: (1−α)·w0 + α/K in float32 arithmetic.</summary>
    public static float[] WeightsArray(long step, long totalSteps, int numCodebooks = 8)
    {
        double alpha = StageAlphas[Stage(step, totalSteps)];
        var initial = InitialWeights(numCodebooks);
        float keep = (float)(1.0 - alpha), uniform = (float)(alpha * (1.0 / numCodebooks));
        var w = new float[numCodebooks];
        for (int k = 0; k < numCodebooks; k++) w[k] = keep * initial[k] + uniform;
        return w;
    }

    /// <summary>dynamic_loss_weights_step(step, total_steps, num_codebooks): a float32 tensor (K,).</summary>
    public static Tensor Weights(long step, long totalSteps, int numCodebooks = 8) =>
        tensor(WeightsArray(step, totalSteps, numCodebooks), ScalarType.Float32);
}
