using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using SongGen.Hub;
using SongGen.Hub.Tests;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;

namespace SongGen.Tui.Tests;

/// <summary>Terminal.Gui keeps process-wide state: the UI tests run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TuiCollection
{
    public const string Name = "tui";
}

/// <summary>
/// The real UI, headless: Terminal.Gui's ANSI driver on a 140x40 virtual screen, its main loop on a thread of its own,
/// keys injected through <c>IApplication.InjectKey</c> on that thread, and the screen read back as text. The client talks
/// to the emulator; the cache and the queue file live in <see cref="Folder"/> (kept across <see cref="StartAsync"/>
/// calls with the same folder, as a restart would).
/// </summary>
internal sealed class TuiHarness : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly Thread _ui;
    private Exception? _uiError;

    /// <summary>
    /// Creates the session on the UI thread itself: Terminal.Gui takes the thread that calls Init as the main thread,
    /// and Invoke from that thread runs inline, so Init and Run must share a thread for marshalling to mean anything.
    /// </summary>
    private TuiHarness(Func<TuiSession> create, FakeTimeProvider time, string folder)
    {
        Time = time;
        Folder = folder;
        var ready = new TaskCompletionSource<TuiSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ui = new Thread(() =>
        {
            try
            {
                var session = create();
                ready.SetResult(session);
                session.Run();
            }
            catch (Exception ex)
            {
                _uiError = ex;
                ready.TrySetException(ex);
            }
        }) { IsBackground = true, Name = "tui" };
        _ui.Start();
        if (!ready.Task.Wait(WaitLimit)) throw new TimeoutException("The UI did not start");
        Session = ready.Task.Result;
        // Run shows the search screen from its first iteration; keys sent before that would land on no screen.
        var clock = Stopwatch.StartNew();
        while (OnUi(() => Session.Shell.Current) is null)
        {
            if (clock.Elapsed > WaitLimit) throw new TimeoutException("The UI showed no screen");
            Thread.Sleep(10);
        }
    }

    public TuiSession Session { get; }
    public FakeTimeProvider Time { get; }
    public string Folder { get; }
    public string CacheDir => Path.Combine(Folder, "hubcache");
    public string QueueFile => Path.Combine(Folder, "queue.json");
    public string TokenFile => Path.Combine(Folder, "hf-home", "token");
    public TuiShell Shell => Session.Shell;

    public static TuiHarness Start(TestHub hub, string? folder = null, string? token = TestHub.AliceToken, Action<TuiOptions>? configure = null)
    {
        folder ??= Directory.CreateTempSubdirectory("songgen-tui-test-").FullName;
        var clientOptions = new HubClientOptions
        {
            Endpoint = new Uri(hub.Endpoint),
            Token = token,
            CacheDir = Path.Combine(folder, "hubcache"),
            Retry = new HubRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20), MaxRetries = 2 },
        };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new TuiOptions
        {
            QueueFile = Path.Combine(folder, "queue.json"),
            TokenFile = Path.Combine(folder, "hf-home", "token"),
            Driver = "ansi",
            TimeProvider = time,
        };
        configure?.Invoke(options);
        return new TuiHarness(() => TuiSession.Create(clientOptions, options, 140, 40), time, folder);
    }

    /// <summary>Runs <paramref name="action"/> on the UI thread and waits for it.</summary>
    public T OnUi<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Session.App.Invoke(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        if (!done.Task.Wait(WaitLimit)) throw new TimeoutException("The UI thread did not run the action in time" + (_uiError is null ? "" : $": {_uiError}"));
        return done.Task.Result;
    }

    public void OnUi(Action action) => OnUi(() =>
    {
        action();
        return true;
    });

    public void Press(Key key) => OnUi(() => Session.App.InjectKey(key));

    public void Type(string text) => OnUi(() =>
    {
        foreach (var c in text) Session.App.InjectKey(new Key(c));
    });

    /// <summary>The screen as the terminal would show it, after a layout and draw.</summary>
    public string Screen() => OnUi(() =>
    {
        Session.App.LayoutAndDraw();
        return Session.App.Driver!.ToString() ?? "";
    });

    /// <summary>Polls the screen (real time, at most 30 s) until <paramref name="condition"/> holds; fails with the screen.</summary>
    public string WaitFor(Func<string, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        string screen;
        while (!condition(screen = Screen()))
        {
            if (clock.Elapsed > WaitLimit) throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}. Screen:\n{screen}\nStatus: {Shell.Status}\nLoop errors:\n{string.Join("\n---\n", Session.LoopErrors.Take(2))}");
            Thread.Sleep(20);
        }
        return screen;
    }

    public string WaitForText(string text) => WaitFor(s => s.Contains(text, StringComparison.Ordinal), $"'{text}'");

    /// <summary>Fails with every exception the main loop caught (handlers that threw).</summary>
    public void AssertNoLoopErrors()
    {
        lock (Session.LoopErrors)
            if (Session.LoopErrors.Count > 0) throw new Xunit.Sdk.XunitException("The UI loop caught:\n" + string.Join("\n---\n", Session.LoopErrors));
    }

    /// <summary>Stops the UI as a crash would leave things: running jobs stay "running" in the queue file.</summary>
    public void Dispose()
    {
        try
        {
            Session.App.Invoke(() => Session.App.RequestStop());
            _ui.Join(TimeSpan.FromSeconds(10));
        }
        finally
        {
            // Disposed on the test thread once the loop has ended: nothing races it any more.
            Session.Dispose();
        }
    }

    public static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
