using SongGen.Model.Codes;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Codes;

/// <summary>Fixture <c>loss_weights</c>: the curriculum at every (step, total) point, for K = 8 and K = 4.</summary>
public sealed class LossWeightsFixtureTests
{
    [RequiresFixtureFact("loss_weights")]
    public void Every_point_matches_for_every_codebook_count()
    {
        using var f = Fixture.Load("loss_weights");
        var steps = f.Input("step").to_type(ScalarType.Int64).data<long>().ToArray();
        var totals = f.Input("total_steps").to_type(ScalarType.Int64).data<long>().ToArray();
        var outputs = f.Tensors.Keys.Where(key => key.StartsWith("outputs.weights")).Select(key => key["outputs.".Length..]).ToList();
        Assert.NotEmpty(outputs);
        foreach (var output in outputs)
        {
            var expected = f.Output(output);
            int k = (int)expected.shape[1];   // weights: 8 (default), weights_k4: 4
            Assert.Equal(steps.Length, (int)expected.shape[0]);
            using var actual = stack(steps.Select((s, i) => LossWeightCurriculum.Weights(s, totals[i], k)).ToArray());
            Assert.Equal(ScalarType.Float32, actual.dtype);
            TensorAssert.ByFixture(f, output, actual);
        }
    }
}
