using System.Collections.ObjectModel;
using System.Diagnostics;
using SongGen.Hub;
using SongGen.Hub.Api;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>
/// Search models or datasets: a debounced search box, author / tag / pipeline filters, a sort, and a result list that
/// loads the next page as the cursor nears its end. Enter opens the repo screen.
/// </summary>
internal sealed class SearchScreen : TuiScreen
{
    private static readonly string[] Sorts = ["downloads", "likes", "lastModified", "trendingScore"];
    private const int IdWidth = 44;

    private readonly Label _modeLabel;
    private readonly TextField _query;
    internal TextField QueryBox => _query;
    private readonly TextField _author;
    private readonly TextField _tag;
    private readonly TextField _pipeline;
    private readonly ListView _list;
    private readonly Label _footer;
    private readonly ObservableCollection<string> _rows = [];
    private readonly List<RepoInfo> _results = [];
    private RepoType _type = RepoType.Model;
    private int _sort;
    private SearchRun? _run;
    private CancellationTokenSource? _debounce;
    private long _responseTimestamp;

    public SearchScreen(TuiContext context) : base(context, "Search", Key.F2)
    {
        _modeLabel = new DataLabel { X = 0, Y = 0, Width = Dim.Fill() };
        var queryLabel = new DataLabel { X = 0, Y = 1, Text = "Search:" };
        _query = new TextField { X = 8, Y = 1, Width = 30 };
        var authorLabel = new DataLabel { X = 40, Y = 1, Text = "Author:" };
        _author = new TextField { X = 48, Y = 1, Width = 16 };
        var tagLabel = new DataLabel { X = 0, Y = 2, Text = "Tag:" };
        _tag = new TextField { X = 8, Y = 2, Width = 30 };
        var pipelineLabel = new DataLabel { X = 40, Y = 2, Text = "Task:" };
        _pipeline = new TextField { X = 48, Y = 2, Width = 16 };
        var header = new Label
        {
            X = 0, Y = 3, Width = Dim.Fill(),
            Text = "  " + Format.Cell("id", IdWidth) + Format.RightCell("downloads", 10) + Format.RightCell("likes", 7) + "  " + Format.Cell("updated", 11) + "task",
        };
        _list = NewList();
        _list.X = 0;
        _list.Y = 4;
        _list.Width = Dim.Fill();
        _list.Height = Dim.Fill(1);
        _list.SetSource(_rows);
        VimKeys(_list);
        _footer = new DataLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill() };
        Add(_modeLabel, queryLabel, _query, authorLabel, _author, tagLabel, _tag, pipelineLabel, _pipeline, header, _list, _footer);

