namespace SongGen.Text.Tests;

public class FormatTests
{
    [Fact]
    public void Bos_patch_rewrites_only_a_negative_bos_id()
    {
        var model = File.ReadAllBytes(TestData.Fixture("t5-small-test.model"));
        var patched = SentencePieceModelPatch.WithNonNegativeBosId(model, 0);
        Assert.NotEqual(model.Length, patched.Length); // -1 takes a 10-byte varint, 0 one byte
        Assert.Same(patched, SentencePieceModelPatch.WithNonNegativeBosId(patched, 5));
    }

    [Theory]
    [InlineData("""{"normalizer":{"type":"NFC"},"model":{"type":"BPE","vocab":{},"merges":[]}}""")]
    [InlineData("""{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{},"merges":[]}}""")]
    [InlineData("""{"model":{"type":"BPE","vocab":{},"merges":[],"continuing_subword_prefix":"##"}}""")]
    [InlineData("""{"model":{"type":"WordPiece","vocab":{}}}""")]
    [InlineData("""{"added_tokens":[{"id":0,"content":"[X]","lstrip":true}],"model":{"type":"BPE","vocab":{"[X]":0},"merges":[]}}""")]
    public void Unsupported_tokenizer_json_options_are_refused(string json) =>
        Assert.Throws<NotSupportedException>(() => BpeTokenizerJson.Parse(json));

    [Fact]
    public void Merges_with_unknown_tokens_are_refused() =>
        Assert.Throws<InvalidDataException>(() => BpeTokenizerJson.Parse("""{"model":{"type":"BPE","vocab":{"a":0},"merges":["a b"]}}"""));
}
