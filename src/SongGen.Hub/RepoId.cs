using System.Text.RegularExpressions;

namespace SongGen.Hub;

/// <summary>The kinds of Hub repository. Each has its own URL prefix and cache folder prefix.</summary>
public enum RepoType
{
    Model,
    Dataset,
    Space,
}

public static class RepoTypeExtensions
{
    /// <summary>Plural used in <c>/api/{plural}/…</c> and in cache folder names (<c>models--org--name</c>).</summary>
    public static string Plural(this RepoType type) => type switch
    {
        RepoType.Model => "models",
        RepoType.Dataset => "datasets",
        RepoType.Space => "spaces",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Prefix before the repo id in resolve URLs: none for models.</summary>
    public static string UrlPrefix(this RepoType type) => type == RepoType.Model ? "" : type.Plural() + "/";

    /// <summary>The singular word the Hub uses in JSON bodies and the CLI's <c>--repo-type</c>.</summary>
    public static string Singular(this RepoType type) => type switch
    {
        RepoType.Model => "model",
        RepoType.Dataset => "dataset",
        RepoType.Space => "space",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static RepoType ParseRepoType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "model" or "models" => RepoType.Model,
        "dataset" or "datasets" => RepoType.Dataset,
        "space" or "spaces" => RepoType.Space,
        _ => throw new ArgumentException($"Unknown repo type '{value}': expected model, dataset or space.", nameof(value)),
    };
}

/// <summary>A repository on the Hub: its type and its id (<c>namespace/name</c>, or a legacy bare <c>name</c>).</summary>
public readonly partial record struct RepoId(RepoType Type, string Id)
{
    [GeneratedRegex(@"^(?:[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}$")]
    private static partial Regex ValidId();

    /// <summary>Parses <c>org/name</c>; refuses ids that could escape a URL or a cache folder (<c>..</c>, <c>--</c>, slashes).</summary>
    public static RepoId Parse(string id, RepoType type = RepoType.Model)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!ValidId().IsMatch(id) || id.Contains("..", StringComparison.Ordinal) || id.Contains("--", StringComparison.Ordinal) || id.EndsWith('.'))
            throw new ArgumentException($"'{id}' is not a valid repo id: expected 'namespace/name' of letters, digits, '-', '_' and '.'.", nameof(id));
        return new RepoId(type, id);
    }

    public string Namespace => Id.Contains('/') ? Id[..Id.IndexOf('/')] : "";
    public string Name => Id.Contains('/') ? Id[(Id.IndexOf('/') + 1)..] : Id;

    /// <summary>Cache folder name exactly as Python's <c>repo_folder_name</c>: <c>models--org--name</c>.</summary>
    public string CacheFolderName => Type.Plural() + "--" + Id.Replace("/", "--", StringComparison.Ordinal);

    public override string ToString() => Type == RepoType.Model ? Id : $"{Type.Plural()}/{Id}";
}
