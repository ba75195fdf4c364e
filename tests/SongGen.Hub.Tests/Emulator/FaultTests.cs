using System.Diagnostics;
using System.Net;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests.Emulator;

public sealed class FaultTests
{
    private const string ConfigUrl = "/songgen/songgen-demo/resolve/main/config.json";
    private const string WeightsUrl = "/songgen/songgen-demo/resolve/main/model.safetensors";

    [Fact]
    public async Task Status_fault_answers_with_headers_then_is_used_up()
    {
        await using var hub = await TestHub.StartAsync();
        var rule = hub.Faults.Add(Fault.Status(503, retryAfterSeconds: 2), FaultTarget.Api, pathContains: "/api/models/songgen/songgen-demo");
        using var client = hub.CreateHttpClient();

        using var first = await client.GetAsync("/api/models/songgen/songgen-demo");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("2", first.Header("Retry-After"));
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);
        Assert.True(rule.IsUsedUp);
        Assert.Equal(1, rule.FiredCount);

        using var second = await client.GetAsync("/api/models/songgen/songgen-demo");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task Rate_limit_fault_sends_the_ratelimit_header_and_an_error_code()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        hub.Faults.Add(Fault.Status(429, rateLimitResetSeconds: 7, errorCode: "RateLimited"), FaultTarget.Api, times: 2);
        using var client = hub.CreateHttpClient(TestHub.AliceToken);
        for (var i = 0; i < 2; i++)
        {
            using var limited = await client.GetAsync("/api/whoami-v2");
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("\"api\";r=0;t=7", limited.Header("RateLimit"));
            Assert.Equal("RateLimited", limited.Header("X-Error-Code"));
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/whoami-v2")).StatusCode);
    }

