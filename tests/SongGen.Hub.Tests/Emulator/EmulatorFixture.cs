using System.Net.Http.Headers;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary>
/// A Hub emulator for one test: a fresh temporary root, the Hub on 127.0.0.1:0 and its CDN on 127.0.0.2:0, optionally
/// seeded with <see cref="DemoRepos"/>; disposing stops it and deletes the root.
/// <code>
/// await using var hub = await TestHub.StartAsync();
/// var client = hub.CreateHttpClient(TestHub.AliceToken);
/// </code>
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    /// <summary>Token of "alice" (the emulator's default user).</summary>
    public const string AliceToken = HubEmulatorOptions.AliceToken;

    /// <summary>Token of "bob", a second valid user (e.g. for "not approved" and "not the owner").</summary>
    public const string BobToken = "hf_emulator_bob_token";

    /// <summary>A read-only token of alice (writes answer 403).</summary>
    public const string AliceReadToken = HubEmulatorOptions.AliceReadToken;

    private readonly Func<string, HubEmulatorOptions> _options;

    private TestHub(string root, Func<string, HubEmulatorOptions> options, HubEmulator emulator)
    {
        Root = root;
        _options = options;
        Emulator = emulator;
    }

    /// <summary>The emulator's root folder (deleted on dispose).</summary>
    public string Root { get; }

    public HubEmulator Emulator { get; private set; }

    /// <summary>The Hub URL without a trailing slash, as clients want it (HF_ENDPOINT, hubUrl).</summary>
    public string Endpoint => Emulator.Endpoint;

    public EmulatorRepoStore Store => Emulator.Store;

    public FaultInjector Faults => Emulator.Faults;

    /// <param name="seedDemo">Seed <see cref="DemoRepos"/>.</param>
    /// <param name="options">Builds the options from the root folder; default: alice and bob tokens, everything else default.</param>
    public static async Task<TestHub> StartAsync(bool seedDemo = true, Func<string, HubEmulatorOptions>? options = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "songgen-hub-emulator-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        options ??= DefaultOptions;
        try
        {
            var emulator = await HubEmulator.StartAsync(options(root));
            if (seedDemo)
            {
                await DemoRepos.SeedAsync(emulator.Store);
            }
            return new TestHub(root, options, emulator);
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>The default options plus bob's token.</summary>
    public static HubEmulatorOptions DefaultOptions(string root) => new() { Root = root, Tokens = Tokens() };

    /// <summary>
    /// alice's (write and read-only) and bob's tokens, for options built by hand:
    /// <c>new HubEmulatorOptions { Root = root, Tokens = TestHub.Tokens(), … }</c>.
    /// </summary>
    public static IDictionary<string, string> Tokens() =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [AliceToken] = "alice", [AliceReadToken] = "alice", [BobToken] = "bob" };

    /// <summary>Stops the emulator and starts a new one on the same root (new ports).</summary>
    public async Task RestartAsync()
    {
        await Emulator.DisposeAsync();
        Emulator = await HubEmulator.StartAsync(_options(Root));
    }

    /// <summary>
    /// A plain HttpClient aimed at the Hub. Redirects are not followed unless asked, so tests see the 302 itself.
    /// </summary>
    public HttpClient CreateHttpClient(string? token = null, bool followRedirects = false)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = followRedirects, AutomaticDecompression = System.Net.DecompressionMethods.None };
        var client = new HttpClient(handler) { BaseAddress = Emulator.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        TryDelete(Root);
    }

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying connection; the temp folder is cleaned up by the OS eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
