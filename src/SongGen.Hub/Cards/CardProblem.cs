namespace SongGen.Hub.Cards;

public enum CardProblemSeverity
{
    /// <summary>The Hub would reject the card (or misread it): fix before pushing.</summary>
    Error,
    /// <summary>The Hub accepts the card, but something is probably not what was meant.</summary>
    Warning,
}

/// <summary>
/// One fault in a card. <see cref="Key"/> is the metadata path (<c>model-index[0].results[1].metrics</c>), empty for
/// the card as a whole; <see cref="Line"/>/<see cref="Column"/> are 1-based positions in <c>README.md</c> (0 when not
/// known, e.g. for a value set in code).
/// </summary>
public sealed record CardProblem(CardProblemSeverity Severity, string Key, int Line, int Column, string Message)
{
    public bool IsError => Severity == CardProblemSeverity.Error;

    /// <summary><c>README.md:3:7: error: tags: expected a list of strings, got a string</c> (the compiler-style line editors jump to).</summary>
    public string Format(string file)
    {
        var where = Line > 0 ? $"{file}:{Line}:{Column}" : file;
        var what = Key.Length > 0 ? $"{Key}: {Message}" : Message;
        return $"{where}: {(IsError ? "error" : "warning")}: {what}";
    }

    public override string ToString() => Format("README.md");
}

/// <summary>A card whose front matter cannot be read (malformed YAML, not a mapping) or whose value has the wrong shape for a typed accessor.</summary>
public sealed class CardFormatException : Exception
{
    public CardFormatException(string file, CardProblem problem, Exception? inner = null)
        : base(problem.Format(file), inner)
    {
        File = file;
        Problem = problem;
    }

    public string File { get; }

    public CardProblem Problem { get; }
}
