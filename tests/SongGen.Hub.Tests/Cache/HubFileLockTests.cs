using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace SongGen.Hub.Tests.Cache;

public sealed class HubFileLockTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly string lockPath;

    public HubFileLockTests() => lockPath = temp.Combine(".locks", "models--alice--seed", "etag.lock");

    public void Dispose() => temp.Dispose();

    private static bool FlockAvailable => !OperatingSystem.IsWindows() && File.Exists("/usr/bin/flock");

    /// <summary>Runs util-linux <c>flock -n &lt;file&gt; true</c>: exit 0 when it could take the lock, 1 when it is held.</summary>
    private static int FlockNonBlocking(string path)
    {
        using Process process = Process.Start(new ProcessStartInfo("flock", ["-n", path, "true"]) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode;
    }

    [Fact]
    public async Task Holding_the_lock_excludes_flock_like_pythons_filelock()
    {
        if (!FlockAvailable)
            return;
        await using (HubFileLock held = await HubFileLock.AcquireAsync(lockPath, TimeProvider.System, TimeSpan.Zero, CancellationToken.None))
        {
            Assert.Equal(Path.GetFullPath(lockPath), held.LockPath);
            Assert.Equal(1, FlockNonBlocking(lockPath));
        }
        Assert.Equal(0, FlockNonBlocking(lockPath));
        Assert.True(File.Exists(lockPath)); // Python leaves lock files in place
    }

    [Fact]
    public async Task A_lock_held_by_another_process_makes_us_wait_then_succeed()
    {
        if (!FlockAvailable)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        // flock holds the lock while the shell waits for a line on stdin: no sleeping needed to sequence the test.
        var start = new ProcessStartInfo("flock", ["-x", lockPath, "-c", "echo locked; read line"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using Process holder = Process.Start(start)!;
        try
        {
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());
            await Assert.ThrowsAsync<TimeoutException>(() => HubFileLock.AcquireAsync(lockPath, TimeProvider.System, TimeSpan.Zero, CancellationToken.None));
            Assert.Null(HubFileLock.TryAcquire(lockPath));
            Assert.True(HubFileLock.IsHeld(lockPath));

            await holder.StandardInput.WriteLineAsync("go");
            await holder.StandardInput.FlushAsync();
            await holder.WaitForExitAsync();

            await using HubFileLock acquired = await HubFileLock.AcquireAsync(lockPath, TimeProvider.System, TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.Equal(1, FlockNonBlocking(lockPath));
        }
        finally
        {
            if (!holder.HasExited)
                holder.Kill();
        }
    }

    [Fact]
    public async Task Lock_files_are_created_with_mode_0664_regardless_of_umask()
    {
        if (OperatingSystem.IsWindows())
            return;
        await using (await HubFileLock.AcquireAsync(lockPath, TimeProvider.System, null, CancellationToken.None))
        {
        }
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead,
            File.GetUnixFileMode(lockPath));
    }

    [Fact]
    public async Task Waiting_polls_through_the_time_provider_and_times_out()
    {
        var time = new FakeTimeProvider();
        using HubFileLock first = HubFileLock.TryAcquire(lockPath)!;
        Task<HubFileLock> waiting = HubFileLock.AcquireAsync(lockPath, time, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await AdvanceUntilCompleted(time, waiting, HubFileLock.PollInterval, maxSteps: 100);
        await Assert.ThrowsAsync<TimeoutException>(() => waiting);
    }

    [Fact]
    public async Task A_waiter_gets_the_lock_after_release()
    {
        var time = new FakeTimeProvider();
        HubFileLock first = HubFileLock.TryAcquire(lockPath)!;
        Task<HubFileLock> waiting = HubFileLock.AcquireAsync(lockPath, time, timeout: null, CancellationToken.None);
        time.Advance(HubFileLock.PollInterval);
        Assert.False(waiting.IsCompleted);
        await first.DisposeAsync();
        await AdvanceUntilCompleted(time, waiting, HubFileLock.PollInterval, maxSteps: 100);
        await using HubFileLock second = await waiting;
        Assert.Null(HubFileLock.TryAcquire(lockPath));
    }

    [Fact]
    public async Task Waiting_can_be_cancelled()
    {
        using HubFileLock first = HubFileLock.TryAcquire(lockPath)!;
        using var cts = new CancellationTokenSource();
        Task<HubFileLock> waiting = HubFileLock.AcquireAsync(lockPath, new FakeTimeProvider(), null, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public void IsHeld_does_not_create_missing_lock_files()
    {
        Assert.False(HubFileLock.IsHeld(lockPath));
        Assert.False(File.Exists(lockPath));
        Assert.False(Directory.Exists(Path.GetDirectoryName(lockPath)));
    }

    [Fact]
    public void Dispose_twice_is_harmless()
    {
        HubFileLock held = HubFileLock.TryAcquire(lockPath)!;
        held.Dispose();
        held.Dispose();
        using HubFileLock again = HubFileLock.TryAcquire(lockPath)!;
        Assert.NotNull(again);
    }

    /// <summary>
    /// Advances fake time one poll at a time. The waiter's continuation normally runs inside Advance; when it was
    /// queued instead (a loaded machine), a short real wait for the task lets it register its next poll before time
    /// moves on, so steps are not spent while nothing is waiting on the clock.
    /// </summary>
    private static async Task AdvanceUntilCompleted(FakeTimeProvider time, Task task, TimeSpan step, int maxSteps)
    {
        for (int i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            time.Advance(step);
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System));
        }
        Assert.True(task.IsCompleted, "the lock waiter did not finish");
    }
}
