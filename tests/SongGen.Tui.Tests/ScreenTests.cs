using SongGen.Hub;
using SongGen.Hub.Emulator;
using SongGen.Hub.Tests;
using Terminal.Gui.Input;
using Terminal.Gui.Testing;

namespace SongGen.Tui.Tests;

/// <summary>Search behaviour, the cache and account screens, and the help box, through keys and screen text.</summary>
[Collection(TuiCollection.Name)]
public sealed class ScreenTests
{
    private static readonly RepoId Demo = RepoId.Parse(DemoRepos.ModelId);

    private static List<string> SearchRequests(TestHub hub, string term) =>
        hub.Emulator.Requests.Where(r => r.PathAndQuery.StartsWith("/api/models", StringComparison.Ordinal) && r.PathAndQuery.Contains("search=" + term, StringComparison.Ordinal))
            .Select(r => r.PathAndQuery).ToList();

    [Fact]
    public async Task Search_waits_for_the_debounce_and_asks_once()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            ui.WaitForText(DemoRepos.ModelId);
            ui.Type("songgen");
            ui.Time.Advance(TimeSpan.FromMilliseconds(299));
            Thread.Sleep(200); // a search started by mistake would reach the emulator by now
            Assert.Empty(SearchRequests(hub, "song"));

            ui.Time.Advance(TimeSpan.FromMilliseconds(1));
            ui.WaitFor(_ => SearchRequests(hub, "song").Count > 0 && ui.OnUi(() => ui.Shell.Search.Results.Count) == 1, "the search");
            Assert.Equal(["songgen"], SearchRequests(hub, "song").Select(q => System.Web.HttpUtility.ParseQueryString(new Uri("http://h" + q).Query)["search"]));
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task A_failing_search_is_an_error_line_and_the_next_search_works()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            ui.WaitForText(DemoRepos.ModelId);
            hub.Faults.Add(Fault.Status(500, errorMessage: "listing is down"), FaultTarget.Api, pathContains: "/api/models", times: 100);
            ui.Type("songgen");
            ui.Time.Advance(TimeSpan.FromMilliseconds(300));
            ui.WaitForText("error: search failed:");
            ui.WaitForText("(search failed: edit the search to retry)"); // the footer no longer says "searching…"
            Assert.Equal([], ui.OnUi(() => ui.Shell.Search.Results.Select(r => r.Id).ToList()));

