using System.Text.Json.Nodes;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// <c>GET /api/models|datasets|spaces</c>: search, author, filter (tags), pipeline_tag, gated, sort (descending),
/// full / cardData / config / expand, and Link paging (limit = page size, capped by the options).
/// </summary>
internal sealed class ListingEndpoint(EmulatorServices services)
{
    public async Task HandleAsync(HubCall call, RepoKind kind)
    {
        var query = call.Query;
        if (!LinkPaging.TryReadOffset(call, out var offset))
        {
            await HubResponses.BadRequestAsync(call, "Invalid cursor");
            return;
        }
        var expand = query.GetAll("expand");
        if (expand.FirstOrDefault(name => !RepoJson.ExpandableProperties.Contains(name)) is { } unknown)
        {
            await HubResponses.BadRequestAsync(call, $"Invalid expand value: {unknown}");
            return;
        }
        var repos = services.Store.Snapshots(kind)
            .Where(repo => repo.CanSee(call.User))
            .Select(repo => (Repo: repo, Head: repo.DefaultHead!))
            .Where(item => item.Head is not null)
            .Where(item => Matches(item.Repo, item.Head, query))
            .ToList();
        var sorted = Sort(repos, query.Get("sort"), descending: query.Get("direction") != "1");
        var pageSize = Math.Clamp(query.Int("limit") is > 0 and var limit ? limit : services.Options.ListPageSize, 1, services.Options.ListPageSize);
        var page = LinkPaging.Page(call, sorted, offset, pageSize);
        var properties = expand.Count > 0 ? expand : DefaultProperties(kind, query);
        var body = new JsonArray(page.Select(item => (JsonNode?)services.RepoJson.Build(item.Repo, item.Head, properties, withBlobs: false)).ToArray());
        await HubResponses.JsonAsync(call, body);
    }

    private bool Matches(RepoSnapshot repo, CommitDocument head, QueryArgs query)
    {
        if (query.GetAll("search").Any(term => !repo.RepoId.Contains(term, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        if (query.Get("author") is { Length: > 0 } author && !repo.Author.Equals(author, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var filters = query.GetAll("filter");
        if (filters.Count > 0)
        {
            var tags = services.RepoJson.Tags(repo, head);
            if (filters.Any(filter => !tags.Contains(filter, StringComparer.OrdinalIgnoreCase)))
            {
                return false;
            }
        }
        if (query.Get("pipeline_tag") is { Length: > 0 } pipeline
            && RepoJson.PipelineTag(repo, services.Store.CardAt(head)) != pipeline)
        {
            return false;
        }
        if (query.Has("gated") && query.Flag("gated") != (repo.Gated is not null))
        {
            return false;
        }
        return true;
    }

    private static List<(RepoSnapshot Repo, CommitDocument Head)> Sort(List<(RepoSnapshot Repo, CommitDocument Head)> repos, string? sort, bool descending)
    {
        Func<RepoSnapshot, double>? key = sort switch
        {
            "downloads" => repo => repo.Downloads,
            "likes" => repo => repo.Likes,
            "lastModified" or "last_modified" => repo => repo.LastModified.UtcTicks,
            "createdAt" or "created_at" => repo => repo.CreatedAt.UtcTicks,
            "trendingScore" or "trending_score" => repo => repo.TrendingScore,
            _ => null,
        };
        if (key is null)
        {
            return repos; // creation order
        }
        var ordered = descending ? repos.OrderByDescending(item => key(item.Repo)) : repos.OrderBy(item => key(item.Repo));
        return ordered.ThenBy(item => item.Repo.RepoId, StringComparer.Ordinal).ToList();
    }

    private static List<string> DefaultProperties(RepoKind kind, QueryArgs query)
    {
        var properties = RepoJson.ListingProperties(kind).ToList();
        if (query.Flag("full")) properties.AddRange(RepoJson.FullListingExtras);
        if (query.Flag("cardData")) properties.Add("cardData");
        if (query.Flag("config")) properties.Add("config");
        return properties;
    }
}
