using Microsoft.AspNetCore.Http;
using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>
/// The Hub listener's single entry point: faults first, then authentication (a token that is not ours is refused
/// everywhere, like the Hub), then dispatch on the decoded path segments (see <see cref="RequestTarget"/>).
/// </summary>
internal sealed class HubRouter
{
    private const string InvalidCredentials = "Invalid credentials in Authorization header";

    private readonly EmulatorServices _services;
    private readonly FaultInjector _faults;
    private readonly ListingEndpoint _listing;
    private readonly RepoInfoEndpoint _info;
    private readonly TreeEndpoint _tree;
    private readonly PathsInfoEndpoint _pathsInfo;
    private readonly RefsEndpoint _refs;
    private readonly CommitsEndpoint _commits;
    private readonly ResolveEndpoint _resolve;
    private readonly RepoAdminEndpoint _admin;
    private readonly PreuploadEndpoint _preupload;
    private readonly CommitEndpoint _commit;
    private readonly LfsBatchEndpoint _lfs;

    public HubRouter(EmulatorServices services, FaultInjector faults)
    {
        _services = services;
        _faults = faults;
        _listing = new ListingEndpoint(services);
        _info = new RepoInfoEndpoint(services);
        _tree = new TreeEndpoint(services);
        _pathsInfo = new PathsInfoEndpoint(services);
        _refs = new RefsEndpoint(services);
        _commits = new CommitsEndpoint(services);
        _resolve = new ResolveEndpoint(services);
        _admin = new RepoAdminEndpoint(services);
        _preupload = new PreuploadEndpoint(services);
        _commit = new CommitEndpoint(services);
        _lfs = new LfsBatchEndpoint(services);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var target = RequestTarget.From(context);
        var isApi = target.Segments.Length > 0 && target.Segments[0] == "api";
        var isLfs = !isApi && target.RawPath.Contains(".git/info/lfs/", StringComparison.Ordinal);
        var faultTarget = isApi ? FaultTarget.Api : isLfs ? FaultTarget.Upload : FaultTarget.Resolve;
        var requestFaults = _faults.ForRequest(faultTarget, context.Request.Method, target.PathAndQuery);
        if (await FaultGate.ApplyAsync(context, requestFaults))
        {
            return;
        }
        if (!TryAuthenticate(context, out var user, out var canWrite))
        {
            await HubResponses.ErrorAsync(context, StatusCodes.Status401Unauthorized, null, InvalidCredentials);
            return;
        }
        var call = new HubCall
        {
            Http = context,
            Target = target,
            Query = QueryArgs.Parse(target.RawQuery),
            User = user,
            CanWrite = canWrite,
            Faults = requestFaults,
        };
        await (isApi ? DispatchApiAsync(call, target.Segments[1..]) : DispatchFileAsync(call, target.Segments));
    }

