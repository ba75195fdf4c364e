using SongGen.Model.Config;

namespace SongGen.Model.Tests.Config;

public sealed class ConfigErrorTests
{
    private static SongGenConfigException Fails(string json, string source = "model/config.json") =>
        Assert.Throws<SongGenConfigException>(() => SongGenConfig.Parse(json, source));

    private static string WithDecoder(string decoderBody) => "{\"text_encoder\": {}, \"decoder\": {" + decoderBody + "}}";

    [Fact]
    public void Malformed_json_names_the_file_and_position()
    {
        var e = Fails("{\n  \"vocab_size\": 7000,\n  \"decoder\": {\n}");
        Assert.Equal("model/config.json", e.File);
        Assert.Null(e.Key);
        Assert.Contains("model/config.json", e.Message);
        Assert.Contains("malformed JSON", e.Message);
        Assert.Contains("line", e.Message);
    }

    [Fact]
    public void Trailing_commas_and_duplicate_keys_are_malformed()
    {
        Assert.Contains("malformed JSON", Fails("""{"text_encoder": {}, "decoder": {},}""").Message);
        Assert.Contains("malformed JSON", Fails("""{"text_encoder": {}, "decoder": {}, "decoder": {}}""").Message);
    }

    [Theory]
    [InlineData("{\"output_size\": 30, \"attention_heads\": 4}", "lyrics_encoder.attention_heads", "does not divide output_size 30")]
    [InlineData("{\"num_blocks\": 0}", "lyrics_encoder.num_blocks", "must be positive")]
    [InlineData("{\"linear_units\": \"64\"}", "lyrics_encoder.linear_units", "integer")]
    public void Bad_lyrics_encoder_sizes_name_the_key(string body, string key, string fault)
    {
        var e = Fails("{\"text_encoder\": {}, \"decoder\": {}, \"lyrics_encoder\": " + body + "}");
        Assert.Equal(key, e.Key);
        Assert.Contains(fault, e.Message);
    }

    [Fact]
    public void Lyrics_encoder_sizes_are_optional_and_round_trip()
    {
        Assert.Null(SongGenConfig.Parse("""{"text_encoder": {}, "decoder": {}}""").LyricsEncoder);
        var c = SongGenConfig.Parse("""{"text_encoder": {}, "decoder": {}, "lyrics_encoder": {"output_size": 48, "num_blocks": 3, "future_key": 1}}""");
        Assert.Equal(48, c.LyricsEncoder!.OutputSize);
        Assert.Equal(16, c.LyricsEncoder.AttentionHeads);
        var again = SongGenConfig.Parse(c.ToJsonString());
        Assert.Equal(3, again.LyricsEncoder!.NumBlocks);
        Assert.Equal(1, again.LyricsEncoder.ExtensionData["future_key"]!.GetValue<int>());
        var options = SongGen.Model.Composite.SongGenMixedOptions.FromConfig(again);
        Assert.Equal(48, options.LyricsEncoder.OutputSize);
        Assert.Equal(3, options.LyricsEncoder.NumBlocks);
    }

    [Fact]
    public void Top_level_must_be_an_object()
    {
        Assert.Contains("an array", Fails("[1, 2]").Message);
        Assert.Contains("null", Fails("null").Message);
    }

    [Theory]
    [InlineData("\"hidden_size\": \"1024\"", "decoder.hidden_size", "integer")]
    [InlineData("\"hidden_size\": 1024.5", "decoder.hidden_size", "integer")]
    [InlineData("\"hidden_size\": null", "decoder.hidden_size", "integer")]
    [InlineData("\"dropout\": \"0.1\"", "decoder.dropout", "number")]
    [InlineData("\"use_cache\": 1", "decoder.use_cache", "true or false")]
    [InlineData("\"track_pattern\": 3", "decoder.track_pattern", "string")]
    [InlineData("\"architectures\": \"SongGenForCausalLM\"", "decoder.architectures", "list of strings")]
    [InlineData("\"track_pattern\": \"mixed-pro\"", "decoder.track_pattern", "interleaving_A_V")]
    [InlineData("\"track_pattern\": \"interleaving_A_V\", \"add_vocal_loss\": true", "decoder.add_vocal_loss", "mixed_pro")]
    [InlineData("\"num_attention_heads\": 15", "decoder.num_attention_heads", "divisible")]
    [InlineData("\"num_hidden_layers\": 0", "decoder.num_hidden_layers", "positive")]
    [InlineData("\"eos_token_id\": 5000", "decoder.eos_token_id", "vocab")]
    public void Bad_decoder_values_name_the_key(string body, string key, string hint)
    {
        var e = Fails(WithDecoder(body));
        Assert.Equal(key, e.Key);
        Assert.Contains($"model/config.json: key '{key}'", e.Message);
        Assert.Contains(hint, e.Message);
    }

    [Fact]
    public void Bad_text_encoder_values_name_the_key()
    {
        var e = Fails("""{"decoder": {}, "text_encoder": {"layer_norm_epsilon": true}}""");
        Assert.Equal("text_encoder.layer_norm_epsilon", e.Key);
        e = Fails("""{"decoder": {}, "text_encoder": {"feed_forward_proj": "gated-gelu", "dense_act_fn": "relu"}}""");
        Assert.Equal("text_encoder.dense_act_fn", e.Key);
        e = Fails("""{"decoder": {}, "text_encoder": {"feed_forward_proj": "fancy-gelu"}}""");
        Assert.Equal("text_encoder.feed_forward_proj", e.Key);
    }

    [Fact]
    public void Missing_or_wrong_sections()
    {
        var e = Fails("""{"text_encoder": {}}""");
        Assert.Equal("decoder", e.Key);
        Assert.Contains("missing", e.Message);
        e = Fails("""{"text_encoder": [], "decoder": {}}""");
        Assert.Equal("text_encoder", e.Key);
        Assert.Contains("object", e.Message);
        e = Fails("""{"text_encoder": {}, "decoder": {}, "vocab_size": "7000"}""");
        Assert.Equal("vocab_size", e.Key);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "songgen-no-such-dir-" + Guid.NewGuid().ToString("N"), "config.json");
        var e = Assert.Throws<SongGenConfigException>(() => SongGenConfig.Load(path));
        Assert.Equal(path, e.File);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Load_errors_carry_the_path()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, WithDecoder("\"num_codebooks\": \"eight\""));
            var e = Assert.Throws<SongGenConfigException>(() => SongGenConfig.Load(path));
            Assert.Equal(path, e.File);
            Assert.Equal("decoder.num_codebooks", e.Key);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Validate_checks_edited_values()
    {
        var c = SongGenPresets.InterleavingAV;
        c.Validate();
        c.Decoder.AddVocalLoss = true;
        Assert.Equal("decoder.add_vocal_loss", Assert.Throws<SongGenConfigException>(() => c.Validate()).Key);
    }
}
