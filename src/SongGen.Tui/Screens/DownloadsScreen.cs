using System.Collections.ObjectModel;
using SongGen.Tui.Downloads;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>
/// The download queue: one row per job with byte-weighted progress, speed and ETA; below it the files of the selected
/// job, each with its own progress, and the reason of a failure. p pauses/resumes, c cancels, r retries, x removes.
/// </summary>
internal sealed class DownloadsScreen : TuiScreen
{
    private readonly ListView _jobs;
    private readonly ListView _files;
    private readonly Label _detail;
    private readonly ObservableCollection<string> _jobRows = [];
    private readonly ObservableCollection<string> _fileRows = [];
    private List<DownloadJob> _shown = [];
    private int _refreshQueued;

    public DownloadsScreen(TuiContext context) : base(context, "Downloads", Key.F4)
    {
        var header = new Label
        {
            X = 0, Y = 0, Width = Dim.Fill(),
            Text = "  " + Format.Cell("state", 10) + Format.Cell("repo@revision", 34) + Format.Cell("files", 7) + Format.Cell("progress", 36) + Format.Cell("speed", 12) + "ETA",
        };
        _jobs = NewList();
        _jobs.X = 0;
        _jobs.Y = 1;
        _jobs.Width = Dim.Fill();
        _jobs.Height = Dim.Percent(40);
        _jobs.SetSource(_jobRows);
        VimKeys(_jobs);
        _detail = new DataLabel { X = 0, Y = Pos.Bottom(_jobs), Width = Dim.Fill(), Height = 2 };
        _files = NewList();
        _files.X = 0;
        _files.Y = Pos.Bottom(_detail);
        _files.Width = Dim.Fill();
        _files.Height = Dim.Fill();
        _files.SetSource(_fileRows);
        VimKeys(_files);
        Add(header, _jobs, _detail, _files);

        _jobs.ValueChanged += (_, _) => RefreshFiles();
        context.Queue.Changed += QueueRefresh;
    }

    public override string Help => "p pause/resume   c cancel   r retry   x remove (not running)   Tab files of the job   j/k move";

    public override void OnShown()
    {
        Refresh();
        _jobs.SetFocus();
    }

    public override bool HandleKey(Key key, bool typing)
    {
        if (typing || Selected() is not { } job) return false;
        if (key == Key.P) Context.Queue.TogglePause(job.Id);
        else if (key == Key.C) Context.Queue.Cancel(job.Id);
        else if (key == Key.R) Context.Queue.Retry(job.Id);
        else if (key == Key.X || key == Key.Delete) Context.Queue.Remove(job.Id);
        else return false;
        return true;
    }

    private DownloadJob? Selected() =>
        _jobs.SelectedItem is { } index && index < _shown.Count ? _shown[index] : null;

    /// <summary>Queue events come from download threads, many per second: at most one refresh is waiting on the UI thread.</summary>
    private void QueueRefresh()
    {
        if (Interlocked.Exchange(ref _refreshQueued, 1) == 1) return;
        Context.Post(() =>
        {
            Volatile.Write(ref _refreshQueued, 0);
            // Hidden, it would only cost redraws while the user types elsewhere; OnShown refreshes it.
            if (Visible) Refresh();
        });
    }

    private void Refresh()
    {
        var keepId = Selected()?.Id;
        _shown = Context.Queue.Jobs.ToList();
        Sync(_jobRows, _shown.Select(JobRow).ToList());
        var index = keepId is null ? -1 : _shown.FindIndex(j => j.Id == keepId);
        if (index >= 0) _jobs.SelectedItem = index;
        else if (_shown.Count > 0) _jobs.SelectedItem = _shown.Count - 1;
        RefreshFiles();
        SetNeedsDraw();
    }

    private void RefreshFiles()
    {
        var job = Selected();
        if (job is null)
        {
            Sync(_fileRows, []);
            _detail.Text = Context.Queue.LoadError ?? Context.Queue.SaveError ?? "The queue is empty: select files on a repo screen and press d.";
            return;
        }
        _detail.Text = job.State switch
        {
            DownloadJobState.Failed => $"FAILED: {job.Error}   (r retries; the bytes on disk are kept)",
            DownloadJobState.Completed => $"done: {job.Folder}",
            DownloadJobState.Running => job.Notice ?? "downloading",
            DownloadJobState.Paused => "paused (p resumes from the bytes on disk)",
            DownloadJobState.Cancelled => "cancelled (r starts it again)",
            _ => "queued",
        };
        if (Context.Queue.SaveError is { } saveError) _detail.Text = $"error: {saveError}\n{_detail.Text}";
        Sync(_fileRows, job.Files.Select(file =>
            $"{Format.Cell(file.Status, 12)}{Format.Cell(file.Path, 36)}{Format.Percent(file.Bytes, file.Size)} [{Format.Bar(file.Bytes, file.Size, 20)}] {Format.Bytes(file.Bytes)} / {Format.Bytes(file.Size)}"
                          + (file.Message is { } message && file.Status == "failed" ? "  " + message : "")).ToList());
    }

    private static string JobRow(DownloadJob job) =>
        Format.Cell(job.State.ToString().ToLowerInvariant(), 10)
        + Format.Cell($"{job.Repo}@{job.Revision}", 34)
        + Format.Cell($"{job.FilesDone}/{job.Files.Count}", 7)
        + Format.Cell($"{Format.Percent(job.DoneBytes, job.TotalBytes)} [{Format.Bar(job.DoneBytes, job.TotalBytes, 12)}] {Format.Bytes(job.DoneBytes)}/{Format.Bytes(job.TotalBytes)}", 36)
        + Format.Cell(job.State == DownloadJobState.Running ? Format.Speed(job.BytesPerSecond) : "", 12)
        + (job.State == DownloadJobState.Running ? Format.Eta(job.EtaSeconds) : "");
}
