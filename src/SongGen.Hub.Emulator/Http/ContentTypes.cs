namespace SongGen.Hub.Emulator.Http;

/// <summary>A Content-Type for a served file, from its extension.</summary>
internal static class ContentTypes
{
    public static string ForPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => "application/json; charset=utf-8",
        ".md" or ".txt" or ".gitattributes" or ".py" or ".yaml" or ".yml" or ".csv" => "text/plain; charset=utf-8",
        ".jsonl" => "application/jsonl; charset=utf-8",
        _ when Path.GetFileName(path) == ".gitattributes" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    /// <summary>RFC 6266 header with an ASCII fallback name and the exact UTF-8 name.</summary>
    public static string Disposition(string kind, string path)
    {
        var name = Path.GetFileName(path);
        var ascii = new string(name.Select(c => c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_').ToArray());
        return $"{kind}; filename*=UTF-8''{Uri.EscapeDataString(name)}; filename=\"{ascii}\";";
    }
}
