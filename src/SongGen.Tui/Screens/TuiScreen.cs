using System.Collections.ObjectModel;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>One full screen of the UI (as a UICatalog scenario): the shell shows one at a time.</summary>
internal abstract class TuiScreen : View
{
    protected TuiScreen(TuiContext context, string title, Key key)
    {
        Context = context;
        Title = title;
        Key = key;
        Width = Dim.Fill();
        Height = Dim.Fill();
        CanFocus = true;
        Visible = false;
    }

    protected TuiContext Context { get; }

    /// <summary>The function key that brings this screen up.</summary>
    public Key Key { get; }

    /// <summary>The screen's keys, for the help box.</summary>
    public abstract string Help { get; }

    /// <summary>Called on the UI thread each time the screen comes to the front.</summary>
    public virtual void OnShown()
    {
    }

    /// <summary>
    /// The screen's own keys, offered by the shell before any view sees them (a list's type-to-find would otherwise
    /// take plain letters). <paramref name="typing"/>: a text box has the focus, so plain characters are text.
    /// </summary>
    public virtual bool HandleKey(Key key, bool typing) => false;

    protected static ListView NewList() => new() { CanFocus = true };

    /// <summary>
    /// Makes <paramref name="shown"/> equal to <paramref name="rows"/> by replacing changed rows in place, so that the
    /// list keeps its cursor and scroll position instead of being emptied and refilled.
    /// </summary>
    protected static void Sync(ObservableCollection<string> shown, IReadOnlyList<string> rows)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (i >= shown.Count) shown.Add(rows[i]);
            else if (shown[i] != rows[i]) shown[i] = rows[i];
        }
        while (shown.Count > rows.Count) shown.RemoveAt(shown.Count - 1);
    }

    /// <summary>j/k move like the arrows.</summary>
    protected static void VimKeys(ListView list)
    {
        list.KeyBindings.Add(Key.J, Command.Down);
        list.KeyBindings.Add(Key.K, Command.Up);
    }
}
