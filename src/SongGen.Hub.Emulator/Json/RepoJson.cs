using System.Text.Json;
using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Json;

/// <summary>
/// Repository objects of the info and listing APIs, built property by property so that <c>expand</c> can ask for
/// exactly a set of them (the Hub then returns only <c>_id</c>, <c>id</c> and those).
/// </summary>
internal sealed class RepoJson(EmulatorRepoStore store)
{
    /// <summary>Every property name the Hub accepts in <c>expand</c> for some repo type.</summary>
    public static readonly IReadOnlySet<string> ExpandableProperties = new HashSet<string>(StringComparer.Ordinal)
    {
        "author", "baseModels", "cardData", "childrenModelCount", "citation", "config", "createdAt", "datasets",
        "description", "disabled", "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "gitalyUid",
        "inference", "inferenceProviderMapping", "lastModified", "library_name", "likes", "mainSize", "model-index",
        "models", "paperswithcode_id", "pipeline_tag", "private", "resourceGroup", "runtime", "safetensors", "sdk",
        "securityRepoStatus", "sha", "siblings", "spaces", "subdomain", "tags", "transformersInfo", "trendingScore",
        "usedStorage", "widgetData", "xetEnabled",
    };

    /// <summary>What a repo info request returns without <c>expand</c>.</summary>
    public static IReadOnlyList<string> InfoProperties(RepoKind kind) => kind switch
    {
        RepoKind.Model => ["modelId", "author", "sha", "lastModified", "private", "gated", "disabled", "downloads", "likes",
            "library_name", "tags", "pipeline_tag", "createdAt", "cardData", "config", "siblings", "spaces", "usedStorage"],
        RepoKind.Dataset => ["author", "sha", "lastModified", "private", "gated", "disabled", "downloads", "likes", "tags",
            "createdAt", "cardData", "description", "siblings", "usedStorage"],
        _ => ["author", "sha", "lastModified", "private", "gated", "disabled", "likes", "tags", "createdAt", "cardData",
            "sdk", "siblings", "models", "datasets", "usedStorage"],
    };

    /// <summary>What a listing item holds without <c>expand</c>; <c>full=true</c> adds <see cref="FullListingExtras"/>.</summary>
    public static IReadOnlyList<string> ListingProperties(RepoKind kind) => kind switch
    {
        RepoKind.Model => ["likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt", "modelId"],
        RepoKind.Dataset => ["author", "disabled", "gated", "lastModified", "likes", "trendingScore", "private", "sha", "downloads", "tags", "createdAt"],
        _ => ["author", "likes", "trendingScore", "private", "sdk", "tags", "createdAt", "lastModified"],
    };

    public static readonly IReadOnlyList<string> FullListingExtras = ["author", "sha", "lastModified", "gated", "disabled", "siblings"];

    /// <summary>Builds <c>{_id, id, …properties}</c>; properties with no value for this repo are left out.</summary>
    public JsonObject Build(RepoSnapshot repo, CommitDocument commit, IEnumerable<string> properties, bool withBlobs)
    {
        var result = new JsonObject { ["_id"] = repo.ObjectId, ["id"] = repo.RepoId };
        foreach (var name in properties.Distinct())
        {
            if (result.ContainsKey(name))
            {
                continue;
            }
            if (Property(repo, commit, name, withBlobs) is { } value)
            {
                result[name] = value.Node;
            }
        }
        return result;
    }

