using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace SongGen.Hub;

/// <summary>
/// Builds the one <see cref="HttpClient"/> the Hub client uses: offline guard, bearer token only for the Hub's own host,
/// and a Polly pipeline (per-attempt timeout inside jittered exponential retries that honour <c>RateLimit</c> and
/// <c>Retry-After</c>). Redirects are never followed automatically: the downloader follows them itself so that the token
/// never travels to the CDN.
/// </summary>
internal static class HubHttpPipeline
{
    /// <summary>Set on a request to allow retries for a non-GET/HEAD call that is safe to repeat (paths-info).</summary>
    public const string AllowRetryKey = "SongGen.Hub.AllowRetry";

    public static readonly HttpRequestOptionsKey<bool> AllowRetry = new(AllowRetryKey);

    public static HttpClient Create(HubClientOptions options, HttpMessageHandler? primaryHandler)
    {
        var transport = primaryHandler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = 64,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        var chain = new ResilienceHandler(BuildPipeline(options), options.Retry)
        {
            InnerHandler = new AuthHandler(options) { InnerHandler = new OfflineGuardHandler(options.Offline) { InnerHandler = transport } },
        };
        var client = new HttpClient(chain, disposeHandler: true)
        {
            BaseAddress = options.Endpoint,
            // The pipeline times each attempt; a whole download may take hours.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent(options));
        return client;
    }

    internal static string UserAgent(HubClientOptions options)
    {
        var version = typeof(HubHttpPipeline).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";
        var product = string.IsNullOrWhiteSpace(options.UserAgent) ? "songgen" : options.UserAgent.Trim();
        return $"{product}/{version} hf_hub_cs/{version} dotnet/{Environment.Version}";
    }

    internal static ResiliencePipeline<HttpResponseMessage> BuildPipeline(HubClientOptions options)
    {
        var retry = options.Retry;
        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                // Polly wants at least one; with MaxRetries 0 the handler bypasses the pipeline.
                MaxRetryAttempts = Math.Max(1, retry.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                // Polly's jitter can pick a first delay near zero; ours stays within BaseDelay..MaxDelay (see Backoff).
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, retry, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(ServerDelay(args.Outcome.Result) ?? Backoff(retry, args.AttemptNumber)),
                OnRetry = args =>
                {
                    var request = args.Outcome.Result?.RequestMessage;
                    var reason = args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name ?? "error";
                    retry.OnRetry?.Invoke(new RetryNotice(args.AttemptNumber, args.RetryDelay, reason, request?.RequestUri));
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, HubRetryOptions retry, CancellationToken callerToken)
    {
        if (outcome.Exception is { } ex)
        {
            if (ex is OfflineModeException) return false;
            if (ex is OperationCanceledException && callerToken.IsCancellationRequested) return false;
            return ex is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException;
        }
        var response = outcome.Result!;
        if (!retry.RetryStatuses.Contains((int)response.StatusCode)) return false;
        // A server that asks us to wait longer than we accept fails now, with the reset time in the error.
        return ServerDelay(response) is not { } wait || wait <= retry.MaxServerDelay;
    }

    /// <summary>
    /// BaseDelay doubled per retry up to MaxDelay (Python's 1, 2, 4, 8, 8 s); with jitter each delay is spread over
    /// ×0.75…×1.5 of that and kept within BaseDelay..MaxDelay, so clients that failed together do not retry in step.
    /// </summary>
    internal static TimeSpan Backoff(HubRetryOptions retry, int attempt)
    {
        var max = Math.Max(retry.BaseDelay.Ticks, retry.MaxDelay.Ticks);
        var nominal = Math.Min(retry.BaseDelay.Ticks * Math.Pow(2, Math.Clamp(attempt, 0, 40)), max);
        var ticks = retry.UseJitter ? nominal * (0.75 + 0.75 * Random.Shared.NextDouble()) : nominal;
        return TimeSpan.FromTicks((long)Math.Clamp(ticks, retry.BaseDelay.Ticks, max));
    }

    /// <summary>The server's own hint, plus one second as Python does; null lets the backoff decide.</summary>
    private static TimeSpan? ServerDelay(HttpResponseMessage? response)
    {
        if (response is null) return null;
        var hint = RetryHints.RateLimitReset(response) ?? RetryHints.RetryAfter(response);
        return hint is { } h ? h + TimeSpan.FromSeconds(1) : null;
    }

    private sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline, HubRetryOptions retry) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var retryable = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
                            || (request.Options.TryGetValue(AllowRetry, out var allowed) && allowed);
            if (!retryable || retry.MaxRetries <= 0)
                return await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
            try
            {
                return await pipeline.ExecuteAsync(
                    static async (state, token) => await state.Handler.SendOnceAsync(state.Request, token).ConfigureAwait(false),
                    (Handler: this, Request: request), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException ex)
            {
                throw new HubException($"No answer from {HubErrorMapper.DescribeUrl(request.RequestUri)} within the request timeout after retries", inner: ex);
            }
        }

        /// <summary>
        /// One attempt. API answers (JSON pages) and error answers are read whole here, so that a connection cut in the
        /// middle of their body fails this attempt and is retried; file bodies stay streamed (the downloader resumes them).
        /// </summary>
        private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken token)
        {
            var response = await base.SendAsync(request, token).ConfigureAwait(false);
            var path = request.RequestUri?.AbsolutePath ?? "";
            // The real Hub redirects regular files to /api/resolve-cache/…: that is a file body, not an API answer.
            var isApi = path.StartsWith("/api/", StringComparison.Ordinal) && !path.StartsWith("/api/resolve-cache/", StringComparison.Ordinal);
            if (request.Method != HttpMethod.Head && (isApi || (int)response.StatusCode >= 400))
            {
                try
                {
                    await response.Content.LoadIntoBufferAsync(token).ConfigureAwait(false);
                }
                catch
                {
                    response.Dispose();
                    throw;
                }
            }
            return response;
        }
    }

    /// <summary>Adds the bearer token to requests for the Hub's own host and strips it from any other host.</summary>
    private sealed class AuthHandler(HubClientOptions options) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var sameHost = request.RequestUri is { } uri
                           && string.Equals(uri.Host, options.Endpoint.Host, StringComparison.OrdinalIgnoreCase)
                           && uri.Port == options.Endpoint.Port;
            if (sameHost && options.Token is { Length: > 0 } token)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            else if (!sameHost)
                request.Headers.Authorization = null;
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class OfflineGuardHandler(bool offline) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            offline
                ? throw new OfflineModeException($"Offline mode is on (HF_HUB_OFFLINE): no request to {HubErrorMapper.DescribeUrl(request.RequestUri)} was made")
                : base.SendAsync(request, cancellationToken);
    }
}
