using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using SongGen.Hub.Api;

namespace SongGen.Hub;

/// <summary>
/// Makes commits the way the Hub's own clients do: preupload (how each file is stored and what the Hub already has) →
/// sha256 of LFS files → LFS batch upload → NDJSON commit. Files the Hub already holds unchanged are skipped, and when
/// nothing is left no commit is made. Large changes are split into several commits ("… (part N)"), each based on the
/// previous one. The commit names its parent, so a branch that moved meanwhile yields <see cref="CommitConflictException"/>
/// rather than a silent overwrite; and because of that, a commit whose answer was lost (reset, timeout, 5xx) can be
/// settled by reading the branch head: sent again only when the head shows it was not applied.
/// </summary>
public sealed partial class HubCommitter
{
    private const int SampleBytes = 512;
    private readonly HubClient _client;

    public HubCommitter(HubClient client) => _client = client;

    [GeneratedRegex(@"/discussions/(\d+)/?$")]
    private static partial Regex DiscussionNumber();

    /// <summary>Uploads and commits <paramref name="request"/>'s operations (see the class summary).</summary>
    /// <exception cref="CommitConflictException">The branch moved since the parent commit; nothing was overwritten.</exception>
    /// <exception cref="CommitOutcomeUnknownException">The commit's fate could not be settled; check the branch.</exception>
    public async Task<CommitResult> CreateCommitAsync(CommitRequest request, IProgress<UploadEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        _client.RequireToken($"commit to {request.Repo}");
        var repo = request.Repo;
        var revision = request.Revision ?? "main";
        if (request.CreatePullRequest && revision.StartsWith("refs/pr/", StringComparison.Ordinal))
            throw new ArgumentException($"Cannot open a pull request against the pull request {revision}; commit to it instead");
        var duplicate = request.Operations.GroupBy(o => o.PathInRepo, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"'{duplicate.Key}' appears {duplicate.Count()} times in one commit");

        var tracker = new UploadProgressTracker(progress, _client.Options.TimeProvider);
        var adds = request.Operations.OfType<CommitAdd>().ToList();
        var deletes = request.Operations.OfType<CommitDelete>().ToList();

        // As the official clients: a model card's metadata is checked by the Hub before anything is sent.
        if (adds.FirstOrDefault(a => a.PathInRepo == "README.md") is { } card)
            await ValidateCardAsync(repo, card, cancellationToken).ConfigureAwait(false);

        // The head now: the parent of the first commit, and the answer when nothing is to do.
        var head = await HeadAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        var parent = request.ParentCommit ?? (request.PinParent ? head : null);

        var prepared = await PreuploadAsync(repo, revision, request.CreatePullRequest, adds, tracker, cancellationToken).ConfigureAwait(false);
        var ignored = prepared.Count(p => p.Ignored);
        var kept = prepared.Where(p => !p.Ignored).ToList();
        await HashAsync(kept, tracker, cancellationToken).ConfigureAwait(false);
        var changed = new List<PreparedFile>();
        var unchanged = 0;
        foreach (var file in kept)
        {
            if (file.RemoteOid is { } remote && string.Equals(remote, file.LocalId, StringComparison.OrdinalIgnoreCase))
            {
                unchanged++;
                tracker.Emit(new UploadEvent { Kind = UploadEventKind.FileUnchanged, Path = file.Add.PathInRepo, Total = file.Size });
            }
            else changed.Add(file);
        }

        if (changed.Count == 0 && deletes.Count == 0)
        {
            tracker.Emit(new UploadEvent { Kind = UploadEventKind.NothingToCommit, CommitOid = head, Message = "No files have been modified since the last commit: no commit made" });
            tracker.Emit(new UploadEvent { Kind = UploadEventKind.Completed, CommitOid = head });
            return new CommitResult { CommitOid = head, FilesUnchanged = unchanged, FilesIgnored = ignored };
        }

        var parts = Split(changed, deletes);
        var commits = new List<string>();
        var lfs = new LfsUploader(_client, tracker);
        var target = revision;
        var createPr = request.CreatePullRequest;
        CommitResponse? last = null;
        Uri? prUrl = null;
        string? prRevision = null;
        for (var i = 0; i < parts.Count; i++)
        {
            var (files, removals) = parts[i];
            var lfsItems = files.Where(f => f.IsLfs).Select(f => new LfsItem(f.Add.PathInRepo, f.LocalId!, f.Size, f.Add)).ToList();
            // The batch names the branch as its ref, except for pull requests (as the official clients do).
            await lfs.UploadAsync(repo, createPr || target.StartsWith("refs/pr/", StringComparison.Ordinal) ? null : target, lfsItems, cancellationToken)
                .ConfigureAwait(false);
            var title = parts.Count > 1 ? $"{request.Message} (part {i + 1})" : request.Message;
            tracker.Emit(new UploadEvent { Kind = UploadEventKind.Committing, Files = files.Count + removals.Count, Message = title });
            last = await CommitOnceSettledAsync(repo, target, createPr, parent, title, request.Description, files, removals, cancellationToken).ConfigureAwait(false);
            var oid = last.CommitOid ?? throw new HubProtocolException($"The Hub's commit answer for {repo} has no commitOid");
            commits.Add(oid);
            tracker.Emit(new UploadEvent { Kind = UploadEventKind.Committed, CommitOid = oid, Files = files.Count + removals.Count, Message = title });
            parent = oid;
            if (createPr)
            {
                prUrl = last.PullRequestUrl is { } u && Uri.TryCreate(u, UriKind.Absolute, out var parsed) ? parsed : null;
                var match = last.PullRequestUrl is null ? null : DiscussionNumber().Match(last.PullRequestUrl);
                if (match is not { Success: true })
                    throw new HubProtocolException($"The Hub opened a pull request on {repo} but its answer has no usable pullRequestUrl ('{last.PullRequestUrl}')");
                prRevision = "refs/pr/" + match.Groups[1].Value;
                // Later parts go onto the pull request's branch.
                target = prRevision;
                createPr = false;
            }
        }
        tracker.Emit(new UploadEvent { Kind = UploadEventKind.Completed, CommitOid = parent, Files = commits.Count });
        return new CommitResult
        {
            CommitOid = parent,
            Commits = commits,
            CommitUrl = last?.CommitUrl is { } cu && Uri.TryCreate(cu, UriKind.Absolute, out var commitUrl) ? commitUrl : null,
            PullRequestUrl = prUrl,
            PullRequestRevision = prRevision,
            FilesAdded = changed.Count,
            FilesUnchanged = unchanged,
            FilesIgnored = ignored,
            FilesDeleted = deletes.Count,
            LfsObjectsSent = lfs.ObjectsSent,
            LfsBytesSent = tracker.BytesSent,
        };
    }

