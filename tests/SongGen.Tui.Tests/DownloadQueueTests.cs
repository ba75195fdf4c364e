using SongGen.Hub;
using SongGen.Hub.Tests;
using SongGen.Tui.Downloads;
using SongGen.Tui.Screens;

namespace SongGen.Tui.Tests;

public sealed class DownloadQueueTests
{
    [Fact]
    public void An_unreadable_queue_file_is_reported_and_left_as_it_was()
    {
        var folder = Directory.CreateTempSubdirectory("songgen-tui-queue-").FullName;
        try
        {
            var file = Path.Combine(folder, "queue.json");
            File.WriteAllText(file, "{ not json");
            using var client = new HubClient(new HubClientOptions { Endpoint = new Uri("http://127.0.0.1:1"), CacheDir = Path.Combine(folder, "cache") });
            using var queue = new DownloadQueue(new HubDownloader(client), file);

            Assert.NotNull(queue.LoadError);
            Assert.Contains(file, queue.LoadError);
            queue.Enqueue(RepoId.Parse("a/b"), "main", [("x.bin", 1)]);
            Assert.Equal("{ not json", File.ReadAllText(file));
        }
        finally
        {
            TuiHarness.DeleteFolder(folder);
        }
    }

    [Fact]
    public void Jobs_survive_a_reload_and_an_interrupted_one_is_queued_again()
    {
        var folder = Directory.CreateTempSubdirectory("songgen-tui-queue-").FullName;
        try
        {
            var file = Path.Combine(folder, "queue.json");
            using var client = new HubClient(new HubClientOptions { Endpoint = new Uri("http://127.0.0.1:1"), CacheDir = Path.Combine(folder, "cache") });
            using (var queue = new DownloadQueue(new HubDownloader(client), file))
            {
                var job = queue.Enqueue(RepoId.Parse("org/data", RepoType.Dataset), "v1.0", [("a/x[1].bin", 10), ("b.txt", 5)]);
                queue.TogglePause(job.Id);
            }
            File.WriteAllText(file, File.ReadAllText(file).Replace("\"Paused\"", "\"Running\""));

            using var reloaded = new DownloadQueue(new HubDownloader(client), file);
            var again = Assert.Single(reloaded.Jobs);
            Assert.Equal(DownloadJobState.Queued, again.State);
            Assert.Equal("org/data", again.Repo);
            Assert.Equal("dataset", again.RepoType);
            Assert.Equal("v1.0", again.Revision);
            Assert.Equal(15, again.TotalBytes);
            Assert.Equal(["a/x[1].bin", "b.txt"], again.Files.Select(f => f.Path));
        }
        finally
        {
            TuiHarness.DeleteFolder(folder);
        }
    }

    [Fact]
    public void A_queue_file_that_cannot_be_written_is_reported_and_the_queue_goes_on()
    {
        var folder = Directory.CreateTempSubdirectory("songgen-tui-queue-").FullName;
        try
        {
            // The queue's folder is a file: every save fails.
            var blocker = Path.Combine(folder, "not-a-folder");
            File.WriteAllText(blocker, "");
            var file = Path.Combine(blocker, "queue.json");
            using var client = new HubClient(new HubClientOptions { Endpoint = new Uri("http://127.0.0.1:1"), CacheDir = Path.Combine(folder, "cache") });
            using var queue = new DownloadQueue(new HubDownloader(client), file);

            var job = queue.Enqueue(RepoId.Parse("a/b"), "main", [("x.bin", 1)]);
            Assert.NotNull(queue.SaveError);
            Assert.Contains(file, queue.SaveError);
            queue.TogglePause(job.Id);
            Assert.Equal(DownloadJobState.Paused, Assert.Single(queue.Jobs).State);
        }
        finally
        {
            TuiHarness.DeleteFolder(folder);
        }
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("a/x[1].bin")]
    [InlineData("what?*.txt")]
    public void A_chosen_file_is_a_pattern_that_matches_only_itself(string path)
    {
        var pattern = DownloadQueue.EscapePattern(path);
        Assert.True(FilePatterns.IsMatch(path, pattern));
        Assert.False(FilePatterns.IsMatch(path + "x", pattern));
        Assert.False(FilePatterns.IsMatch("other/" + path, pattern));
    }

    [Fact]
    public void The_card_loses_its_front_matter_and_html_but_keeps_its_text()
    {
        var text = RepoScreen.RenderCard("---\nlicense: mit\ntags: [a]\n---\n# Title\n<img src=\"x\"/>Some **text**.\n");
        Assert.Equal("TITLE\nSome **text**.", text);
        Assert.Equal(["aaa bbb", "ccc"], RepoScreen.Wrap("aaa bbb ccc", 7));
    }
}
