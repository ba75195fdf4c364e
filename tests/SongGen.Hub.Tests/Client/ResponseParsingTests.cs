using System.Net;
using System.Text;
using SongGen.Hub;

namespace SongGen.Hub.Tests.Client;

/// <summary>Header and body parsing of Hub answers, on real HttpResponseMessage objects.</summary>
public sealed class ResponseParsingTests
{
    private static HttpResponseMessage Response(HttpStatusCode status, string url = "http://127.0.0.1/api/models/a/b", string? json = null)
    {
        var response = new HttpResponseMessage(status) { RequestMessage = new HttpRequestMessage(HttpMethod.Get, url) };
        if (json is not null) response.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return response;
    }

    [Fact]
    public void RateLimitHeaderGivesResetOnlyWhenNothingRemains()
    {
        using var exhausted = Response(HttpStatusCode.TooManyRequests);
        exhausted.Headers.TryAddWithoutValidation("RateLimit", "\"api\";r=0;t=55");
        Assert.Equal(TimeSpan.FromSeconds(55), RetryHints.RateLimitReset(exhausted));

        using var remaining = Response(HttpStatusCode.TooManyRequests);
        remaining.Headers.TryAddWithoutValidation("RateLimit", "\"api\";r=12;t=55");
        Assert.Null(RetryHints.RateLimitReset(remaining));
    }

    [Fact]
    public void RetryAfterSecondsAreRead()
    {
        using var response = Response(HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("Retry-After", "7");
        Assert.Equal(TimeSpan.FromSeconds(7), RetryHints.RetryAfter(response));
    }

    [Fact]
    public void LinkHeaderNextMustBeAbsolute()
    {
        using var ok = Response(HttpStatusCode.OK);
        ok.Headers.TryAddWithoutValidation("Link", "<http://127.0.0.1:5/api/models?cursor=abc>; rel=\"next\"");
        Assert.Equal("http://127.0.0.1:5/api/models?cursor=abc", LinkHeader.Next(ok)!.ToString());

        using var relative = Response(HttpStatusCode.OK);
        relative.Headers.TryAddWithoutValidation("Link", "</api/models?cursor=abc>; rel=\"next\"");
        var error = Assert.Throws<HubProtocolException>(() => LinkHeader.Next(relative));
        Assert.Contains("not an absolute", error.Message);

        using var none = Response(HttpStatusCode.OK);
        none.Headers.TryAddWithoutValidation("Link", "<http://127.0.0.1:5/x>; rel=\"prev\"");
        Assert.Null(LinkHeader.Next(none));
    }

    [Theory]
    [InlineData(404, "RepoNotFound", null, typeof(RepositoryNotFoundException))]
    [InlineData(404, "RevisionNotFound", null, typeof(RevisionNotFoundException))]
    [InlineData(404, "EntryNotFound", null, typeof(EntryNotFoundException))]
    [InlineData(401, "GatedRepo", null, typeof(GatedRepoException))]
    [InlineData(403, "GatedRepo", null, typeof(GatedRepoException))]
    [InlineData(401, null, null, typeof(RepositoryNotFoundException))]
    [InlineData(401, null, "Invalid credentials in Authorization header", typeof(HubUnauthorizedException))]
    [InlineData(403, null, null, typeof(HubUnauthorizedException))]
    [InlineData(429, null, null, typeof(RateLimitedException))]
    [InlineData(500, null, null, typeof(HubServerException))]
    [InlineData(503, null, null, typeof(HubServerException))]
    [InlineData(409, null, null, typeof(HubConflictException))]
    [InlineData(412, null, null, typeof(CommitConflictException))]
    public async Task StatusAndErrorCodeMapToTypedErrors(int status, string? code, string? message, Type expected)
    {
        using var response = Response((HttpStatusCode)status, json: "{\"error\":\"server says no\"}");
        if (code is not null) response.Headers.TryAddWithoutValidation("X-Error-Code", code);
        if (message is not null) response.Headers.TryAddWithoutValidation("X-Error-Message", message);
        var error = await HubErrorMapper.CreateAsync(response, "model a/b@main", CancellationToken.None);
        Assert.IsType(expected, error);
        Assert.Contains("a/b", error.Message);
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
    }

    [Fact]
    public async Task ServerMessagesFromJsonBodiesAreKept()
    {
        using var response = Response(HttpStatusCode.BadRequest, json: "{\"error\":[\"first\",\"second\"],\"error_description\":\"why\"}");
        var error = await HubErrorMapper.CreateAsync(response, "x", CancellationToken.None);
        Assert.Contains("first; second; why", error.Message);
    }

    [Fact]
    public async Task EntryNotFoundCarriesTheCommitOfTheRevision()
    {
        using var response = Response(HttpStatusCode.NotFound, "http://127.0.0.1/a/b/resolve/main/x");
        response.Headers.TryAddWithoutValidation("X-Error-Code", "EntryNotFound");
        response.Headers.TryAddWithoutValidation("X-Repo-Commit", new string('a', 40));
        var error = Assert.IsType<EntryNotFoundException>(await HubErrorMapper.CreateAsync(response, "x", CancellationToken.None));
        Assert.Equal(new string('a', 40), error.CommitHash);
    }

    [Fact]
    public async Task RateLimitErrorSaysWhenTheWindowResets()
    {
        using var response = Response(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("RateLimit", "\"api\";r=0;t=42");
        var error = Assert.IsType<RateLimitedException>(await HubErrorMapper.CreateAsync(response, "x", CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(42), error.ResetAfter);
        Assert.Contains("42 s", error.Message);
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("W/\"abc\"", "abc")]
    [InlineData("abc", "abc")]
    public void EtagsAreNormalised(string raw, string expected) => Assert.Equal(expected, HubClient.NormalizeEtag(raw));

    [Theory]
    [InlineData("http://127.0.0.1:9", "http://127.0.0.1:9/datasets/a/b/resolve/refs%2Fpr%2F1/sub%20dir/x%23y.bin")]
    [InlineData("http://127.0.0.1:9/hf/", "http://127.0.0.1:9/hf/datasets/a/b/resolve/refs%2Fpr%2F1/sub%20dir/x%23y.bin")]
    public void ResolveUrlKeepsTheEndpointPathAndEscapesRevisionAsOneSegment(string endpoint, string expected)
    {
        using var client = new HubClient(new HubClientOptions { Endpoint = new Uri(endpoint), CacheDir = Path.GetTempPath() });
        Assert.Equal(expected, client.ResolveUrl(RepoId.Parse("a/b", RepoType.Dataset), "sub dir/x#y.bin", "refs/pr/1").AbsoluteUri);
    }
}
