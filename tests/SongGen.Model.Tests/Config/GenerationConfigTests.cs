using SongGen.Model.Config;

namespace SongGen.Model.Tests.Config;

public sealed class GenerationConfigTests
{
    private const string Sample = """
        {
          "_from_model_config": true,
          "bos_token_id": 1025,
          "decoder_start_token_id": 1025,
          "do_sample": true,
          "eos_token_id": 1024,
          "max_length": 1500,
          "pad_token_id": 1024,
          "transformers_version": "4.43.2"
        }

        """;

    [Fact]
    public void Reads_and_defaults()
    {
        var g = GenerationConfig.Parse(Sample);
        Assert.Equal(1025, g.BosTokenId);
        Assert.Equal(1025, g.DecoderStartTokenId);
        Assert.Equal(1024, g.EosTokenId);
        Assert.Equal(1500, g.MaxLength);
        Assert.True(g.DoSample);
        Assert.Equal(50, g.TopK);
        Assert.Equal(1.0, g.Temperature);
        Assert.Equal(1.0, g.TopP);
        Assert.Equal(["_from_model_config"], g.ExtensionData.Select(p => p.Key));
    }

    [Fact]
    public void Round_trip_is_byte_for_byte_and_leaves_defaults_out()
    {
        var first = GenerationConfig.Parse(Sample).ToJsonString();
        Assert.Equal(Sample.ReplaceLineEndings("\n"), first);
        Assert.Equal(first, GenerationConfig.Parse(first).ToJsonString());
        Assert.DoesNotContain("top_k", first);
    }

    [Fact]
    public void Changed_defaults_are_written()
    {
        var g = GenerationConfig.Parse(Sample);
        g.TopK = 0;
        g.Temperature = 0.9;
        var json = g.ToJsonString();
        Assert.Contains("\"top_k\": 0", json);
        Assert.Contains("\"temperature\": 0.9", json);
        Assert.Equal(json, GenerationConfig.Parse(json).ToJsonString());
    }

    [Fact]
    public void Eos_may_be_a_list()
    {
        var g = GenerationConfig.Parse("""{"eos_token_id": [1024, 1025]}""");
        Assert.Equal([1024, 1025], g.EosTokenIds);
        Assert.Contains("1025", g.ToJsonString());
        Assert.Equal(g.ToJsonString(), GenerationConfig.Parse(g.ToJsonString()).ToJsonString());
    }

    [Fact]
    public void Preset_matches_the_init_script()
    {
        var json = SongGenPresets.Generation().ToJsonString();
        var g = GenerationConfig.Parse(json);
        Assert.Equal((1025, 1025, 1024, 1024, 1500, true), (g.BosTokenId, g.DecoderStartTokenId, g.PadTokenId, g.EosTokenId, g.MaxLength, g.DoSample));
        Assert.DoesNotContain("top_k", json);
    }

    [Fact]
    public void Wrong_type_names_the_file_and_key()
    {
        var e = Assert.Throws<SongGenConfigException>(() => GenerationConfig.Parse("""{"max_length": "long"}"""));
        Assert.Equal("generation_config.json", e.File);
        Assert.Equal("max_length", e.Key);
        Assert.Contains("generation_config.json", e.Message);
        Assert.Contains("integer", e.Message);
    }
}
