using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using SongGen.Checkpoints.Safetensors;
using SongGen.Hub.Cards;
using SongGen.Hub.Emulator;
using TorchSharp;

namespace SongGen.Cli.Tests;

/// <summary>
/// Publishing a trained model with its card: <c>hub card init</c> → <c>hub create</c> → <c>hub upload</c> against the
/// emulator, then read back as a user of the Hub would (download, validate-yaml, card reader).
/// </summary>
public sealed partial class HubCardPublishTests : IAsyncLifetime
{
    private const string Repo = "alice/songgen-run";

    private CliSession _cli = null!;

    public async Task InitializeAsync() => _cli = await CliSession.StartAsync(seedDemo: false);

    public async Task DisposeAsync() => await _cli.DisposeAsync();

    /// <summary>What a short training run leaves: a tiny checkpoint and its config.</summary>
    private string TrainingOutput()
    {
        var folder = Path.Combine(_cli.Folder, "run");
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), new Dictionary<string, torch.Tensor>(StringComparer.Ordinal)
        {
            ["decoder.embed_tokens.0.weight"] = torch.arange(24, dtype: torch.float32).reshape(6, 4),
            ["decoder.lm_heads.0.weight"] = torch.linspace(-1, 1, 8).to_type(torch.ScalarType.BFloat16).reshape(2, 4),
        }, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"model_type\": \"songgen\", \"track_pattern\": \"mixed_pro\"}\n");
        return folder;
    }

    /// <summary>A loss log of 20 rows (total, 8 codebooks, 8 vocal heads) whose values start at <paramref name="start"/>.</summary>
    private string LossLog(string name, double start)
    {
        var path = Path.Combine(_cli.Folder, name);
        var header = string.Join(',', ["step", "loss", .. Enumerable.Range(0, 8).Select(k => $"codebook_{k}"), .. Enumerable.Range(0, 8).Select(k => $"vocal_{k}")]);
        File.WriteAllLines(path, [header, .. Enumerable.Range(0, 20).Select(i => string.Join(',',
            [(i * 50).ToString(CultureInfo.InvariantCulture), .. Enumerable.Range(0, 17).Select(k => (start - i * 0.1 - k * 0.01).ToString(CultureInfo.InvariantCulture))]))]);
        return path;
    }

    private string[] InitArgs(string folder, string lossLog, params string[] more) =>
    [
        "hub", "card", "init", folder, "--mode", "mixed_pro", "--license", "cc-by-nc-4.0", "--repo", Repo,
        "--base-model", "LiuZH-19/SongGen_mixed_pro", "--dataset", "google/MusicCaps", "--loss-log", lossLog, .. more,
    ];

    private int CommitRequests() => _cli.Hub.Emulator.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.Contains("/commit/", StringComparison.Ordinal));

    private string? Head() => _cli.Hub.Store.ResolveRevision("model", Repo, "main");

    private IReadOnlyList<EmulatorFileInfo> RemoteFiles(string revision = "main") => _cli.Hub.Store.ListFiles("model", Repo, revision);

    /// <summary>Downloads one file of the repo with <c>songgen hub download</c> and returns its bytes.</summary>
    private async Task<byte[]> DownloadAsync(string path)
    {
        var result = await _cli.RunOkAsync("hub", "download", Repo, path);
        return File.ReadAllBytes(result.OutLines.Single());
    }

    /// <summary>The paths in <c>![alt](path)</c> of a Markdown body.</summary>
    private static List<string> ImageReferences(string body) => MarkdownImage().Matches(body).Select(m => m.Groups["path"].Value).ToList();

    [GeneratedRegex(@"!\[[^\]]*\]\((?<path>[^)\s]+)\)")]
    private static partial Regex MarkdownImage();

    private async Task AssertTheHubAcceptsTheCardAsync(string readme)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync($"{_cli.Hub.Endpoint}/api/validate-yaml", new { content = readme, repoType = "model" });
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"validate-yaml refused the uploaded card: {answer}");
        using var json = JsonDocument.Parse(answer);
        Assert.Equal(0, json.RootElement.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task A_card_and_its_loss_curve_publish_with_the_model_and_an_update_changes_exactly_those_two_files()
    {
        var folder = TrainingOutput();
        await _cli.RunOkAsync(InitArgs(folder, LossLog("log1.csv", 6.0)));
        await _cli.RunOkAsync("hub", "create", Repo);
        await _cli.RunOkAsync("hub", "upload", Repo, folder, "--commit-message", "Publish the run");

        Assert.Equal([".gitattributes", "README.md", "config.json", "loss_curve.png", "model.safetensors"], RemoteFiles().Select(f => f.Path));
        // The PNG signature is followed by the IHDR chunk length 00 00 00 0D: a NUL in the sample makes it LFS.
        Assert.True(RemoteFiles().Single(f => f.Path == "loss_curve.png").IsLfs);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "loss_curve.png")), await DownloadAsync("loss_curve.png"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "model.safetensors")), await DownloadAsync("model.safetensors"));

        var readmeBytes = await DownloadAsync("README.md");
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "README.md")), readmeBytes);
        var readme = System.Text.Encoding.UTF8.GetString(readmeBytes);
        await AssertTheHubAcceptsTheCardAsync(readme);
        var remote = RepoCard.Parse(readme);
        Assert.Contains("mixed_pro", remote.Metadata.Tags);
        Assert.Equal(["LiuZH-19/SongGen_mixed_pro"], remote.Metadata.BaseModel);
        Assert.Equal(["google/MusicCaps"], remote.Metadata.Datasets);
        Assert.Equal("text-to-audio", remote.Metadata.PipelineTag);
        Assert.Equal(RepoCard.Load(Path.Combine(folder, "README.md")).Metadata.ToJson(), remote.Metadata.ToJson());
        // Every image the body embeds is a file of the same commit, by the same relative path.
        var references = ImageReferences(remote.Body);
        Assert.Equal(["loss_curve.png"], references);
        Assert.All(references, r => Assert.Contains(RemoteFiles(), f => f.Path == r));

        // A longer run: the card and the curve change, nothing else does, in one commit.
        var before = RemoteFiles();
        var firstHead = Head();
        var commits = CommitRequests();
        await _cli.RunOkAsync(InitArgs(folder, LossLog("log2.csv", 5.0), "--update"));
        await _cli.RunOkAsync("hub", "upload", Repo, folder);

        Assert.NotEqual(firstHead, Head());
        Assert.Equal(commits + 1, CommitRequests());
        var after = RemoteFiles();
        Assert.Equal(before.Select(f => f.Path), after.Select(f => f.Path));
        var changed = after.Where(f => before.Single(b => b.Path == f.Path).Sha256 != f.Sha256).Select(f => f.Path);
        Assert.Equal(["README.md", "loss_curve.png"], changed);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "loss_curve.png")), await DownloadAsync("loss_curve.png"));
        var updated = RepoCard.Parse(System.Text.Encoding.UTF8.GetString(await DownloadAsync("README.md")));
        Assert.Contains("| total | 3.1000 |", updated.Body);
        Assert.Equal(["loss_curve.png"], ImageReferences(updated.Body));

        // Nothing changed: no commit at all.
        var secondHead = Head();
        var noop = await _cli.RunOkAsync("hub", "upload", Repo, folder);
        Assert.StartsWith("No changes", noop.OutLines[0]);
        Assert.Equal(commits + 1, CommitRequests());
        Assert.Equal(secondHead, Head());
    }

    [Fact]
    public async Task An_image_outside_the_folder_is_copied_in_so_the_card_embeds_what_is_uploaded()
    {
        var folder = TrainingOutput();
        var outside = Path.Combine(_cli.Folder, "plots", "spectrogram.png");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        byte[] picture = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 1, 2, 3];
        File.WriteAllBytes(outside, picture);
        var inside = Path.Combine(folder, "figures", "attention.png");
        Directory.CreateDirectory(Path.GetDirectoryName(inside)!);
        File.WriteAllBytes(inside, [0x89, 0x50, 0x4E, 0x47, 9, 9]);

        // One image from elsewhere, one from the folder given by its full path, one by its path in the folder.
        var init = await _cli.RunOkAsync(InitArgs(folder, LossLog("log.csv", 6.0), "--image", outside, "--image", inside));
        Assert.Contains($"copied {outside} to {Path.Combine(folder, "spectrogram.png")}", init.OutLines);
        Assert.Equal(picture, File.ReadAllBytes(Path.Combine(folder, "spectrogram.png")));
        var body = RepoCard.Load(Path.Combine(folder, "README.md")).Body;
        Assert.Equal(["loss_curve.png", "spectrogram.png", "figures/attention.png"], ImageReferences(body));

        await _cli.RunOkAsync("hub", "upload", Repo, folder);
        foreach (var reference in ImageReferences(body))
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, reference)), await DownloadAsync(reference));

        // --update with the outside image redrawn: the copy follows it.
        File.WriteAllBytes(outside, [.. picture, 4]);
        await _cli.RunOkAsync(InitArgs(folder, LossLog("log.csv", 6.0), "--update", "--image", outside, "--image", "figures/attention.png"));
        Assert.Equal(File.ReadAllBytes(outside), File.ReadAllBytes(Path.Combine(folder, "spectrogram.png")));
    }

    [Fact]
    public async Task An_image_that_is_missing_or_would_clobber_a_file_is_refused_and_nothing_is_written()
    {
        var folder = TrainingOutput();
        var log = LossLog("log.csv", 6.0);
        var contents = () => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => (p, Convert.ToHexString(File.ReadAllBytes(p)))).ToList();
        var untouched = contents();

        var missing = await _cli.RunAsync(InitArgs(folder, log, "--image", Path.Combine(_cli.Folder, "nope.png")));
        CliSession.AssertCleanFailure(missing, 1);
        Assert.Contains("nope.png", missing.Err);
        Assert.Contains("missing image", missing.Err);
        Assert.Equal(untouched, contents());

        // An outside file named like the loss curve would replace the plot the card also embeds.
        var clash = Path.Combine(_cli.Folder, "other", "loss_curve.png");
        Directory.CreateDirectory(Path.GetDirectoryName(clash)!);
        File.WriteAllBytes(clash, [1, 2, 3]);
        var plotClash = await _cli.RunAsync(InitArgs(folder, log, "--image", clash));
        CliSession.AssertCleanFailure(plotClash, 1);
        Assert.Contains("the loss curve", plotClash.Err);
        Assert.Equal(untouched, contents());

        // A different file of the same name already in the folder is not overwritten without --force.
        File.WriteAllBytes(Path.Combine(folder, "cover.png"), [7, 7, 7]);
        untouched = contents();
        var cover = Path.Combine(_cli.Folder, "other", "cover.png");
        File.WriteAllBytes(cover, [8, 8, 8]);
        var exists = await _cli.RunAsync(InitArgs(folder, log, "--image", cover));
        CliSession.AssertCleanFailure(exists, 1);
        Assert.Contains("--force", exists.Err);
        Assert.Equal(untouched, contents());

        await _cli.RunOkAsync(InitArgs(folder, log, "--image", cover, "--force"));
        Assert.Equal([8, 8, 8], File.ReadAllBytes(Path.Combine(folder, "cover.png")));
    }
}
