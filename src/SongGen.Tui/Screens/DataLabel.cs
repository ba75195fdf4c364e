using System.Text;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>A label for data (repo ids, paths, tokens): '_' is shown as it is, not taken as a hot key mark.</summary>
internal sealed class DataLabel : Label
{
    public DataLabel() => HotKeySpecifier = new Rune(0xFFFF);
}
