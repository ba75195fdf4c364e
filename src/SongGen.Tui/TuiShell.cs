using SongGen.Tui.Screens;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui;

/// <summary>
/// The main window: a line naming the screens and their keys, the current screen, and a status line. Global keys:
/// F2–F6 switch screens, / goes to the search box, ? shows the current screen's keys, Ctrl+Q quits.
/// Help and confirmations are shown inside the window, never as modal dialogs: in Terminal.Gui 2.5 a modal session
/// makes <c>IApplication.Invoke</c> from other threads block until it closes, which would stall every download.
/// </summary>
internal sealed class TuiShell : Window
{
    private readonly TuiContext _context;
    private readonly Label _tabs;
    private readonly Label _status;
    private readonly View _body;
    private readonly FrameView _help;
    private readonly Label _helpText;
    private (string Question, Action OnYes, Action OnNo)? _confirm;

    public TuiShell(TuiContext context)
    {
        _context = context;
        Title = $"songgen tui: {context.ClientOptions.Endpoint}";
        _tabs = new DataLabel { X = 0, Y = 0, Width = Dim.Fill() };
        _body = new View { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(1), CanFocus = true };
        _status = new DataLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill() };
        _helpText = new DataLabel { X = 1, Y = 0, Width = Dim.Fill(1), Height = Dim.Fill() };
        _help = new FrameView { X = Pos.Center(), Y = Pos.Center(), Width = Dim.Percent(80), Height = 12, Visible = false };
        _help.Add(_helpText);
        Add(_tabs, _body, _status, _help);

        Search = new SearchScreen(context);
        Repo = new RepoScreen(context);
        Downloads = new DownloadsScreen(context);
        Cache = new CacheScreen(context);
        Account = new AccountScreen(context);
        Screens = [Search, Repo, Downloads, Cache, Account];
        foreach (var screen in Screens) _body.Add(screen);
        context.RepoScreen = Repo;
        context.DownloadsScreen = Downloads;
        context.ShowStatus = ShowStatus;
        context.Navigate = Show;
        context.Confirm = Confirm;
        context.App.Keyboard.KeyDown += OnGlobalKey;
        ShowStatus(context.Queue.LoadError ?? "F1/? help   Ctrl+Q quit", context.Queue.LoadError is not null);
    }

    public SearchScreen Search { get; }
    public RepoScreen Repo { get; }
    public DownloadsScreen Downloads { get; }
    public CacheScreen Cache { get; }
    public AccountScreen Account { get; }
    public IReadOnlyList<TuiScreen> Screens { get; }
    public TuiScreen? Current { get; private set; }

    /// <summary>The status line's text (errors start with "error:").</summary>
    public string Status => _status.Text ?? "";

    public void Show(TuiScreen screen)
    {
        foreach (var other in Screens) other.Visible = other == screen;
        Current = screen;
        _tabs.Text = string.Join("  ", Screens.Select(s => s == screen ? $"[{s.Key} {s.Title}]" : $" {s.Key} {s.Title} ")) + "   ? help  Ctrl+Q quit";
        screen.OnShown();
        SetNeedsDraw();
    }

    private void ShowStatus(string text, bool isError)
    {
        _status.Text = isError ? "error: " + text : text;
        _status.SetNeedsDraw();
    }

    /// <summary>Asks a yes/no question on the status line; y runs <paramref name="onYes"/>, any other key <paramref name="onNo"/>.</summary>
    public void Confirm(string question, Action onYes, Action onNo)
    {
        _confirm = (question, onYes, onNo);
        ShowStatus(question + " [y/N]", false);
    }

    /// <summary>Whether the help box is up (tests read it).</summary>
    public bool HelpVisible => _help.Visible;

    private void OnGlobalKey(object? sender, Key key)
    {
        if (_context.App.TopRunnableView != this) return;
        if (_confirm is { } pending)
        {
            _confirm = null;
            if (key == Key.Y || key == Key.Y.WithShift) pending.OnYes();
            else pending.OnNo();
            key.Handled = true;
            return;
        }
        if (_help.Visible)
        {
            _help.Visible = false; // any key closes it
            SetNeedsDraw();
            key.Handled = true;
            return;
        }
        var typing = _context.App.Navigation?.GetFocused() is TextField;
        if (Screens.FirstOrDefault(s => s.Key == key) is { } target)
            Show(target);
        else if (key == Key.Q.WithCtrl)
            _context.App.RequestStop();
        else if (key == Key.F1 || key == (Key)'?' && !typing)
            ShowHelp();
        else if (key == (Key)'/' && !typing)
        {
            Show(Search);
            Search.FocusSearchBox();
        }
        else if (Current?.HandleKey(key, typing) == true)
        {
        }
        else if (key == Key.Esc)
        {
            // Esc would quit the whole app (Terminal.Gui's default): here it only leaves a text box.
        }
        else return;
        key.Handled = true;
    }

    private void ShowHelp()
    {
        _help.Title = $"Keys: {Current?.Title}";
        var width = Math.Max(30, Frame.Width * 8 / 10 - 4);
        var lines = SongGen.Tui.Screens.RepoScreen.Wrap(Current?.Help ?? "", width).ToList();
        lines.Add("");
        lines.AddRange(SongGen.Tui.Screens.RepoScreen.Wrap("Everywhere: F2 Search  F3 Repo  F4 Downloads  F5 Cache  F6 Account   / search box   Tab next pane   ? or F1 this help   Ctrl+Q quit", width));
        lines.Add("");
        lines.Add("(any key closes this)");
        _helpText.Text = string.Join('\n', lines);
        _help.Visible = true;
        SetNeedsDraw();
    }
}
