using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace SongGen.Hub.Tests.Emulator;

/// <summary><c>POST /api/validate-yaml</c>: always JSON, 400 with messages when the card metadata is wrong (spec §1.10, §7).</summary>
public sealed class ValidateYamlTests
{
    private static async Task<(HttpStatusCode Status, List<string> Errors, List<string> Warnings)> ValidateAsync(HttpClient client, string readme, string repoType = "model")
    {
        using var response = await client.PostAsync("/api/validate-yaml", JsonContent.Create(new JsonObject { ["content"] = readme, ["repoType"] = repoType }));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.JsonAsync();
        return (response.StatusCode, body.GetProperty("errors").Strings("message").ToList(), body.GetProperty("warnings").Strings("message").ToList());
    }

    [Fact]
    public async Task A_good_card_passes()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        var card = "---\nlicense: apache-2.0\nlanguage:\n- en\ntags: [music, songgen]\nbase_model: songgen/base\nbase_model_relation: finetune\n"
            + "model-index:\n- name: songgen\n  results:\n  - task:\n      type: text-to-audio\n    metrics:\n    - type: fad\n      value: 1.5\n"
            + "custom_key: kept\n---\n# Model\n";
        var (status, errors, warnings) = await ValidateAsync(client, card);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(errors);
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task A_card_without_metadata_passes_with_a_warning()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var client = hub.CreateHttpClient();
        var (status, errors, warnings) = await ValidateAsync(client, "# Just text\n", "dataset");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(errors);
        Assert.Single(warnings);
    }

    [Theory]
    [InlineData("---\nlicense: not-a-license\n---\n", "\"license\" must be one of")]
    [InlineData("---\nbase_model_relation: copy\n---\n", "\"base_model_relation\" must be one of")]
    [InlineData("---\nmodel-index: fast\n---\n", "\"model-index\" must be an array")]
    [InlineData("---\nmodel-index:\n  name: x\n---\n", "\"model-index\" must be an array")]
    [InlineData("---\n- a\n- b\n---\n", "must be a YAML mapping")]
    [InlineData("---\nlicense: mit\nlicense: mit\n---\n", "duplicated key")]
    [InlineData("---\njust some words\n---\n", "expected \"key: value\"")]
    [InlineData("---\ntags:\n\t- a\n---\n", "tabs")]
    public async Task Bad_metadata_is_400_with_a_message(string card, string expected)
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var client = hub.CreateHttpClient();
        var (status, errors, _) = await ValidateAsync(client, card);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(errors, message => message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_request_still_gets_json()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        using var client = hub.CreateHttpClient();
        using var response = await client.PostAsync("/api/validate-yaml", new StringContent("not json", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty((await response.JsonAsync()).GetProperty("errors").EnumerateArray());
    }
}