    /// <summary>POSTs README.md to the Hub's <c>validate-yaml</c>; its errors refuse the upload before any byte of it is sent.</summary>
    private async Task ValidateCardAsync(RepoId repo, CommitAdd card, CancellationToken cancellationToken)
    {
        string text;
        await using (var stream = card.Open())
        using (var reader = new StreamReader(stream))
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        using var response = await _client.Api.ValidateYamlAsync(new ValidateYamlRequest { Content = text, RepoType = repo.Type.Singular() }, allowRetry: true,
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            var error = await HubErrorMapper.CreateAsync(response, $"README.md of {repo}", cancellationToken).ConfigureAwait(false);
            throw new HubHttpException($"The Hub refuses the metadata of README.md ({card.Describe()}): {error.Message}; nothing was uploaded", response.StatusCode);
        }
        await HubErrorMapper.EnsureSuccessAsync(response, $"validating README.md of {repo}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The commit a branch (or any revision) points at now; null for a repository without commits.</summary>
    private async Task<string?> HeadAsync(RepoId repo, string revision, CancellationToken cancellationToken)
    {
        var info = await _client.GetRepoInfoAsync(repo, revision, cancellationToken: cancellationToken).ConfigureAwait(false);
        return info.Sha;
    }

    // ---------------------------------------------------------------- preupload and hashing

    private sealed class PreparedFile(CommitAdd add, long size)
    {
        public CommitAdd Add { get; } = add;
        public long Size { get; } = size;
        public bool IsLfs { get; set; }
        public bool Ignored { get; set; }
        public string? RemoteOid { get; set; }
        /// <summary>sha256 for LFS files, git blob sha1 for regular ones: what the Hub's oid is compared with.</summary>
        public string? LocalId { get; set; }
    }

    private async Task<List<PreparedFile>> PreuploadAsync(RepoId repo, string revision, bool createPr, List<CommitAdd> adds, UploadProgressTracker tracker,
        CancellationToken cancellationToken)
    {
        var prepared = adds.Select(a => new PreparedFile(a, a.CurrentSize)).ToList();
        tracker.Planned(prepared.Count, prepared.Sum(p => p.Size));
        foreach (var batch in prepared.Chunk(Math.Max(1, _client.Options.Upload.PreuploadBatchSize)))
        {
            var files = new List<PreuploadFile>(batch.Length);
            foreach (var file in batch)
                files.Add(new PreuploadFile { Path = file.Add.PathInRepo, Size = file.Size, Sample = Convert.ToBase64String(await SampleAsync(file.Add, cancellationToken).ConfigureAwait(false)) });
            using var response = await _client.Api.PreuploadAsync(repo.Type.Plural(), repo.Id, revision, createPr ? "1" : null, new PreuploadRequest { Files = files },
                allowRetry: true, cancellationToken).ConfigureAwait(false);
            var what = $"preupload to {HubClient.Describe(repo, revision)}";
            await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
            var answer = await HubClient.ReadJsonAsync(response, HubJsonContext.Default.PreuploadResponse, what, cancellationToken).ConfigureAwait(false);
            var byPath = answer.Files.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var file in batch)
            {
                if (!byPath.TryGetValue(file.Add.PathInRepo, out var a))
                    throw new HubProtocolException($"The preupload answer of {repo} leaves out '{file.Add.PathInRepo}'");
                if (a.UploadMode is not ("lfs" or "regular"))
                    throw new HubProtocolException($"The preupload answer of {repo} gives upload mode '{a.UploadMode}' for '{file.Add.PathInRepo}'");
                // Empty files are always regular: the LFS storage refuses empty objects.
                file.IsLfs = a.UploadMode == "lfs" && file.Size > 0;
                file.Ignored = a.ShouldIgnore;
                file.RemoteOid = a.Oid;
                if (file.Ignored) tracker.Emit(new UploadEvent { Kind = UploadEventKind.FileIgnored, Path = file.Add.PathInRepo, Message = "matched by the repository's .gitignore" });
            }
        }
        return prepared;
    }

    private static async Task<byte[]> SampleAsync(CommitAdd add, CancellationToken cancellationToken)
    {
        await using var stream = add.Open();
        var buffer = new byte[SampleBytes];
        var read = await stream.ReadAtLeastAsync(buffer, SampleBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return buffer.AsSpan(0, read).ToArray();
    }

    private async Task HashAsync(List<PreparedFile> files, UploadProgressTracker tracker, CancellationToken cancellationToken)
    {
        tracker.HashingPlanned(files.Sum(f => f.Size));
        await Parallel.ForEachAsync(files,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Math.Min(Environment.ProcessorCount, 4)), CancellationToken = cancellationToken },
            async (file, token) =>
            {
                await using var stream = file.Add.Open();
                using var hasher = ContentHasher.ForContentId(sha256: file.IsLfs, file.Size);
                // Small files get a small buffer: a folder of thousands of them should not churn megabytes each.
                var size = (int)Math.Clamp(file.Size + 1, 4096, ContentHasher.FileBufferSize);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    int read;
                    while ((read = await stream.ReadAsync(buffer.AsMemory(0, size), token).ConfigureAwait(false)) > 0)
                    {
                        hasher.Append(buffer.AsSpan(0, read));
                        tracker.Hashed(file.Add.PathInRepo, read);
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
                if (hasher.BytesAppended != file.Size)
                    throw new IOException($"{file.Add.Describe()} changed size while it was prepared for upload ({file.Size} then {hasher.BytesAppended} bytes)");
                file.LocalId = hasher.FinishHex();
            }).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- splitting

    private List<(List<PreparedFile> Files, List<CommitDelete> Deletes)> Split(List<PreparedFile> changed, List<CommitDelete> deletes)
    {
        var options = _client.Options.Upload;
        var maxFiles = Math.Max(1, options.MaxFilesPerCommit);
        var parts = new List<(List<PreparedFile>, List<CommitDelete>)>();
        var files = new List<PreparedFile>();
        long inline = 0;
        foreach (var file in changed)
        {
            var inlineCost = file.IsLfs ? 0 : (file.Size + 2) / 3 * 4;
            if (files.Count > 0 && (files.Count >= maxFiles || inline + inlineCost > options.MaxInlineBytesPerCommit))
            {
                parts.Add((files, []));
                files = [];
                inline = 0;
            }
            files.Add(file);
            inline += inlineCost;
        }
        // Deletions go last, after every new file is in: a mirror never lacks both the old and the new copy.
        var pending = new List<CommitDelete>();
        foreach (var delete in deletes)
        {
            if (files.Count + pending.Count >= maxFiles)
            {
                parts.Add((files, pending));
                files = [];
                pending = [];
            }
            pending.Add(delete);
        }
        if (files.Count > 0 || pending.Count > 0) parts.Add((files, pending));
        return parts;
    }

    // ---------------------------------------------------------------- the commit request

    /// <summary>
    /// Sends the commit once; after an ambiguous failure reads the branch head: unchanged means it was not applied and it
    /// is sent again (safe: it names its parent); moved to a commit that holds exactly these changes means it was applied.
    /// </summary>
    private async Task<CommitResponse> CommitOnceSettledAsync(RepoId repo, string revision, bool createPr, string? parent, string title, string description,
        List<PreparedFile> files, List<CommitDelete> deletes, CancellationToken cancellationToken)
    {
        var what = $"commit to {HubClient.Describe(repo, revision)}";
        var attempts = Math.Max(1, _client.Options.Upload.MaxCommitAttempts);
        // Built once, before any send and outside the ambiguity check: a local file that changed or vanished (an
        // IOException) means nothing was sent, which must not be mistaken for a lost answer; a resend reuses the bytes.
        var ndjson = await BuildNdjsonAsync(title, description, parent, files, deletes, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            Exception? ambiguous = null;
            HttpResponseMessage? response = null;
            using var body = new ByteArrayContent(ndjson.Array!, ndjson.Offset, ndjson.Count);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            var limit = _client.Options.Upload.CommitTimeout ?? _client.Options.RequestTimeout * 10;
            using var timeout = new CancellationTokenSource(limit, _client.Options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                response = await _client.Api.CommitAsync(repo.Type.Plural(), repo.Id, revision, createPr ? "1" : null, body, linked.Token).ConfigureAwait(false);
                if ((int)response.StatusCode is 500 or 502 or 503 or 504 or 408)
                {
                    ambiguous = await HubErrorMapper.CreateAsync(response, what, cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    response = null;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsAmbiguous(ex))
            {
                response?.Dispose();
                ambiguous = timeout.IsCancellationRequested ? new TimeoutException($"No answer to the {what} within {limit}", ex) : ex;
            }

            if (response is not null)
            {
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.PreconditionFailed)
                    {
                        var now = await TryHeadAsync(repo, revision, cancellationToken).ConfigureAwait(false);
                        throw new CommitConflictException(
                            $"The branch {revision} of {repo} moved since commit {Short(parent)} (now {Short(now)}): someone else committed meanwhile. "
                            + "Nothing was overwritten; run again to upload against the new head.", response.StatusCode)
                        { ExpectedParent = parent, CurrentHead = now };
                    }
                    await HubErrorMapper.EnsureSuccessAsync(response, what, cancellationToken).ConfigureAwait(false);
                    return await HubClient.ReadJsonAsync(response, HubJsonContext.Default.CommitResponse, what, cancellationToken).ConfigureAwait(false);
                }
            }

            // The Hub may or may not have applied it: the branch head tells.
            if (createPr || parent is null)
                throw new CommitOutcomeUnknownException(
                    $"The {what} failed without saying whether it was applied ({ambiguous!.Message}); "
                    + (createPr ? "look at the repository's pull requests" : "look at the branch") + " before committing again", ambiguous);
            string? head;
            try
            {
                head = await HeadAsync(repo, revision, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not RevisionNotFoundException and not RepositoryNotFoundException)
            {
                throw new CommitOutcomeUnknownException(
                    $"The {what} failed without saying whether it was applied ({ambiguous!.Message}), and the branch head could not be read ({ex.Message})", ambiguous);
            }
            if (string.Equals(head, parent, StringComparison.OrdinalIgnoreCase))
            {
                if (attempt >= attempts)
                    throw new CommitOutcomeUnknownException($"The {what} failed {attempt} times and was not applied (the branch is still at {Short(parent)}): {ambiguous!.Message}", ambiguous);
                continue; // not applied: sending it again cannot apply it twice, it names its parent
            }
            if (head is not null && await HoldsChangesAsync(repo, head, files, deletes, cancellationToken).ConfigureAwait(false))
                return new CommitResponse { Success = true, CommitOid = head };
            throw new CommitConflictException(
                $"The {what} failed ({ambiguous!.Message}) and the branch moved from {Short(parent)} to {Short(head)} with other changes: someone else committed. "
                + "Nothing was overwritten; run again to upload against the new head.")
            { ExpectedParent = parent, CurrentHead = head };
        }
    }

    /// <summary>True when every added file is at <paramref name="commit"/> with our content and every deleted path is gone.</summary>
    private async Task<bool> HoldsChangesAsync(RepoId repo, string commit, List<PreparedFile> files, List<CommitDelete> deletes, CancellationToken cancellationToken)
    {
        var paths = files.Select(f => f.Add.PathInRepo).Concat(deletes.Select(d => d.PathInRepo)).ToList();
        var entries = (await _client.GetPathsInfoAsync(repo, paths, commit, cancellationToken: cancellationToken).ConfigureAwait(false))
            .ToDictionary(e => e.Path, StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!entries.TryGetValue(file.Add.PathInRepo, out var entry)) return false;
            var remote = file.IsLfs ? entry.Lfs?.Oid : entry.Oid;
            if (!string.Equals(remote, file.LocalId, StringComparison.OrdinalIgnoreCase)) return false;
        }
        return deletes.All(d => !entries.ContainsKey(d.PathInRepo));
    }

    private async Task<string?> TryHeadAsync(RepoId repo, string revision, CancellationToken cancellationToken)
    {
        try
        {
            return await HeadAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException)
        {
            return null;
        }
    }

    private static bool IsAmbiguous(Exception ex) => ex switch
    {
        HttpRequestException or IOException or TimeoutException or OperationCanceledException => true,
        HubException { InnerException: Polly.Timeout.TimeoutRejectedException } => true,
        Refit.ApiRequestException { InnerException: { } inner } => IsAmbiguous(inner),
        _ => false,
    };

    private static string Short(string? commit) => commit is null ? "(none)" : commit.Length > 10 ? commit[..10] : commit;

    /// <summary>The NDJSON body: header, then <c>file</c> (base64 content), <c>lfsFile</c>, <c>deletedFile</c>/<c>deletedFolder</c> lines.</summary>
    private static async Task<ArraySegment<byte>> BuildNdjsonAsync(string title, string description, string? parent, List<PreparedFile> files, List<CommitDelete> deletes,
        CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var newline = "\n"u8.ToArray();
        void Line(Action<Utf8JsonWriter> value, string key)
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("key", key);
                json.WritePropertyName("value");
                json.WriteStartObject();
                value(json);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            buffer.Write(newline);
        }

        Line(json =>
        {
            json.WriteString("summary", title);
            json.WriteString("description", description);
            if (parent is not null) json.WriteString("parentCommit", parent);
        }, "header");
        foreach (var file in files.Where(f => !f.IsLfs))
        {
            // Read into one buffer sized for the expected length (no growing copies); the inline total is capped per commit.
            using var copy = new MemoryStream((int)Math.Min(file.Size, int.MaxValue));
            await using (var stream = file.Add.Open())
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            var bytes = copy.GetBuffer().AsMemory(0, (int)copy.Length);
            // What is committed must be what was hashed (and compared): a file edited since is refused, not half-sent.
            using (var hasher = ContentHasher.ForContentId(sha256: false, bytes.Length))
            {
                hasher.Append(bytes.Span);
                if (!string.Equals(hasher.FinishHex(), file.LocalId, StringComparison.Ordinal))
                    throw new IOException($"{file.Add.Describe()} changed while it was being uploaded; run again");
            }
            Line(json =>
            {
                json.WriteBase64String("content", bytes.Span);
                json.WriteString("path", file.Add.PathInRepo);
                json.WriteString("encoding", "base64");
            }, "file");
        }
        foreach (var file in files.Where(f => f.IsLfs))
            Line(json =>
            {
                json.WriteString("path", file.Add.PathInRepo);
                json.WriteString("algo", "sha256");
                json.WriteString("oid", file.LocalId);
                json.WriteNumber("size", file.Size);
            }, "lfsFile");
        foreach (var delete in deletes)
            Line(json => json.WriteString("path", delete.IsFolder ? delete.PathInRepo + "/" : delete.PathInRepo), delete.IsFolder ? "deletedFolder" : "deletedFile");
        // The buffer itself, not a copy of it: the body can be most of MaxInlineBytesPerCommit.
        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