    private Task DispatchApiAsync(HubCall call, string[] s)
    {
        var method = call.Method;
        var isRead = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        switch (s)
        {
            case ["whoami-v2"] when isRead:
                return WhoAmIEndpoint.HandleAsync(call);
            case ["validate-yaml"] when HttpMethods.IsPost(method):
                return MiscEndpoints.ValidateYamlAsync(call);
            case ["agent-harnesses"] when isRead:
                return MiscEndpoints.AgentHarnessesAsync(call);
            case ["repos", "create"] when HttpMethods.IsPost(method):
                return _admin.CreateAsync(call);
            case ["repos", "delete"] when HttpMethods.IsDelete(method):
                return _admin.DeleteAsync(call);
            case ["repos", "move"] when HttpMethods.IsPost(method):
                return _admin.MoveAsync(call);
            case ["repos", ..]:
                return HubResponses.NotFoundAsync(call.Http);
        }
        if (s.Length == 0 || !RepoKinds.TryParse(s[0], out var kind) || !s[0].EndsWith('s'))
        {
            return HubResponses.NotFoundAsync(call.Http);
        }
        return s switch
        {
            [_] when isRead => _listing.HandleAsync(call, kind),
            [_, var ns, var name] when isRead => _info.HandleAsync(call, kind, ns, name, revision: null),
            [_, var ns, var name, "revision", .. var rev] when isRead => _info.HandleAsync(call, kind, ns, name, string.Join('/', rev)),
            [_, var ns, var name, "tree", .. var rest] when isRead => _tree.HandleAsync(call, kind, ns, name, rest),
            [_, var ns, var name, "paths-info", .. var rev] when HttpMethods.IsPost(method) =>
                _pathsInfo.HandleAsync(call, kind, ns, name, rev.Length == 0 ? "main" : string.Join('/', rev)),
            [_, var ns, var name, "refs"] when isRead => _refs.HandleAsync(call, kind, ns, name),
            [_, var ns, var name, "commits", .. var rev] when isRead => _commits.HandleAsync(call, kind, ns, name, string.Join('/', rev)),
            [_, var ns, var name, "preupload", .. var rev] when HttpMethods.IsPost(method) =>
                _preupload.HandleAsync(call, kind, ns, name, RevisionOrMain(rev)),
            [_, var ns, var name, "commit", .. var rev] when HttpMethods.IsPost(method) =>
                _commit.HandleAsync(call, kind, ns, name, RevisionOrMain(rev)),
            [_, var ns, var name, "settings"] when HttpMethods.IsPut(method) => _admin.SettingsAsync(call, kind, ns, name),
            [_, var ns, var name, "auth-check"] when isRead => _admin.AuthCheckAsync(call, kind, ns, name, write: false),
            [_, var ns, var name, "auth-check", "write"] when isRead => _admin.AuthCheckAsync(call, kind, ns, name, write: true),
            [_, var ns, var name, "branch", _, ..] when HttpMethods.IsPost(method) =>
                _admin.CreateBranchAsync(call, kind, ns, name, string.Join('/', s[4..])),
            [_, var ns, var name, "branch", _, ..] when HttpMethods.IsDelete(method) =>
                _admin.DeleteBranchAsync(call, kind, ns, name, string.Join('/', s[4..])),
            [_, var ns, var name, "tag", _, ..] when HttpMethods.IsPost(method) =>
                _admin.CreateTagAsync(call, kind, ns, name, string.Join('/', s[4..])),
            [_, var ns, var name, "tag", _, ..] when HttpMethods.IsDelete(method) =>
                _admin.DeleteTagAsync(call, kind, ns, name, string.Join('/', s[4..])),
            [_, _, _, ..] when !isRead && s.Length >= 4 && s[3] is "revision" or "tree" or "refs" or "commits" =>
                HubResponses.MethodNotAllowedAsync(call.Http),
            _ => HubResponses.NotFoundAsync(call.Http),
        };
    }

    private static string RevisionOrMain(string[] rev) => rev.Length == 0 ? "main" : string.Join('/', rev);

    /// <summary>
    /// <c>/{ns}/{name}/resolve|raw/…</c> for models, <c>/datasets|spaces/{ns}/{name}/resolve|raw/…</c> otherwise, and the
    /// Git LFS API at <c>/[datasets/|spaces/]{ns}/{name}.git/info/lfs/objects/batch|verify</c>.
    /// </summary>
    private Task DispatchFileAsync(HubCall call, string[] s) => s switch
    {
        ["datasets" or "spaces", var ns, var name, "info", "lfs", "objects", var action] when name.EndsWith(".git", StringComparison.Ordinal) =>
            LfsAsync(call, RepoKinds.Parse(s[0]), ns, name[..^4], action),
        [var ns, var name, "info", "lfs", "objects", var action] when name.EndsWith(".git", StringComparison.Ordinal) =>
            LfsAsync(call, RepoKind.Model, ns, name[..^4], action),
        ["datasets" or "spaces", var ns, var name, "resolve" or "raw", .. var rest] =>
            _resolve.HandleAsync(call, RepoKinds.Parse(s[0]), ns, name, raw: s[3] == "raw", rest),
        [var ns, var name, "resolve" or "raw", .. var rest] =>
            _resolve.HandleAsync(call, RepoKind.Model, ns, name, raw: s[2] == "raw", rest),
        _ => HubResponses.NotFoundAsync(call.Http),
    };

    private Task LfsAsync(HubCall call, RepoKind kind, string ns, string name, string action) => action switch
    {
        "batch" when HttpMethods.IsPost(call.Method) => _lfs.BatchAsync(call, kind, ns, name),
        "verify" when HttpMethods.IsPost(call.Method) => _lfs.VerifyAsync(call, kind, ns, name),
        "batch" or "verify" => HubResponses.MethodNotAllowedAsync(call.Http),
        _ => HubResponses.NotFoundAsync(call.Http),
    };

    /// <summary>False only for a token that is not ours; no header at all means anonymous.</summary>
    private bool TryAuthenticate(HttpContext context, out string? user, out bool canWrite)
    {
        user = null;
        canWrite = false;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return true;
        }
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var token = header[bearer.Length..].Trim();
        if (!_services.Options.Tokens.TryGetValue(token, out user))
        {
            return false;
        }
        canWrite = !_services.Options.ReadOnlyTokens.Contains(token);
        return true;
    }
}
