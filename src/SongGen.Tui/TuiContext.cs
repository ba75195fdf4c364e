using SongGen.Hub;
using SongGen.Tui.Downloads;
using Terminal.Gui.App;

namespace SongGen.Tui;

/// <summary>
/// What every screen shares: the application (for <see cref="IApplication.Invoke(Action)"/>), the Hub client, the
/// download queue, the options, the status line and navigation between screens.
/// </summary>
internal sealed class TuiContext(IApplication app, HubClient client, HubDownloader downloader, DownloadQueue queue, TuiOptions options)
{
    public IApplication App { get; } = app;
    public HubClient Client { get; } = client;
    public HubDownloader Downloader { get; } = downloader;
    public DownloadQueue Queue { get; } = queue;
    public TuiOptions Options { get; } = options;
    public HubClientOptions ClientOptions => Client.Options;

    /// <summary>Cancelled when the UI closes: every background call takes it (or a token linked to it).</summary>
    public CancellationTokenSource Lifetime { get; } = new();

    /// <summary>Set by the shell: writes the status line (UI thread only).</summary>
    public Action<string, bool> ShowStatus { get; set; } = (_, _) => { };

    /// <summary>Set by the shell: brings a screen to the front (UI thread only).</summary>
    public Action<Screens.TuiScreen> Navigate { get; set; } = _ => { };

    /// <summary>Set by the shell: a yes/no question on the status line (UI thread only).</summary>
    public Action<string, Action, Action> Confirm { get; set; } = (_, _, no) => no();

    /// <summary>The repo screen, for the search screen's Enter.</summary>
    public Screens.RepoScreen? RepoScreen { get; set; }

    public Screens.DownloadsScreen? DownloadsScreen { get; set; }

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and hands its result to <paramref name="onResult"/> on the UI
    /// thread. A failure becomes a status line ("&lt;what&gt; failed: …"); cancellation is quiet.
    /// </summary>
    public void RunInBackground<T>(string what, Func<CancellationToken, Task<T>> work, Action<T> onResult, CancellationToken cancellationToken, Action<Exception>? onError = null)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await work(cancellationToken).ConfigureAwait(false);
                if (!cancellationToken.IsCancellationRequested) Post(() => onResult(result));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Post(() =>
                {
                    ShowStatus($"{what} failed: {ex.Message}", true);
                    onError?.Invoke(ex);
                });
            }
        }, CancellationToken.None);
    }

    /// <summary>Marshals to the UI thread unless the UI is closing.</summary>
    public void Post(Action action)
    {
        if (Lifetime.IsCancellationRequested) return;
        App.Invoke(() =>
        {
            if (!Lifetime.IsCancellationRequested) action();
        });
    }
}