        foreach (var field in new[] { _query, _author, _tag, _pipeline })
        {
            field.TextChanged += (_, _) => ScheduleSearch();
            field.KeyDown += (_, key) =>
            {
                if (key == Key.Enter || key == Key.CursorDown)
                {
                    _list.SetFocus();
                    key.Handled = true;
                }
            };
        }
        _list.KeyDown += OnListKey;
        // A double click accepts the row (Enter never gets here: OnListKey takes it first).
        _list.Accepting += (_, e) =>
        {
            OpenSelected();
            e.Handled = true;
        };
        _list.ValueChanged += (_, _) => LoadMoreIfNearEnd();
        context.App.LayoutAndDrawComplete += (_, _) => OnDrawn();
        UpdateModeLabel();
    }

    public override string Help =>
        "/ search box   Tab next pane   j/k or arrows move   Enter open   t models/datasets   s sort   Ctrl+T, Ctrl+S the same from a text box";

    /// <summary>The rows shown, for tests.</summary>
    public IReadOnlyList<RepoInfo> Results => _results;

    /// <summary>Time from the last page of results arriving (on the worker thread) to its rows being drawn by the UI loop, or null before the first.</summary>
    public TimeSpan? LastResultsLatency { get; private set; }

    /// <summary>Counts drawn result pages, so a caller can wait for the next one.</summary>
    public int ResultsDrawn => Volatile.Read(ref _resultsDrawn);

    private int _resultsDrawn;

    public override void OnShown()
    {
        if (_run is null) Search(); // first visit: most downloaded first
        _query.SetFocus();
    }

    public void FocusSearchBox() => _query.SetFocus();

    public override bool HandleKey(Key key, bool typing)
    {
        if (key == Key.T.WithCtrl || key == Key.T && !typing)
            _type = _type == RepoType.Model ? RepoType.Dataset : RepoType.Model;
        else if (key == Key.S.WithCtrl || key == Key.S && !typing)
            _sort = (_sort + 1) % Sorts.Length;
        else return false;
        UpdateModeLabel();
        Search();
        return true;
    }

    private void OnListKey(object? sender, Key key)
    {
        if (key != Key.Enter) return;
        key.Handled = true;
        OpenSelected();
    }

    private void OpenSelected()
    {
        if (_list.SelectedItem is { } index && index < _results.Count && Context.RepoScreen is { } repo)
        {
            repo.Open(new RepoId(_type, _results[index].Id), null);
            Context.Navigate(repo);
        }
    }

    private void UpdateModeLabel() =>
        _modeLabel.Text = $"[{(_type == RepoType.Model ? "models" : "datasets")}] (t toggles)   sort: {Sorts[_sort]} (s cycles)   endpoint: {Context.ClientOptions.Endpoint}";

    /// <summary>Restarts the debounce: the search runs once the box has been still for <see cref="TuiOptions.SearchDebounce"/>.</summary>
    private void ScheduleSearch()
    {
        _debounce?.Cancel();
        var cts = _debounce = CancellationTokenSource.CreateLinkedTokenSource(Context.Lifetime.Token);
        // The timer starts here, on the keystroke, not when a pool thread gets to it.
        Task.Delay(Context.Options.SearchDebounce, Context.Options.TimeProvider, cts.Token).ContinueWith(delay =>
        {
            if (!delay.IsCompletedSuccessfully) return;
            Context.Post(() =>
            {
                if (!cts.IsCancellationRequested) Search();
            });
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Starts a new search (UI thread); the previous one is cancelled and its late pages are dropped.</summary>
    private void Search()
    {
        _debounce?.Cancel();
        _run?.Cancel();
        var search = new RepoSearch
        {
            Search = Blank(_query.Text),
            Author = Blank(_author.Text),
            Filters = new[] { Blank(_tag.Text) }.OfType<string>().ToList(),
            PipelineTag = Blank(_pipeline.Text),
            Sort = Sorts[_sort],
            PageSize = Context.Options.SearchPageSize,
            Expand = ["downloads", "likes", "lastModified", "pipeline_tag", "private", "gated"],
        };
        var run = _run = new SearchRun(Context.Client.ListReposAsync(_type, search, CancellationToken.None), Context.Lifetime.Token);
        _results.Clear();
        _rows.Clear();
        _footer.Text = "searching…";
        LoadPage(run);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private void LoadMoreIfNearEnd()
    {
        if (_run is { Loading: false, Exhausted: false } run && _list.SelectedItem is { } index && index >= _results.Count - 5)
            LoadPage(run);
    }

    private void LoadPage(SearchRun run)
    {
        run.Loading = true;
        var size = Context.Options.SearchPageSize;
        Context.RunInBackground("search", async ct =>
        {
            var page = new List<RepoInfo>(size);
            while (page.Count < size && await run.Items.MoveNextAsync().ConfigureAwait(false)) page.Add(run.Items.Current);
            return (page, arrived: Stopwatch.GetTimestamp());
        }, result =>
        {
            var (page, arrived) = result;
            if (run != _run) return;
            _responseTimestamp = arrived;
            run.Loading = false;
            if (page.Count < size) run.Exhausted = true;
            _results.AddRange(page);
            foreach (var repo in page) _rows.Add(Row(repo));
            if (_list.SelectedItem is null && _rows.Count > 0) _list.SelectedItem = 0;
            _footer.Text = $"{_results.Count} {(_type == RepoType.Model ? "models" : "datasets")}{(run.Exhausted ? "" : " (more load as you scroll)")}";
            SetNeedsDraw();
            // The cursor may have reached the end while this page loaded; it will not move again to ask for the next.
            LoadMoreIfNearEnd();
        }, run.Token, onError: _ =>
        {
            if (run != _run) return;
            // The listing's enumerator ends with its error: this run is over; a new search (edit or Enter) starts afresh.
            run.Loading = false;
            run.Exhausted = true;
            _footer.Text = $"{_results.Count} {(_type == RepoType.Model ? "models" : "datasets")} (search failed: edit the search to retry)";
            SetNeedsDraw();
        });
    }

    private void OnDrawn()
    {
        if (_responseTimestamp == 0) return;
        LastResultsLatency = Stopwatch.GetElapsedTime(_responseTimestamp);
        _responseTimestamp = 0;
        Interlocked.Increment(ref _resultsDrawn);
    }

    private static string Row(RepoInfo repo) =>
        Format.Cell(repo.Id + (repo.Private == true ? " (private)" : repo.IsGated ? " (gated)" : ""), IdWidth)
        + Format.RightCell(Format.Count(repo.Downloads), 10) + Format.RightCell(Format.Count(repo.Likes), 7) + "  "
        + Format.Cell(Format.Date(repo.LastModified), 11) + (repo.PipelineTag ?? "");

    /// <summary>One search: its page enumerator (pages follow the Hub's Link headers) and whether more may come.</summary>
    private sealed class SearchRun
    {
        private readonly CancellationTokenSource _cts;

        public SearchRun(IAsyncEnumerable<RepoInfo> items, CancellationToken lifetime)
        {
            _cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
            Items = items.GetAsyncEnumerator(_cts.Token);
        }

        public IAsyncEnumerator<RepoInfo> Items { get; }
        public CancellationToken Token => _cts.Token;
        public bool Loading { get; set; }
        public bool Exhausted { get; set; }

        public void Cancel() => _cts.Cancel();
    }
}