    [Fact]
    public async Task Rules_match_on_target_path_and_method()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Status(500), FaultTarget.Resolve, pathContains: "config.json", method: "GET");
        using var client = hub.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/models/songgen/songgen-demo")).StatusCode); // not Resolve
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/songgen/songgen-demo/resolve/main/README.md")).StatusCode); // other path
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, ConfigUrl))).StatusCode); // HEAD
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync(ConfigUrl)).StatusCode);
    }

    [Fact]
    public async Task Reset_after_bytes_cuts_the_connection_mid_body()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.ResetAfterBytes(100_000), FaultTarget.Cdn);
        using var client = hub.CreateHttpClient(followRedirects: true);
        using var response = await client.GetAsync(WeightsUrl, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = await CountBytesUntilFailureAsync(response);
        Assert.True(read.Failed, "the body should end in a transport error");
        Assert.True(read.Bytes <= 100_000, $"read {read.Bytes} bytes");
        Assert.Contains(hub.Emulator.Requests, r => r.Host == EmulatorHost.Cdn && r.Aborted);

        Assert.Equal(DemoRepos.BuildSafetensors(), await client.GetByteArrayAsync(WeightsUrl)); // used up
    }

    [Fact]
    public async Task Truncate_after_bytes_declares_the_full_length_but_sends_less()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.TruncateAfterBytes(1000), FaultTarget.Cdn);
        using var client = hub.CreateHttpClient(followRedirects: true);
        using var response = await client.GetAsync(WeightsUrl, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(DemoRepos.BuildSafetensors().Length.ToString(), response.Header("Content-Length"));
        var read = await CountBytesUntilFailureAsync(response);
        Assert.True(read.Failed);
        Assert.Equal(1000, read.Bytes);
    }

    [Fact]
    public async Task Short_body_is_a_complete_response_with_fewer_bytes_than_the_metadata_says()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.ShortBody(10), FaultTarget.Resolve);
        using var client = hub.CreateHttpClient();
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, ConfigUrl)); // HEAD does not use it up
        var size = long.Parse(head.Header("Content-Length")!);
        Assert.True(size > 10);

        using var get = await client.GetAsync(ConfigUrl);
        Assert.Equal("10", get.Header("Content-Length"));
        Assert.Equal(10, (await get.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Corrupt_byte_flips_one_byte_of_the_file()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.CorruptByte(1_000_000), FaultTarget.Cdn, times: 2);
        using var client = hub.CreateHttpClient(followRedirects: true);
        var expected = DemoRepos.BuildSafetensors();

        var corrupted = await client.GetByteArrayAsync(WeightsUrl);
        Assert.Equal(expected.Length, corrupted.Length);
        var differences = Enumerable.Range(0, expected.Length).Where(i => expected[i] != corrupted[i]).ToList();
        Assert.Equal([1_000_000], differences);

        // The offset is a file offset: a range that covers it gets the same damage.
        using var ranged = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, WeightsUrl).WithRange("bytes=999990-1000009"));
        var part = await ranged.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected[999_990..1_000_010].Where((_, i) => i != 10), part.Where((_, i) => i != 10));
        Assert.NotEqual(expected[1_000_000], part[10]);
    }

    [Fact]
    public async Task Ignore_range_answers_200_with_the_whole_body()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.IgnoreRange(), FaultTarget.Resolve);
        using var client = hub.CreateHttpClient();
        using var ignored = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, ConfigUrl).WithRange("bytes=0-3"));
        Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);
        Assert.Null(ignored.Header("Content-Range"));
        using var honoured = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, ConfigUrl).WithRange("bytes=0-3"));
        Assert.Equal(HttpStatusCode.PartialContent, honoured.StatusCode);
    }

    [Fact]
    public async Task Throttle_slows_the_body_and_delay_holds_the_headers()
    {
        await using var hub = await TestHub.StartAsync();
        hub.Faults.Add(Fault.Throttle(64 * 1024), FaultTarget.Cdn);
        hub.Faults.Add(Fault.Delay(TimeSpan.FromMilliseconds(300)), FaultTarget.Api);
        using var client = hub.CreateHttpClient(followRedirects: true);

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, WeightsUrl).WithRange("bytes=0-32767"));
        Assert.Equal(32 * 1024, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"32 KiB at 64 KiB/s took {clock.Elapsed}");

        clock.Restart();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/models")).StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"delayed request took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_delay_longer_than_the_client_timeout_times_out()
    {
        await using var hub = await TestHub.StartAsync(seedDemo: false);
        hub.Faults.Add(Fault.Delay(TimeSpan.FromSeconds(5)), FaultTarget.Api);
        using var client = hub.CreateHttpClient();
        client.Timeout = TimeSpan.FromMilliseconds(200);
        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync("/api/models"));
    }

    [Fact]
    public async Task Respond_replaces_the_answer_once_with_the_given_status_headers_and_body()
    {
        await using var hub = await TestHub.StartAsync();
        var rule = hub.Faults.Add(Fault.Respond(200, "application/json", "[{\"type\":\"file\",\"path\":\"../x\",\"size\":1,\"oid\":\"a\"}]",
            new Dictionary<string, string> { ["X-Custom"] = "yes" }), FaultTarget.Api, pathContains: "/tree/");
        using var client = hub.CreateHttpClient();

        using var crafted = await client.GetAsync("/api/models/songgen/songgen-demo/tree/main");
        Assert.Equal(HttpStatusCode.OK, crafted.StatusCode);
        Assert.Equal("yes", crafted.Header("X-Custom"));
        Assert.Equal("application/json", crafted.Content.Headers.ContentType?.MediaType);
        Assert.Equal("../x", (await crafted.JsonAsync())[0].GetProperty("path").GetString());

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, ConfigUrl));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode); // other target: untouched
        Assert.Equal(1, rule.FiredCount);
        using var real = await client.GetAsync("/api/models/songgen/songgen-demo/tree/main");
        Assert.DoesNotContain("../x", await real.Content.ReadAsStringAsync());
    }

    private static async Task<(long Bytes, bool Failed)> CountBytesUntilFailureAsync(HttpResponseMessage response)
    {
        long total = 0;
        var buffer = new byte[16 * 1024];
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
            return (total, false);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            return (total, true);
        }
    }
}
