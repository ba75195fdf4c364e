namespace SongGen.Hub.Tests;

public sealed class LfsHrefTests
{
    [Theory]
    [InlineData("https://cdn.example/lfs/abc?sig=1", "http://127.0.0.1:5000", "https://cdn.example/lfs/abc?sig=1")]
    [InlineData("https://huggingface.co/alice/x.git/info/lfs/objects/verify", "https://mirror.example/hf", "https://mirror.example/hf/alice/x.git/info/lfs/objects/verify")]
    [InlineData("https://huggingface.co/alice/x.git/info/lfs/objects/verify", "https://huggingface.co", "https://huggingface.co/alice/x.git/info/lfs/objects/verify")]
    [InlineData("/alice/x.git/info/lfs/objects/verify", "http://127.0.0.1:5000", "http://127.0.0.1:5000/alice/x.git/info/lfs/objects/verify")]
    public void Hrefs_resolve_against_the_endpoint_and_public_hub_urls_move_to_a_mirror(string href, string endpoint, string expected) =>
        Assert.Equal(expected, LfsUploader.ResolveHref(href, new Uri(endpoint)).ToString());
}
