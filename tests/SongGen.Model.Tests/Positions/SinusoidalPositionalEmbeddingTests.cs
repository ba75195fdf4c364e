using SongGen.Checkpoints.Binding;
using SongGen.Model.Positions;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SongGen.Model.Tests.Positions;

public sealed class SinusoidalPositionalEmbeddingTests(ITestOutputHelper output)
{
    [Fact]
    public void The_table_is_the_only_state_dict_key_and_is_not_trainable()
    {
        using var module = new SinusoidalPositionalEmbedding(10, 8);
        var keys = module.state_dict().Keys.ToList();
        Assert.Equal(["weights"], keys);
        Assert.False(module.Weights.requires_grad);
        Assert.Equal([10L, 8L], module.Weights.shape);
    }

    [Fact]
    public void Row_zero_is_cos_ones_then_sin_zeros()
    {
        using var table = SinusoidalPositionalEmbedding.BuildTable(3, 6);
        Assert.Equal(new float[] { 1, 1, 1, 0, 0, 0 }, table[0].data<float>().ToArray());
    }

    [RequiresFixtureFact("sinusoidal_positions")]
    public void Matches_the_small_fixture_including_the_self_extension()
    {
        using var f = Fixture.Load("sinusoidal_positions");
        var numPositions = f.Config.GetProperty("num_positions").GetInt64();
        var dim = f.Config.GetProperty("embedding_dim").GetInt64();
        using var module = new SinusoidalPositionalEmbedding(numPositions, dim);
        module.eval();
        output.WriteLine($"weights {Compare.Output(f, "weights", module.Weights):G3}");

        var shape = f.Input("input_shape").data<long>().ToArray();
        var past = f.Input("past_key_values_length").item<long>();
        using (var embeds = zeros(shape))
        using (var slice = module.forward(embeds, past))
            output.WriteLine($"slice {Compare.Output(f, "slice", slice):G3}");

        var expandShape = f.Input("expand_input_shape").data<long>().ToArray();
        using (var embeds = zeros(expandShape))
        using (var slice = module.forward(embeds, 0))
        {
            output.WriteLine($"expand_weights {Compare.Output(f, "expand_weights", module.Weights):G3}");
            output.WriteLine($"expand_slice {Compare.Output(f, "expand_slice", slice):G3}");
        }
        Assert.Equal(["weights"], module.state_dict().Keys.ToList());
    }

    [RequiresFixtureFact("sinusoidal_positions_real")]
    public void Matches_the_real_table_rows_within_the_documented_float32_tolerances()
    {
        using var f = Fixture.Load("sinusoidal_positions_real");
        var numPositions = f.Config.GetProperty("num_positions").GetInt64();
        var dim = f.Config.GetProperty("embedding_dim").GetInt64();
        var rowTolerances = f.Config.GetProperty("row_tolerance_abs");
        var smallTol = rowTolerances.GetProperty("positions<64").GetDouble();
        using var module = new SinusoidalPositionalEmbedding(numPositions, dim);
        Assert.Equal([numPositions, dim], module.Weights.shape);

        var index = f.Input("row_index");
        using var rows = module.Weights.index_select(0, index);
        var all = Compare.Output(f, "rows", rows);
        var expected = f.Output("rows");
        var ids = index.data<long>().ToArray();
        var small = 0.0;
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] >= 64) continue;
            small = Math.Max(small, Compare.MaxAbs(rows[i], expected[i]));
        }
        Assert.True(small <= smallTol, $"rows at positions < 64: {small:G4} > {smallTol:G4}");
        output.WriteLine($"rows: all {all:G3}, positions<64 {small:G3}");
    }

    [RequiresFixtureFact("sinusoidal_positions_real")]
    public void A_loaded_table_is_returned_verbatim()
    {
        using var f = Fixture.Load("sinusoidal_positions_real");
        var dim = f.Config.GetProperty("embedding_dim").GetInt64();
        var index = f.Input("row_index").data<long>().ToArray();
        var rows = index.Max() + 1;
        using var table = zeros(rows, dim);
        table.index_copy_(0, f.Input("row_index"), f.Output("rows"));
        using var module = new SinusoidalPositionalEmbedding(rows, dim);
        var report = StateDictLoader.Load(module, new Dictionary<string, Tensor> { ["weights"] = table });
        Assert.True(report.IsExact);
        using var got = module.Positions(1, index[^1]);
        using var same = got[0].eq(f.Output("rows")[^1]).all();
        Assert.True(same.item<bool>());
    }
}
