using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SongGen.Hub.Emulator.Endpoints;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;

namespace SongGen.Hub.Emulator;

/// <summary>
/// A loopback Hugging Face Hub: the read side of the Hub API, file downloads with Range, LFS through a second
/// listener on another hostname (the "CDN"), request recording and fault injection. Start it with
/// <see cref="StartAsync"/>, point a client at <see cref="Endpoint"/>, dispose it to stop.
/// </summary>
public sealed class HubEmulator : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    private readonly WebApplication _hubApp;
    private readonly WebApplication _cdnApp;
    private readonly RequestRecorder _recorder;
    private int _disposed;

    private HubEmulator(WebApplication hubApp, WebApplication cdnApp, RequestRecorder recorder, EmulatorRepoStore store,
        FaultInjector faults, Uri baseUrl, Uri cdnUrl)
    {
        _hubApp = hubApp;
        _cdnApp = cdnApp;
        _recorder = recorder;
        Store = store;
        Faults = faults;
        BaseUrl = baseUrl;
        CdnUrl = cdnUrl;
    }

    /// <summary>
    /// The Hub's address, e.g. <c>http://127.0.0.1:41234/</c>. As a <see cref="Uri"/> it always prints with a trailing
    /// "/"; use <see cref="Endpoint"/> for the form clients expect in HF_ENDPOINT / hubUrl.
    /// </summary>
    public Uri BaseUrl { get; }

    /// <summary>The CDN listener's address, e.g. <c>http://127.0.0.2:41235/</c> (a different hostname on purpose).</summary>
    public Uri CdnUrl { get; }

    /// <summary><see cref="BaseUrl"/> without the trailing slash: <c>http://127.0.0.1:41234</c>.</summary>
    public string Endpoint => BaseUrl.GetLeftPart(UriPartial.Authority);

    public EmulatorRepoStore Store { get; }

    public FaultInjector Faults { get; }

    /// <summary>Every request so far on both listeners, oldest first (a snapshot; safe to call from any thread).</summary>
    public IReadOnlyList<RecordedRequest> Requests => _recorder.Snapshot();

    public void ClearRequests() => _recorder.Clear();

    public static async Task<HubEmulator> StartAsync(HubEmulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.Equals(options.Host, options.CdnHost, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("CdnHost must differ from Host: clients strip Authorization and decide redirects by hostname.", nameof(options));
        }
        var store = EmulatorRepoStore.Open(options.Root, options.LfsThreshold);
        var recorder = new RequestRecorder();
        var faults = new FaultInjector();
        var signer = new CdnUrlSigner(options.TimeProvider);

        // The CDN starts first so the Hub knows the address to redirect to.
        var cdnApp = CreateApp(options.CdnHost, options.CdnPort);
        WebApplication? hubApp = null;
        try
        {
            var cdnServices = new CdnServicesHolder();
            cdnApp.Use(next => recorder.Middleware(EmulatorHost.Cdn, next));
            cdnApp.Run(context => cdnServices.Endpoint!.HandleAsync(context));
            await cdnApp.StartAsync(ct);
            var cdnUrl = BoundAddress(cdnApp, options.CdnHost);

            var services = new EmulatorServices
            {
                Store = store,
                Options = options,
                RepoJson = new RepoJson(store),
                Signer = signer,
                CdnUrl = cdnUrl,
                Uploads = new Store.LfsUploads(store.Objects),
            };
            cdnServices.Endpoint = new CdnEndpoint(services, faults);

            hubApp = CreateApp(options.Host, options.Port);
            var router = new HubRouter(services, faults);
            hubApp.Use(next => recorder.Middleware(EmulatorHost.Hub, next));
            hubApp.Run(router.HandleAsync);
            await hubApp.StartAsync(ct);
            var baseUrl = BoundAddress(hubApp, options.Host);
            return new HubEmulator(hubApp, cdnApp, recorder, store, faults, baseUrl, cdnUrl);
        }
        catch
        {
            if (hubApp is not null) await hubApp.DisposeAsync();
            await cdnApp.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Throttled downloads may still be running: give them a moment, then cut them.
        using var grace = new CancellationTokenSource(StopGrace);
        await Task.WhenAll(StopQuietlyAsync(_hubApp, grace.Token), StopQuietlyAsync(_cdnApp, grace.Token));
        await _hubApp.DisposeAsync();
        await _cdnApp.DisposeAsync();
    }

    private static async Task StopQuietlyAsync(WebApplication app, CancellationToken ct)
    {
        try
        {
            await app.StopAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // Stopping past the grace period aborts the remaining connections, which is what we want.
        }
    }

    private static WebApplication CreateApp(string host, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(HubEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders(); // quiet by default: faults make Kestrel log on purpose
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopGrace);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(ResolveAddress(host), port);
        });
        return builder.Build();
    }

    private static IPAddress ResolveAddress(string host) =>
        IPAddress.TryParse(host, out var address) ? address : Dns.GetHostAddresses(host).First();

    private static Uri BoundAddress(WebApplication app, string host)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel did not report its address.");
        var port = new Uri(addresses.First()).Port;
        return new Uri($"http://{host}:{port}/");
    }

    /// <summary>Lets the CDN app start before the services it needs exist (they need its port).</summary>
    private sealed class CdnServicesHolder
    {
        public CdnEndpoint? Endpoint { get; set; }
    }
}
