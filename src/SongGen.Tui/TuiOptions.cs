namespace SongGen.Tui;

/// <summary>What the terminal UI needs besides the Hub client's own options.</summary>
public sealed class TuiOptions
{
    /// <summary>The JSON file the download queue persists to, so a restart resumes it. Default <c>$HF_HOME/songgen/tui-queue.json</c>.</summary>
    public string? QueueFile { get; set; }

    /// <summary>Where the login dialog writes the token (Python's <c>$HF_HOME/token</c>, or <c>HF_TOKEN_PATH</c>). Default: that of the environment.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Time between the last keystroke in the search box and the search request. Default 300 ms.</summary>
    public TimeSpan SearchDebounce { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Search results asked for per page; the next page loads when the cursor nears the end. Default 50.</summary>
    public int SearchPageSize { get; set; } = 50;

    /// <summary>Queue entries downloading at once (each fetches its files in parallel). Default 1.</summary>
    public int ConcurrentDownloads { get; set; } = 1;

    /// <summary>Terminal.Gui driver name (<c>ansi</c>, <c>dotnet</c>…); null picks the platform default.</summary>
    public string? Driver { get; set; }

    /// <summary>Clock for the search debounce; tests inject a fake one. Default system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Bytes of the model card read for the repo screen. Default 64 KiB.</summary>
    public int CardBytes { get; set; } = 64 * 1024;
}
