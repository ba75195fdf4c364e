using System.Text.Json;
using SongGen.Hub;

namespace SongGen.Tui.Downloads;

/// <summary>
/// The download queue behind the Downloads screen. Jobs run on the thread pool through the resumable
/// <see cref="HubDownloader"/>; the list is written to a JSON file on every state change, so after a crash or a
/// restart <see cref="Start"/> picks up queued and interrupted jobs and the downloader continues from the bytes on disk.
/// <see cref="Changed"/> is raised on worker threads: the UI marshals it.
/// </summary>
public sealed class DownloadQueue : IDisposable
{
    private readonly HubDownloader _downloader;
    private readonly string _file;
    private readonly int _concurrent;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<DownloadJob> _jobs = [];
    private bool _started;
    private bool _disposed;

    public DownloadQueue(HubDownloader downloader, string file, int concurrent = 1, TimeProvider? time = null)
    {
        _downloader = downloader;
        _file = Path.GetFullPath(file);
        _concurrent = Math.Max(1, concurrent);
        _time = time ?? TimeProvider.System;
        _jobs.AddRange(Load(_file, out var loadError));
        LoadError = loadError;
        foreach (var job in _jobs.Where(j => j.State == DownloadJobState.Running))
            job.State = DownloadJobState.Queued; // interrupted by the crash or exit: resume it
    }

    /// <summary>Raised (on any thread) when a job is added, removed, changes state or makes progress.</summary>
    public event Action? Changed;

    /// <summary>Why the persisted queue could not be read (it is then kept aside, never overwritten silently), or null.</summary>
    public string? LoadError { get; }

    /// <summary>
    /// Why the latest save of the queue failed (disk full, no permission), or null once one succeeds. The downloads go
    /// on; only a restart would not resume them.
    /// </summary>
    public string? SaveError { get; private set; }

    public string FilePath => _file;

    public IReadOnlyList<DownloadJob> Jobs
    {
        get { lock (_gate) return _jobs.ToList(); }
    }

    /// <summary>Starts running queued jobs (those restored from the file included).</summary>
    public void Start()
    {
        lock (_gate) _started = true;
        Pump();
    }

    public DownloadJob Enqueue(RepoId repo, string revision, IEnumerable<(string Path, long Size)> files)
    {
        var list = files.Select(f => new DownloadFileState { Path = f.Path, Size = f.Size }).ToList();
        if (list.Count == 0) throw new ArgumentException("Nothing selected to download", nameof(files));
        var job = new DownloadJob
        {
            Id = Guid.NewGuid().ToString("N")[..12],
            Repo = repo.Id,
            RepoType = repo.Type.Singular(),
            Revision = revision,
            Files = list,
            TotalBytes = list.Sum(f => f.Size),
            AddedAt = _time.GetUtcNow(),
        };
        lock (_gate) _jobs.Add(job);
        SaveAndNotify();
        Pump();
        return job;
    }

    /// <summary>Pauses a running or queued job (its partial files stay on disk), or resumes a paused one.</summary>
    public void TogglePause(string id) => Act(id, job =>
    {
        switch (job.State)
        {
            case DownloadJobState.Running:
                RequestStop(job, DownloadJobState.Paused);
                break;
            case DownloadJobState.Queued:
                job.State = DownloadJobState.Paused;
                break;
            case DownloadJobState.Paused:
                job.State = DownloadJobState.Queued;
                break;
        }
    });

    public void Cancel(string id) => Act(id, job =>
    {
        if (job.State == DownloadJobState.Running) RequestStop(job, DownloadJobState.Cancelled);
        else if (job.State is DownloadJobState.Queued or DownloadJobState.Paused) job.State = DownloadJobState.Cancelled;
    });

    /// <summary>Queues a failed or cancelled job again; the downloader resumes what is on disk.</summary>
    public void Retry(string id) => Act(id, job =>
    {
        if (job.State is DownloadJobState.Failed or DownloadJobState.Cancelled)
        {
            job.State = DownloadJobState.Queued;
            job.Error = null;
        }
    });

    /// <summary>Drops a job that is not running from the list (files already downloaded stay in the cache).</summary>
    public void Remove(string id)
    {
        lock (_gate) _jobs.RemoveAll(j => j.Id == id && j.State != DownloadJobState.Running);
        SaveAndNotify();
    }

    private void Act(string id, Action<DownloadJob> action)
    {
        lock (_gate)
        {
            if (_jobs.FirstOrDefault(j => j.Id == id) is { } job) action(job);
        }
        SaveAndNotify();
        Pump();
    }

    private static void RequestStop(DownloadJob job, DownloadJobState state)
    {
        job.StopAs = state;
        job.Stop?.Cancel();
    }

    private void Pump()
    {
        List<(DownloadJob Job, CancellationTokenSource Stop)> toRun = [];
        lock (_gate)
        {
            if (!_started || _disposed) return;
            var running = _jobs.Count(j => j.State == DownloadJobState.Running);
            foreach (var job in _jobs.Where(j => j.State == DownloadJobState.Queued))
            {
                if (running >= _concurrent) break;
                job.State = DownloadJobState.Running;
                job.StopAs = null;
                job.Notice = null;
                job.Stop = new CancellationTokenSource();
                running++;
                toRun.Add((job, job.Stop));
            }
        }
        if (toRun.Count == 0) return;
        SaveAndNotify();
        foreach (var (job, stop) in toRun) _ = Task.Run(() => RunAsync(job, stop));
    }

