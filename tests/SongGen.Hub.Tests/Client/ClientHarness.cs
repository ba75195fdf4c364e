using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using SongGen.Hub.Emulator;

namespace SongGen.Hub.Tests;

/// <summary>
/// A <see cref="HubClient"/> and <see cref="HubDownloader"/> aimed at a <see cref="TestHub"/>, with a temporary cache
/// folder, small part sizes (parallel from 256 KiB, 64 KiB parts) and a <see cref="FakeTimeProvider"/>.
/// Run every call through <see cref="Run{T}"/>: it moves the fake clock forward one second at a time while the call
/// is pending, so backoff delays pass without sleeping, and gives up after a bounded real time instead of hanging.
/// Per-attempt and stall timeouts default to a day, so moving the clock never cuts a healthy request.
/// <code>
/// await using var hub = await TestHub.StartAsync();
/// using var h = ClientHarness.Create(hub);
/// var result = await h.Run(ct => h.Downloader.SnapshotDownloadAsync(new SnapshotRequest(h.Demo), cancellationToken: ct));
/// </code>
/// </summary>
public sealed class ClientHarness : IDisposable
{
    public const long ParallelThreshold = 256 * 1024;
    public const long PartSize = 64 * 1024;

    private static readonly TimeSpan RealTimeLimit = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<RetryNotice> _retries = new();
    private readonly List<string> _ownedFolders = [];

    private ClientHarness(TestHub hub, HubClientOptions options, FakeTimeProvider time)
    {
        Hub = hub;
        Options = options;
        Time = time;
        Client = new HubClient(options);
        Downloader = new HubDownloader(Client);
    }

    public TestHub Hub { get; }
    public HubClientOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public HubClient Client { get; }
    public HubDownloader Downloader { get; }
    public string CacheDir => Options.CacheDir;
    public HubCacheLayout Cache => Downloader.Cache;

    /// <summary>Every <see cref="HubRetryOptions.OnRetry"/> notice so far, in order.</summary>
    public IReadOnlyList<RetryNotice> Retries => _retries.ToArray();

    public static RepoId Demo => RepoId.Parse(DemoRepos.ModelId);
    public static RepoId DemoDataset => RepoId.Parse(DemoRepos.DatasetId, RepoType.Dataset);

    /// <param name="token">Bearer token; default none (anonymous).</param>
    /// <param name="configure">Changes to the options after the defaults are set (e.g. MaxRetries, Offline).</param>
    /// <param name="cacheDir">Share a cache folder with another harness (e.g. an offline client after an online one).</param>
    /// <param name="endpoint">Point at another URL (e.g. a closed port) instead of the hub.</param>
    public static ClientHarness Create(TestHub hub, string? token = null, Action<HubClientOptions>? configure = null, string? cacheDir = null,
        string? endpoint = null)
    {
        var ownsCache = cacheDir is null;
        cacheDir ??= Directory.CreateTempSubdirectory("songgen-client-cache-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        ClientHarness? harness = null;
        var options = new HubClientOptions
        {
            Endpoint = new Uri(endpoint ?? hub.Endpoint),
            Token = token,
            CacheDir = cacheDir,
            TimeProvider = time,
            RequestTimeout = TimeSpan.FromDays(1),
            StallTimeout = TimeSpan.FromDays(1),
            Retry = new HubRetryOptions { OnRetry = notice => harness!._retries.Enqueue(notice) },
            Download = new HubDownloadOptions { ParallelThreshold = ParallelThreshold, PartSize = PartSize, ConnectionsPerFile = 4, MaxConcurrentFiles = 4 },
        };
        configure?.Invoke(options);
        harness = new ClientHarness(hub, options, time);
        if (ownsCache) harness._ownedFolders.Add(cacheDir);
        return harness;
    }

    /// <summary>A fresh temporary folder deleted with the harness (for local-dir downloads).</summary>
    public string NewTempFolder(string prefix = "songgen-localdir-")
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        _ownedFolders.Add(folder);
        return folder;
    }

    /// <summary>Runs a call while advancing the fake clock by one second every few real milliseconds, until it ends.</summary>
    public async Task<T> Run<T>(Func<CancellationToken, Task<T>> call)
    {
        using var cts = new CancellationTokenSource();
        var task = Task.Run(() => call(cts.Token));
        var clock = Stopwatch.StartNew();
        while (!task.IsCompleted)
        {
            await Task.WhenAny(task, Task.Delay(3));
            if (task.IsCompleted) break;
            if (clock.Elapsed > RealTimeLimit)
            {
                await cts.CancelAsync();
                throw new TimeoutException($"The call did not finish within {RealTimeLimit.TotalSeconds} s of real time (fake clock moved to {Time.GetUtcNow():O}).");
            }
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        return await task;
    }

    public async Task Run(Func<CancellationToken, Task> call) => await Run(async ct =>
    {
        await call(ct);
        return true;
    });

    /// <summary>Collects every item of an async stream (inside <see cref="Run{T}"/>).</summary>
    public Task<List<T>> RunList<T>(Func<CancellationToken, IAsyncEnumerable<T>> stream) => Run(async ct =>
    {
        var list = new List<T>();
        await foreach (var item in stream(ct).WithCancellation(ct)) list.Add(item);
        return list;
    });

    /// <summary>Runs a call expected to fail and returns the exception (of exactly or derived from <typeparamref name="TException"/>).</summary>
    public async Task<TException> RunFails<TException>(Func<CancellationToken, Task> call) where TException : Exception =>
        await Assert.ThrowsAnyAsync<TException>(() => Run(call));

    /// <summary>The bytes the emulator serves for a file at a revision (read through a plain HTTP client, redirects followed).</summary>
    public async Task<byte[]> ServedBytesAsync(string repoPathUrl)
    {
        using var http = Hub.CreateHttpClient(TestHub.AliceToken, followRedirects: true);
        return await http.GetByteArrayAsync(repoPathUrl);
    }

    public void Dispose()
    {
        Client.Dispose();
        foreach (var folder in _ownedFolders)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}

/// <summary>Small helpers shared by the client and download tests.</summary>
public static class ClientTestData
{
    /// <summary>Deterministic pseudo-random bytes (incompressible, different for each seed).</summary>
    public static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>git's blob id: sha1("blob {len}\0" + content).</summary>
    public static string GitBlobSha1(byte[] bytes)
    {
        var header = System.Text.Encoding.ASCII.GetBytes($"blob {bytes.Length}\0");
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. bytes]));
    }

    /// <summary>Every file under a folder, relative, with '/' separators, sorted.</summary>
    public static List<string> FilesUnder(string folder) =>
        !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToList();

    /// <summary>Every file system entry (files, folders, links) under a folder, relative, sorted.</summary>
    public static List<string> EntriesUnder(string folder) =>
        !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToList();
}

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously on the caller's thread (Progress&lt;T&gt; posts later, racing assertions).</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate) report(value);
    }
}