    /// <summary>One property; null when the repo has no value for it (the Hub leaves such keys out).</summary>
    private Present? Property(RepoSnapshot repo, CommitDocument commit, string name, bool withBlobs)
    {
        var isModel = repo.Kind == RepoKind.Model;
        var card = store.CardAt(commit);
        return name switch
        {
            "modelId" when isModel => Of(repo.RepoId),
            "author" => Of(repo.Author),
            "sha" => Of(commit.Id),
            "lastModified" => Of(HubDates.Format(repo.LastModified)),
            "createdAt" => Of(HubDates.Format(repo.CreatedAt)),
            "private" => Of(repo.Private),
            "gated" => new Present(repo.Gated is null ? JsonValue.Create(false) : JsonValue.Create(repo.Gated)),
            "disabled" => Of(false),
            "downloads" when repo.Kind != RepoKind.Space => Of(repo.Downloads),
            "downloadsAllTime" when repo.Kind != RepoKind.Space => Of(repo.DownloadsAllTime),
            "likes" => Of(repo.Likes),
            "trendingScore" => Of(repo.TrendingScore),
            "library_name" when isModel => OfNullable(LibraryName(repo, card)),
            "pipeline_tag" when isModel => OfNullable(PipelineTag(repo, card)),
            "tags" => new Present(new JsonArray(Tags(repo, commit, card).Select(tag => (JsonNode?)JsonValue.Create(tag)).ToArray())),
            "cardData" => card.Data.Count == 0 ? null : new Present(card.Data.DeepClone()),
            "config" when isModel => Config(commit),
            "siblings" => new Present(Siblings(commit, withBlobs)),
            "usedStorage" => Of(commit.Files.Values.DistinctBy(file => file.Sha256).Sum(file => file.Size)),
            "sdk" when repo.Kind == RepoKind.Space => OfNullable(card.Sdk),
            "description" when repo.Kind == RepoKind.Dataset => Of(""),
            "spaces" or "models" or "datasets" => new Present(new JsonArray()),
            "xetEnabled" => Of(false),
            "gitalyUid" => Of(repo.ObjectId),
            _ => null, // known to the Hub but not modelled here (inference, safetensors, gguf, …)
        };
    }

    public static string? PipelineTag(RepoSnapshot repo, ModelCard card) => repo.PipelineTagOverride ?? card.PipelineTag;

    public static string? LibraryName(RepoSnapshot repo, ModelCard card) => repo.LibraryNameOverride ?? card.LibraryName;

    /// <summary>Tags as the Hub derives them: library, file formats, card tags and metadata, added tags, region.</summary>
    public static IReadOnlyList<string> Tags(RepoSnapshot repo, CommitDocument commit, ModelCard card)
    {
        var tags = new List<string>();
        if (repo.Kind == RepoKind.Model)
        {
            if (LibraryName(repo, card) is { } library) tags.Add(library);
            if (commit.Files.Keys.Any(path => path.EndsWith(".safetensors", StringComparison.Ordinal))) tags.Add("safetensors");
            if (PipelineTag(repo, card) is { } pipeline) tags.Add(pipeline);
        }
        tags.AddRange(card.DerivedTags(repo.Kind));
        tags.AddRange(repo.ExtraTags);
        tags.Add("region:us");
        return tags.Distinct(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<string> Tags(RepoSnapshot repo, CommitDocument commit) => Tags(repo, commit, store.CardAt(commit));

    private static JsonArray Siblings(CommitDocument commit, bool withBlobs)
    {
        var siblings = new JsonArray();
        foreach (var (path, file) in commit.Files.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var sibling = new JsonObject { ["rfilename"] = path };
            if (withBlobs)
            {
                sibling["size"] = file.Size;
                sibling["blobId"] = file.Oid;
                if (file.Lfs is { } lfs)
                {
                    // Note the key: "sha256" here, "oid" in the tree API.
                    sibling["lfs"] = new JsonObject { ["size"] = lfs.Size, ["sha256"] = lfs.Sha256, ["pointerSize"] = lfs.PointerSize };
                }
            }
            siblings.Add(sibling);
        }
        return siblings;
    }

    /// <summary>The Hub exposes a few keys of config.json; the emulator exposes the small top-level scalars.</summary>
    private Present? Config(CommitDocument commit)
    {
        if (!commit.Files.TryGetValue("config.json", out var file) || file.Lfs is not null || file.Size > 1 << 20)
        {
            return null;
        }
        try
        {
            var parsed = JsonNode.Parse(store.Objects.ReadAllBytes(file.Sha256)) as JsonObject;
            if (parsed is null) return null;
            var config = new JsonObject();
            foreach (var key in new[] { "architectures", "model_type" })
            {
                if (parsed[key] is { } value) config[key] = value.DeepClone();
            }
            return new Present(config);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Present Of<T>(T value) => new(JsonValue.Create(value));

    private static Present? OfNullable(string? value) => value is null ? null : new Present(JsonValue.Create(value));

    /// <summary>A property that exists (its JSON value may still be null).</summary>
    private sealed record Present(JsonNode? Node);
}
