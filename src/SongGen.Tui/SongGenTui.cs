using SongGen.Hub;
using SongGen.Tui.Downloads;
using Terminal.Gui.App;

namespace SongGen.Tui;

/// <summary>
/// <c>songgen tui</c>: browse, search and download Hub models and datasets in the terminal. Builds the screens on a
/// Terminal.Gui application (instance model), starts the persisted download queue, and runs until Ctrl+Q.
/// </summary>
public static class SongGenTui
{
    /// <summary>Runs the UI on the calling thread until the user quits.</summary>
    public static void Run(HubClientOptions clientOptions, TuiOptions options)
    {
        using var session = TuiSession.Create(clientOptions, options);
        session.Run();
    }

    /// <summary>
    /// The default queue file, <c>$HF_HOME/songgen/tui-queue.json</c>: outside the cache folder, where Python's cache
    /// scan would report any extra entry as a corrupted repo.
    /// </summary>
    public static string DefaultQueueFile(Func<string, string?> environment) =>
        Path.Combine(HubEnvironment.HfHome(environment), "songgen", "tui-queue.json");
}

/// <summary>One running UI: the application, the client, the queue and the shell; tests drive it headless.</summary>
internal sealed class TuiSession : IDisposable
{
    private TuiSession(IApplication app, HubClient client, DownloadQueue queue, TuiContext context, TuiShell shell)
    {
        App = app;
        Client = client;
        Queue = queue;
        Context = context;
        Shell = shell;
    }

    public IApplication App { get; }
    public HubClient Client { get; }
    public DownloadQueue Queue { get; }
    public TuiContext Context { get; }
    public TuiShell Shell { get; }

    public static TuiSession Create(HubClientOptions clientOptions, TuiOptions options, int? width = null, int? height = null)
    {
        var app = Application.Create();
        app.Init(options.Driver);
        if (width is { } w && height is { } h) app.Driver!.SetScreenSize(w, h);
        var client = new HubClient(clientOptions);
        var downloader = new HubDownloader(client);
        var queue = new DownloadQueue(downloader, options.QueueFile ?? SongGenTui.DefaultQueueFile(Environment.GetEnvironmentVariable), options.ConcurrentDownloads);
        var context = new TuiContext(app, client, downloader, queue, options);
        var shell = new TuiShell(context);
        return new TuiSession(app, client, queue, context, shell);
    }

    /// <summary>Shows the search screen, resumes the queue and runs the main loop on this thread until quit.</summary>
    public void Run()
    {
        // Shown from the first loop iteration: focus set before Run would be reset by it.
        App.Invoke(() => Shell.Show(Shell.Search));
        Queue.Start();
        App.Run(Shell, OnLoopError);
    }

    /// <summary>Errors that escape a handler: logged for tests and the status line, and the loop goes on (never a crash).</summary>
    public List<Exception> LoopErrors { get; } = [];

    private bool OnLoopError(Exception error)
    {
        lock (LoopErrors) LoopErrors.Add(error);
        Context.ShowStatus($"internal error: {error.Message}", true);
        return true;
    }

    public void Dispose()
    {
        Context.Lifetime.Cancel();
        Queue.Dispose();
        Shell.Dispose();
        App.Dispose();
        Client.Dispose();
    }
}
