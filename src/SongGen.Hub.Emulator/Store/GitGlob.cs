using System.Text;
using System.Text.RegularExpressions;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// Git's wildcard patterns (.gitattributes, .gitignore) as regexes: a pattern without "/" matches the name at any
/// depth; one with "/" matches the whole path from the root; <c>*</c> and <c>?</c> stay inside a folder, <c>**</c>
/// crosses folders and <c>**/</c> matches zero or more folders.
/// </summary>
internal static class GitGlob
{
    public static Regex ToRegex(string pattern)
    {
        var anchored = pattern.Contains('/');
        pattern = pattern.TrimStart('/');
        var regex = new StringBuilder(anchored ? "^" : "(^|/)");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                {
                    i++;
                    regex.Append("(.*/)?"); // "**/" matches zero or more folders
                }
                else
                {
                    regex.Append(".*");
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }
        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant);
    }
}