    /// <summary>One run of <paramref name="job"/>; <paramref name="stop"/> is this run's own source (a resume makes a new one).</summary>
    private async Task RunAsync(DownloadJob job, CancellationTokenSource stop)
    {
        var token = stop.Token;
        try
        {
            var request = new SnapshotRequest(RepoId.Parse(job.Repo, RepoTypeExtensions.ParseRepoType(job.RepoType)))
            {
                Revision = job.Revision,
                Include = job.Files.Select(f => EscapePattern(f.Path)).ToList(),
            };
            var result = await _downloader.SnapshotDownloadAsync(request, new JobProgress(this, job), token).ConfigureAwait(false);
            lock (_gate)
            {
                job.State = DownloadJobState.Completed;
                job.Folder = result.Folder;
                job.DoneBytes = job.TotalBytes;
                job.FilesDone = job.Files.Count;
                job.BytesPerSecond = 0;
                job.EtaSeconds = null;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            lock (_gate)
            {
                // Stopped by the app closing: the saved state stays "running", so the next start resumes it.
                if (_disposed && job.StopAs is null) return;
                job.State = job.StopAs ?? DownloadJobState.Paused;
                job.BytesPerSecond = 0;
                job.EtaSeconds = null;
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                job.State = DownloadJobState.Failed;
                job.Error = ex.Message;
                job.BytesPerSecond = 0;
                job.EtaSeconds = null;
            }
        }
        finally
        {
            // Under the lock: a pause or cancel cancels job.Stop under it too, so it never meets a disposed source; and a
            // resume may already have started the next run with a new source, which must stay.
            lock (_gate)
            {
                if (job.Stop == stop) job.Stop = null;
                stop.Dispose();
            }
        }
        SaveAndNotify();
        Pump();
    }

    /// <summary>The downloader takes fnmatch patterns: a chosen file is its own pattern with the special characters quoted.</summary>
    internal static string EscapePattern(string path) =>
        string.Concat(path.Select(c => c is '*' or '?' or '[' ? $"[{c}]" : c.ToString()));

    private void OnEvent(DownloadJob job, DownloadEvent e)
    {
        lock (_gate)
        {
            if (e.TotalExpected > 0) job.TotalBytes = e.TotalExpected;
            job.DoneBytes = e.TotalBytes;
            job.FilesDone = e.FilesDone;
            job.BytesPerSecond = e.BytesPerSecond;
            job.EtaSeconds = e.EtaSeconds;
            var file = e.Path is null ? null : job.Files.FirstOrDefault(f => f.Path == e.Path);
            switch (e.Kind)
            {
                case DownloadEventKind.FileStarted when file is not null:
                    file.Status = "downloading";
                    file.Size = e.FileTotal;
                    file.Bytes = e.FileBytes;
                    file.Message = null;
                    break;
                case DownloadEventKind.FileProgress when file is not null:
                    file.Status = "downloading";
                    file.Bytes = e.FileBytes;
                    break;
                case DownloadEventKind.FileCompleted when file is not null:
                    file.Status = "done";
                    file.Bytes = file.Size = e.FileTotal;
                    break;
                case DownloadEventKind.FileSkipped when file is not null:
                    file.Status = "done";
                    file.Bytes = file.Size = e.FileTotal;
                    file.Message = e.Message;
                    break;
                case DownloadEventKind.Retrying:
                    if (file is not null) file.Status = "retrying";
                    job.Notice = $"retrying {e.Path}: {e.Message}";
                    break;
                case DownloadEventKind.FileFailed when file is not null:
                    file.Status = "failed";
                    file.Message = e.Message;
                    break;
            }
        }
        Changed?.Invoke();
    }

    private sealed class JobProgress(DownloadQueue queue, DownloadJob job) : IProgress<DownloadEvent>
    {
        public void Report(DownloadEvent value) => queue.OnEvent(job, value);
    }

    private void SaveAndNotify()
    {
        Save();
        Changed?.Invoke();
    }

    private void Save()
    {
        lock (_gate)
        {
            if (LoadError is not null) return; // the unreadable file stays as it was for the user to look at
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
                var temp = _file + ".tmp";
                File.WriteAllText(temp, JsonSerializer.Serialize(_jobs, DownloadQueueJsonContext.Default.ListDownloadJob));
                File.Move(temp, _file, overwrite: true);
                SaveError = null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Thrown on a download thread it would end the run before the next job starts; on the UI thread it
                // would lose the key press. Reported on the Downloads screen instead.
                SaveError = $"The download queue could not be saved to {_file} ({ex.Message}); a restart will not resume it";
            }
        }
    }

    private static List<DownloadJob> Load(string file, out string? error)
    {
        error = null;
        if (!File.Exists(file)) return [];
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(file), DownloadQueueJsonContext.Default.ListDownloadJob) ?? [];
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            error = $"The download queue {file} could not be read ({ex.Message}); it is left as it is and this session's queue is not saved";
            return [];
        }
    }

    /// <summary>Stops the running jobs without changing their saved state, so the next start resumes them.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            // Under the lock, as the runs dispose their sources under it.
            foreach (var job in _jobs.Where(j => j.State == DownloadJobState.Running)) job.Stop?.Cancel();
        }
    }
}
