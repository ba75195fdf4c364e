using SongGen.Model.Codes;

namespace SongGen.Model.Tests.Codes;

/// <summary>Fixture <c>shift_tokens_right</c>: 3-D collated labels with −100 padding and a 2-D case.</summary>
public sealed class ShiftTokensRightFixtureTests
{
    [RequiresFixtureFact("shift_tokens_right")]
    public void Labels_and_2d_ids_shift_exactly()
    {
        using var f = Fixture.Load("shift_tokens_right");
        long pad = f.Config.GetProperty("pad_token_id").GetInt64();
        long start = f.Config.GetProperty("decoder_start_token_id").GetInt64();
        using var shifted = TokenShift.ShiftTokensRight(f.Input("labels"), pad, start);
        TensorAssert.ByFixture(f, "shifted", shifted);
        using var shifted2d = TokenShift.ShiftTokensRight(f.Input("ids_2d"), pad, start);
        TensorAssert.ByFixture(f, "shifted_2d", shifted2d);
    }
}
