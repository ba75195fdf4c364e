using System.Net.Http.Headers;
using System.Text.Json;
using SongGen.Hub.Api;

namespace SongGen.Hub;

/// <summary>An LFS object to make sure the Hub holds: content id, size and where to read it.</summary>
internal sealed record LfsItem(string Path, string Sha256, long Size, CommitAdd Source);

/// <summary>
/// The git LFS batch API as the Hub speaks it: batch request, then <c>basic</c> (one PUT) or <c>multipart</c> (parts in
/// parallel, then the completion call), then verify when asked. Objects the Hub already holds come back without actions
/// and are not sent: re-running an interrupted upload sends only what is missing. Every request here is safe to repeat,
/// so transient failures are retried by the pipeline; per-object errors fail at once.
/// </summary>
internal sealed class LfsUploader(HubClient client, UploadProgressTracker tracker)
{
    private const string LfsMediaType = "application/vnd.git-lfs+json";

    private int _objectsSent;

    public int ObjectsSent => Volatile.Read(ref _objectsSent);

    /// <param name="branch">Sent as the batch's <c>ref</c>; null for pull requests (as the official clients do).</param>
    public async Task UploadAsync(RepoId repo, string? branch, IReadOnlyList<LfsItem> items, CancellationToken cancellationToken)
    {
        var options = client.Options.Upload;
        // One object per content id: two paths with the same bytes are sent once.
        var unique = items.GroupBy(i => i.Sha256, StringComparer.Ordinal).Select(g => g.First()).ToList();
        foreach (var batch in unique.Chunk(Math.Max(1, options.LfsBatchSize)))
        {
            var answer = await BatchAsync(repo, branch, batch, cancellationToken).ConfigureAwait(false);
            var byOid = answer.Objects.GroupBy(o => o.Oid, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
            var toSend = new List<(LfsItem Item, LfsBatchObject Answer)>();
            foreach (var item in batch)
            {
                if (!byOid.TryGetValue(item.Sha256, out var obj))
                    throw new HubProtocolException($"The LFS batch answer of {repo} leaves out object {item.Sha256} ('{item.Path}')");
                if (obj.Error is { } error)
                    throw new LfsUploadException($"The Hub's LFS storage refused '{item.Path}' ({item.Sha256}, {item.Size} bytes): {error.Code} {error.Message}",
                        (System.Net.HttpStatusCode)error.Code);
                if (obj.Actions?.Upload is null)
                {
                    tracker.Emit(new UploadEvent { Kind = UploadEventKind.FileAlreadyStored, Path = item.Path, Total = item.Size });
                    if (obj.Actions?.Verify is { } onlyVerify) await VerifyAsync(item, onlyVerify, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                toSend.Add((item, obj));
            }
            tracker.SendPlanned(toSend.Sum(s => s.Item.Size));
            await Parallel.ForEachAsync(toSend,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrentFiles), CancellationToken = cancellationToken },
                async (pair, token) =>
                {
                    await SendObjectAsync(pair.Item, pair.Answer.Actions!, token).ConfigureAwait(false);
                    Interlocked.Increment(ref _objectsSent);
                    tracker.FileUploaded(pair.Item.Path);
                }).ConfigureAwait(false);
        }
    }

    private async Task<LfsBatchResponse> BatchAsync(RepoId repo, string? branch, IReadOnlyList<LfsItem> batch, CancellationToken cancellationToken)
    {
        var body = new LfsBatchRequest
        {
            Objects = batch.Select(i => new LfsObjectId { Oid = i.Sha256, Size = i.Size }).ToList(),
            Ref = branch is null ? null : new LfsRef { Name = branch },
        };
        var url = new Uri($"{client.Options.Endpoint.AbsoluteUri.TrimEnd('/')}/{HubClient.RepoUrlPath(repo)}.git/info/lfs/objects/batch");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Json(body, HubJsonContext.Default.LfsBatchRequest) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(LfsMediaType));
        request.Options.Set(HubHttpPipeline.AllowRetry, true);
        using var response = await client.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, $"LFS batch of {repo}", cancellationToken).ConfigureAwait(false);
        return await HubClient.ReadJsonAsync(response, HubJsonContext.Default.LfsBatchResponse, $"LFS batch of {repo}", cancellationToken).ConfigureAwait(false);
    }

    private async Task SendObjectAsync(LfsItem item, LfsActions actions, CancellationToken cancellationToken)
    {
        var upload = actions.Upload!;
        var header = upload.Header ?? new Dictionary<string, JsonElement>();
        if (header.TryGetValue("chunk_size", out var chunkValue))
            await SendMultipartAsync(item, upload, ParseLong(chunkValue, "chunk_size", item), cancellationToken).ConfigureAwait(false);
        else
        {
            // basic: one PUT of the raw bytes, no Hub auth (the pipeline strips it for other hosts) and no action headers,
            // as the official clients do.
            using var request = new HttpRequestMessage(HttpMethod.Put, Absolute(upload.Href))
            {
                Content = new SliceContent(item.Source.Open, 0, item.Size, sent => tracker.PartProgress(item.Sha256, item.Path, sent)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Options.Set(HubHttpPipeline.AllowRetry, true);
            using var response = await client.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await HubErrorMapper.EnsureSuccessAsync(response, $"upload of '{item.Path}'", cancellationToken).ConfigureAwait(false);
        }
        if (actions.Verify is { } verify) await VerifyAsync(item, verify, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendMultipartAsync(LfsItem item, LfsAction upload, long chunkSize, CancellationToken cancellationToken)
    {
        if (chunkSize <= 0) throw new HubProtocolException($"The Hub gave chunk_size {chunkSize} for '{item.Path}'");
        var parts = upload.Header!
            .Where(kv => kv.Key.Length > 0 && kv.Key.All(char.IsAsciiDigit))
            .Select(kv => (Number: int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture),
                Url: kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString()! : throw new HubProtocolException($"Part URL {kv.Key} of '{item.Path}' is not a string")))
            .OrderBy(p => p.Number)
            .ToList();
        var expected = (item.Size + chunkSize - 1) / chunkSize;
        if (parts.Count != expected || parts.Select((p, i) => p.Number != i + 1).Any(bad => bad))
            throw new HubProtocolException($"The Hub gave {parts.Count} part URLs for '{item.Path}' ({item.Size} bytes in parts of {chunkSize}): {expected} numbered 1..{expected} expected");
        var etags = new string[parts.Count];
        await Parallel.ForEachAsync(parts,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, client.Options.Upload.MaxConcurrentParts), CancellationToken = cancellationToken },
            async (part, token) =>
            {
                var offset = (part.Number - 1) * chunkSize;
                var length = Math.Min(chunkSize, item.Size - offset);
                var key = $"{item.Sha256}#{part.Number}";
                using var request = new HttpRequestMessage(HttpMethod.Put, Absolute(part.Url))
                {
                    Content = new SliceContent(item.Source.Open, offset, length, sent => tracker.PartProgress(key, item.Path, sent)),
                };
                request.Options.Set(HubHttpPipeline.AllowRetry, true);
                using var response = await client.Http.SendAsync(request, token).ConfigureAwait(false);
                await HubErrorMapper.EnsureSuccessAsync(response, $"part {part.Number}/{parts.Count} of '{item.Path}'", token).ConfigureAwait(false);
                etags[part.Number - 1] = response.Headers.ETag?.Tag
                    ?? (response.Headers.TryGetValues("ETag", out var values) ? values.FirstOrDefault() : null)
                    ?? throw new HubProtocolException($"The storage sent no ETag for part {part.Number} of '{item.Path}'");
            }).ConfigureAwait(false);

        var completion = new LfsCompletionRequest
        {
            Oid = item.Sha256,
            Parts = etags.Select((etag, i) => new LfsCompletedPart { PartNumber = i + 1, Etag = etag }).ToList(),
        };
        using var complete = new HttpRequestMessage(HttpMethod.Post, Absolute(upload.Href)) { Content = Json(completion, HubJsonContext.Default.LfsCompletionRequest) };
        complete.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(LfsMediaType));
        complete.Options.Set(HubHttpPipeline.AllowRetry, true);
        using var done = await client.Http.SendAsync(complete, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(done, $"completing the multipart upload of '{item.Path}'", cancellationToken).ConfigureAwait(false);
    }

    private async Task VerifyAsync(LfsItem item, LfsAction verify, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Absolute(verify.Href))
        {
            Content = Json(new LfsVerifyRequest { Oid = item.Sha256, Size = item.Size }, HubJsonContext.Default.LfsVerifyRequest),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(LfsMediaType));
        request.Options.Set(HubHttpPipeline.AllowRetry, true);
        using var response = await client.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await HubErrorMapper.EnsureSuccessAsync(response, $"verifying the upload of '{item.Path}'", cancellationToken).ConfigureAwait(false);
    }

    private Uri Absolute(string href) => ResolveHref(href, client.Options.Endpoint);

    /// <summary>
    /// Relative hrefs are on the Hub; absolute ones (the storage) are used as given, except that one naming
    /// huggingface.co is moved to a custom endpoint (a mirror answers with the public Hub's URLs), as Python's
    /// <c>fix_hf_endpoint_in_url</c> does.
    /// </summary>
    internal static Uri ResolveHref(string href, Uri endpoint)
    {
        if (!Uri.TryCreate(href, UriKind.Absolute, out var absolute) || absolute.Scheme is not ("http" or "https"))
            return new Uri(endpoint, href);
        const string publicHub = "https://huggingface.co";
        var custom = endpoint.AbsoluteUri.TrimEnd('/');
        if (!string.Equals(custom, publicHub, StringComparison.OrdinalIgnoreCase) && href.StartsWith(publicHub + "/", StringComparison.OrdinalIgnoreCase))
            return new Uri(custom + href[publicHub.Length..]);
        return absolute;
    }

    private static long ParseLong(JsonElement value, string name, LfsItem item) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var s) => s,
        _ => throw new HubProtocolException($"The Hub gave '{value}' as {name} for '{item.Path}'"),
    };

    private static ByteArrayContent Json<T>(T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new MediaTypeHeaderValue(LfsMediaType);
        return content;
    }
}