            hub.Faults.Clear();
            ui.Type("-demo");
            ui.Time.Advance(TimeSpan.FromMilliseconds(300));
            ui.WaitFor(_ => ui.OnUi(() => ui.Shell.Search.Results.Count) == 1, "the search after the outage");
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Results_load_the_next_page_as_the_cursor_nears_the_end()
    {
        await using var hub = await TestHub.StartAsync();
        for (var i = 0; i < 30; i++)
        {
            var id = $"bulk/model-{i:00}";
            await hub.Store.CreateRepoAsync("model", id);
            await hub.Store.CommitAsync("model", id, "main", [EmulatorFile.FromText("README.md", $"model {i}")]);
        }
        using var ui = TuiHarness.Start(hub, configure: o => o.SearchPageSize = 10);
        try
        {
            // 31 models: the demo model and 30 more (the demo dataset is not a model).
            var screen = ui.WaitForText("10 models (more load as you scroll)");
            Assert.Equal(10, ui.OnUi(() => ui.Shell.Search.Results.Count));
            ui.Press(Key.Enter); // to the list
            for (var i = 0; i < 6; i++) ui.Press(Key.J);
            ui.WaitForText("20 models (more load as you scroll)");
            // Each batch of keys waits for its page: keys typed faster than a page loads would leave the cursor short of
            // the end of the longer list, where a user would simply keep scrolling.
            for (var i = 0; i < 10; i++) ui.Press(Key.CursorDown);
            ui.WaitForText("30 models (more load as you scroll)");
            for (var i = 0; i < 10; i++) ui.Press(Key.CursorDown);
            screen = ui.WaitForText("31 models");
            Assert.DoesNotContain("more load", screen);
            Assert.Equal(31, ui.OnUi(() => ui.Shell.Search.Results.Select(r => r.Id).Distinct().Count()));
            // Pages follow the Hub's Link header, ten at a time.
            Assert.True(hub.Emulator.Requests.Count(r => r.PathAndQuery.StartsWith("/api/models", StringComparison.Ordinal) && r.PathAndQuery.Contains("limit=10", StringComparison.Ordinal)) >= 1);
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Datasets_toggle_and_sort_cycle_from_the_keyboard()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            ui.WaitForText(DemoRepos.ModelId);
            ui.Press(Key.T.WithCtrl);
            var screen = ui.WaitForText(DemoRepos.DatasetId);
            Assert.Contains("[datasets]", screen);
            Assert.DoesNotContain(DemoRepos.ModelId + " ", screen);
            ui.Press(Key.Enter); // to the list: plain letters are keys now
            ui.Press(Key.S);
            ui.WaitForText("sort: likes");
            ui.Press(Key.T);
            ui.WaitForText("[models]");
            ui.WaitForText(DemoRepos.ModelId);
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Cache_screen_lists_verifies_and_deletes_only_after_confirmation()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            ui.OnUi(() => ui.Session.Queue.Enqueue(Demo, "main", [("config.json", 184), ("model.safetensors", DemoRepos.BuildSafetensors().Length)]));
            ui.WaitFor(_ => ui.Session.Queue.Jobs.Single().State == Downloads.DownloadJobState.Completed, "the download");

            ui.Press(Key.F5);
            var screen = ui.WaitForText(DemoRepos.ModelId);
            Assert.Contains("2 files", screen);
            Assert.Contains("main", screen);
            Assert.Contains("1 repos", screen);

            ui.Press(Key.V);
            ui.WaitForText("all good");

            var repoFolder = new HubCacheLayout(ui.CacheDir).RepoFolder(Demo);
            ui.Press(Key.X);
            ui.WaitForText($"Delete {DemoRepos.ModelId} from the cache? It frees 3.0 MiB");
            ui.Press(Key.Enter); // anything but y keeps it
            ui.WaitForText("Nothing deleted");
            Assert.True(Directory.Exists(repoFolder));

            ui.Press(Key.X);
            ui.WaitForText("[y/N]");
            ui.Press(Key.Y);
            ui.WaitForText("freed");
            Assert.False(Directory.Exists(repoFolder));
            ui.WaitForText("0 repos");
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Login_checks_the_token_saves_it_0600_and_never_shows_it()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub, token: null);
        try
        {
            ui.Press(Key.F6);
            ui.WaitForText("(none)");

            ui.Press(Key.L);
            ui.Type("hf_wrong_token");
            ui.Press(Key.Enter);
            ui.WaitForText("error: login failed");
            Assert.False(File.Exists(ui.TokenFile));

            ui.OnUi(() => ui.Shell.Account.HandleKey(Key.L, false));
            ui.OnUi(() => ui.Session.App.Navigation!.GetFocused()!.Text = "");
            ui.Type(TestHub.AliceToken);
            ui.Press(Key.Enter);
            var screen = ui.WaitForText("Logged in as alice");
            Assert.Equal(TestHub.AliceToken, await File.ReadAllTextAsync(ui.TokenFile));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ui.TokenFile));
            screen = ui.WaitForText("User       alice");
            Assert.DoesNotContain(TestHub.AliceToken, screen);
            Assert.True(screen.Contains(Format.MaskToken(TestHub.AliceToken), StringComparison.Ordinal), screen);
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Revision_picker_reopens_the_repo_at_a_branch()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            ui.OnUi(() =>
            {
                ui.Shell.Repo.Open(Demo, null);
                ui.Shell.Show(ui.Shell.Repo);
            });
            var screen = ui.WaitForText("model.safetensors");
            Assert.DoesNotContain("dev.md", screen);
            ui.Press(Key.R);
            ui.WaitForText(DemoRepos.ModelTag); // branches, then tags
            ui.OnUi(() => Assert.Equal("main", ui.Shell.Repo.Revision));
            ui.Press(Key.J); // main -> dev
            ui.Press(Key.Enter);
            screen = ui.WaitForText("dev.md");
            Assert.Contains($"revision {DemoRepos.ModelBranch} = {hub.Store.ResolveRevision("model", DemoRepos.ModelId, DemoRepos.ModelBranch)![..12]}", screen);
            Assert.Equal(DemoRepos.ModelBranch, ui.OnUi(() => ui.Shell.Repo.Revision));
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task A_double_click_on_a_result_opens_it()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            var screen = ui.WaitForText(DemoRepos.ModelId);
            var lines = screen.Split('\n');
            var row = Array.FindIndex(lines, l => l.Contains(DemoRepos.ModelId, StringComparison.Ordinal));
            var column = lines[row].IndexOf(DemoRepos.ModelId, StringComparison.Ordinal) + 2;
            ui.OnUi(() => ui.Session.App.InjectSequence(InputInjectionExtensions.LeftButtonDoubleClick(new System.Drawing.Point(column, row))));
            ui.WaitForText("model.safetensors");
            Assert.Equal(Demo, ui.OnUi(() => ui.Shell.Repo.Repo));
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }

    [Fact]
    public async Task Question_mark_shows_the_keys_of_the_current_screen()
    {
        await using var hub = await TestHub.StartAsync();
        using var ui = TuiHarness.Start(hub);
        try
        {
            ui.WaitForText(DemoRepos.ModelId);
            ui.Press(Key.Enter); // out of the search box: '?' is a key there, text here
            ui.Press((Key)'?');
            var screen = ui.WaitForText("Keys: Search");
            Assert.Contains("Enter open", screen);
            ui.Press(Key.Esc);
            ui.WaitFor(s => !s.Contains("Keys: Search", StringComparison.Ordinal), "the help box to close");
            Assert.False(ui.OnUi(() => ui.Shell.HelpVisible));
            // In the search box '?' is text, not help.
            ui.Press(Key.F2);
            ui.Type("?");
            Assert.False(ui.OnUi(() => ui.Shell.HelpVisible));
            Assert.Equal("?", ui.OnUi(() => ui.Shell.Search.QueryBox.Text));
            ui.AssertNoLoopErrors();
        }
        finally
        {
            TuiHarness.DeleteFolder(ui.Folder);
        }
    }
}
