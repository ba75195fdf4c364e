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
    }

    public async Task HandleAsync(HttpContext context)
    {
        var target = RequestTarget.From(context);
        var isApi = target.Segments.Length > 0 && target.Segments[0] == "api";
        var requestFaults = _faults.ForRequest(isApi ? FaultTarget.Api : FaultTarget.Resolve, context.Request.Method, target.PathAndQuery);
        if (await FaultGate.ApplyAsync(context, requestFaults))
        {
            return;
        }
        if (!TryAuthenticate(context, out var user))
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
            [_, _, _, ..] when !isRead && s.Length >= 4 && s[3] is "revision" or "tree" or "refs" or "commits" =>
                HubResponses.MethodNotAllowedAsync(call.Http),
            _ => HubResponses.NotFoundAsync(call.Http),
        };
    }

    /// <summary><c>/{ns}/{name}/resolve|raw/…</c> for models, <c>/datasets|spaces/{ns}/{name}/resolve|raw/…</c> otherwise.</summary>
    private Task DispatchFileAsync(HubCall call, string[] s) => s switch
    {
        ["datasets" or "spaces", var ns, var name, "resolve" or "raw", .. var rest] =>
            _resolve.HandleAsync(call, RepoKinds.Parse(s[0]), ns, name, raw: s[3] == "raw", rest),
        [var ns, var name, "resolve" or "raw", .. var rest] =>
            _resolve.HandleAsync(call, RepoKind.Model, ns, name, raw: s[2] == "raw", rest),
        _ => HubResponses.NotFoundAsync(call.Http),
    };

    /// <summary>False only for a token that is not ours; no header at all means anonymous.</summary>
    private bool TryAuthenticate(HttpContext context, out string? user)
    {
        user = null;
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
        return _services.Options.Tokens.TryGetValue(header[bearer.Length..].Trim(), out user);
    }
}
