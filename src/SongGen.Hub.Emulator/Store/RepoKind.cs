namespace SongGen.Hub.Emulator.Store;

/// <summary>The three repository kinds the emulator serves, with the spellings each URL form uses.</summary>
internal enum RepoKind
{
    Model,
    Dataset,
    Space,
}

internal static class RepoKinds
{
    public static readonly RepoKind[] All = [RepoKind.Model, RepoKind.Dataset, RepoKind.Space];

    /// <summary>Accepts the singular ("model") and the plural ("models") spelling.</summary>
    public static RepoKind Parse(string type) =>
        TryParse(type, out var kind) ? kind : throw new ArgumentException($"Unknown repo type '{type}' (model, dataset or space).", nameof(type));

    public static bool TryParse(string? type, out RepoKind kind)
    {
        switch (type)
        {
            case "model" or "models": kind = RepoKind.Model; return true;
            case "dataset" or "datasets": kind = RepoKind.Dataset; return true;
            case "space" or "spaces": kind = RepoKind.Space; return true;
            default: kind = default; return false;
        }
    }

    public static string Singular(this RepoKind kind) => kind switch
    {
        RepoKind.Model => "model",
        RepoKind.Dataset => "dataset",
        _ => "space",
    };

    /// <summary>Used in <c>/api/{plural}/…</c> and as the store folder name.</summary>
    public static string Plural(this RepoKind kind) => kind.Singular() + "s";

    /// <summary>Prefix before the repo id in resolve/raw URLs: none for models.</summary>
    public static string UrlPrefix(this RepoKind kind) => kind == RepoKind.Model ? "" : kind.Plural() + "/";
}
