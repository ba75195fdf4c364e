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

    /// <summary>Screen keys that are plain characters (j, d, …) apply only when no text box has the focus.</summary>
    protected bool TypingInTextBox => App?.Navigation?.GetFocused() is TextField;

    protected static ListView NewList() => new() { CanFocus = true };

    /// <summary>j/k move like the arrows.</summary>
    protected static void VimKeys(ListView list)
    {
        list.KeyBindings.Add(Key.J, Command.Down);
        list.KeyBindings.Add(Key.K, Command.Up);
    }
}
