namespace SongGen.Hub;

/// <summary>
/// An exclusive lock on a lock file that interoperates with Python's <c>filelock.FileLock</c> (what huggingface_hub
/// takes on <c>.locks/&lt;repo&gt;/&lt;etag&gt;.lock</c> and local-dir <c>.lock</c> files).
/// <para>On Linux and macOS, .NET implements <see cref="FileShare.None"/> with an advisory <c>flock(LOCK_EX | LOCK_NB)</c>
/// on the opened file: the same lock Python's <c>UnixFileLock</c> takes, so the two exclude each other (verified against
/// util-linux <c>flock</c>). Setting <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> turns that off and breaks the interop.
/// On Windows the share mode excludes Python's open of the same file.</para>
/// <para>Like Python, the lock file is created with mode 0664 (group members sharing a cache can wait on it) and is
/// never deleted: deleting it would let a waiter lock a new inode while the holder still owns the old one.</para>
/// </summary>
public sealed class HubFileLock : IAsyncDisposable, IDisposable
{
    /// <summary>How often a waiter retries (Python's filelock polls every 50 ms).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private const UnixFileMode LockFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead;

    // errno EWOULDBLOCK as .NET reports it in IOException.HResult when flock finds the file locked.
    private const int LinuxWouldBlock = 11;
    private const int BsdWouldBlock = 35;
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int WindowsLockViolation = unchecked((int)0x80070021);

    private FileStream? stream;

    private HubFileLock(string lockPath, FileStream stream)
    {
        LockPath = lockPath;
        this.stream = stream;
    }

    /// <summary>The full path of the lock file.</summary>
    public string LockPath { get; }

    /// <summary>
    /// Waits until the lock on <paramref name="lockPath"/> is free and takes it. Parent folders are created. Waiting
    /// polls every <see cref="PollInterval"/> through <paramref name="time"/>.
    /// </summary>
    /// <param name="timeout">null waits forever; <see cref="TimeSpan.Zero"/> tries once.</param>
    /// <exception cref="TimeoutException">The lock was still held by someone else after <paramref name="timeout"/>.</exception>
    public static async Task<HubFileLock> AcquireAsync(string lockPath, TimeProvider time, TimeSpan? timeout, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockPath);
        ArgumentNullException.ThrowIfNull(time);
        if (timeout is { } limit)
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero, nameof(timeout));
        string path = Path.GetFullPath(lockPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        long started = time.GetTimestamp();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (TryOpen(path) is { } held)
                return new HubFileLock(path, held);
            TimeSpan waited = time.GetElapsedTime(started);
            TimeSpan delay = PollInterval;
            if (timeout is { } t)
            {
                if (waited >= t)
                    throw new TimeoutException($"Timed out after {t.TotalSeconds:0.###} s waiting for the lock '{path}' (another download of the same file is running?).");
                if (t - waited < delay)
                    delay = t - waited;
            }
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the lock if it is free right now, else returns null. Parent folders are created.</summary>
    public static HubFileLock? TryAcquire(string lockPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockPath);
        string path = Path.GetFullPath(lockPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return TryOpen(path) is { } held ? new HubFileLock(path, held) : null;
    }

    /// <summary>
    /// Whether someone holds the lock on <paramref name="lockPath"/> now. A missing lock file is free (and is not
    /// created): Python creates the file before locking it.
    /// </summary>
    public static bool IsHeld(string lockPath)
    {
        if (!File.Exists(lockPath))
            return false;
        using HubFileLock? probe = TryAcquire(lockPath);
        return probe is null;
    }

    private static FileStream? TryOpen(string path)
    {
        bool creating = !File.Exists(path);
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = LockFileMode;
        FileStream stream;
        try
        {
            stream = new FileStream(path, options);
        }
        catch (IOException e) when (IsHeldByOther(e))
        {
            return null;
        }
        if (creating && !OperatingSystem.IsWindows())
        {
            // The create mode went through the umask (0644 typically); Python chmods to exactly 0664.
            try
            {
                File.SetUnixFileMode(stream.SafeFileHandle, LockFileMode);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return stream;
    }

    private static bool IsHeldByOther(IOException e)
    {
        if (e is FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
            return false;
        if (OperatingSystem.IsWindows())
            return e.HResult is WindowsSharingViolation or WindowsLockViolation;
        return e.HResult == (OperatingSystem.IsLinux() ? LinuxWouldBlock : BsdWouldBlock);
    }

    /// <summary>Releases the lock (closing the file releases the flock). The lock file stays, as with Python.</summary>
    public void Dispose() => Interlocked.Exchange(ref stream, null)?.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
