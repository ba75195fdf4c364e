using SongGen.Hub;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>
/// Who the token belongs to (whoami), where the token came from, and a login form that checks a new token with the Hub
/// and stores it as Python's <c>hf auth login</c> does (the token file, mode 0600). The token is only ever shown masked.
/// </summary>
internal sealed class AccountScreen : TuiScreen
{
    private readonly Label _info;
    private readonly Label _user;
    private readonly TextField _tokenField;

    public AccountScreen(TuiContext context) : base(context, "Account", Key.F6)
    {
        _info = new DataLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 3 };
        _user = new DataLabel { X = 0, Y = 4, Width = Dim.Fill(), Height = 3, Text = "w: whoami" };
        var loginLabel = new DataLabel { X = 0, Y = 8, Text = "Login: paste a token and press Enter (it is checked, then saved with mode 0600):" };
        _tokenField = new TextField { X = 0, Y = 9, Width = 60, Secret = true };
        Add(_info, _user, loginLabel, _tokenField);
        _tokenField.KeyDown += (_, key) =>
        {
            if (key != Key.Enter) return;
            key.Handled = true;
            Login(_tokenField.Text ?? "");
        };
    }

    public override bool HandleKey(Key key, bool typing)
    {
        if (typing) return false;
        if (key == Key.W) WhoAmI();
        else if (key == Key.L) _tokenField.SetFocus();
        else return false;
        return true;
    }

    public override string Help => "w whoami   l login (type the token in the box, Enter checks and saves it)";

    public override void OnShown()
    {
        UpdateInfo();
        if (Context.ClientOptions.Token is not null) WhoAmI();
    }

    private void UpdateInfo() =>
        _info.Text = $"Endpoint   {Context.ClientOptions.Endpoint}\nToken      {Format.MaskToken(Context.ClientOptions.Token)}\nToken file {TokenStore.Path(Context.Options)}";

    private void WhoAmI()
    {
        _user.Text = "asking the Hub…";
        var client = Context.Client;
        Context.RunInBackground("whoami", ct => client.WhoAmIAsync(ct), Show, Context.Lifetime.Token);
    }

    private void Show(Hub.Api.WhoAmI me) =>
        _user.Text = $"User       {me.Name}{(me.FullName is { } full ? $" ({full})" : "")}\n"
                     + $"Orgs       {(me.Orgs.Count == 0 ? "-" : string.Join(", ", me.Orgs.Select(o => o.Name)))}\n"
                     + $"Token role {me.Auth?.AccessToken?.Role ?? "-"} ({me.Auth?.AccessToken?.DisplayName ?? "unnamed"})";

    private void Login(string token)
    {
        token = token.Trim();
        if (token.Length == 0)
        {
            Context.ShowStatus("Login: the token is empty", true);
            return;
        }
        var endpoint = Context.ClientOptions;
        Context.ShowStatus("Checking the token with the Hub…", false);
        Context.RunInBackground("login", async ct =>
        {
            // Checked with a client of its own so that a bad token never replaces the working one.
            var probeOptions = new HubClientOptions { Endpoint = endpoint.Endpoint, Token = token, CacheDir = endpoint.CacheDir, Retry = endpoint.Retry };
            using var probe = new HubClient(probeOptions);
            var me = await probe.WhoAmIAsync(ct).ConfigureAwait(false);
            var path = TokenStore.Save(Context.Options, token);
            return (me, path);
        }, done =>
        {
            Context.ClientOptions.Token = token;
            _tokenField.Text = "";
            UpdateInfo();
            Show(done.me);
            Context.ShowStatus($"Logged in as {done.me.Name}; token saved to {done.path} (0600)", false);
        }, Context.Lifetime.Token);
    }
}
