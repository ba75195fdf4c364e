using System.Text;

namespace SongGen.Hub.Tests.Cache;

public sealed class LocalDirMetadataTests : IDisposable
{
    private static readonly string Commit = CacheBuilder.Commit('c');
    private const string Etag = "b45ef6fec89518d314f546fd6c3025367b721684";
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private string Hf(params string[] parts) => temp.Combine([".cache", "huggingface", .. parts]);

    private void WriteLocalFile(string repoPath, string text, DateTime modifiedUtc)
    {
        string path = LocalDirMetadata.FilePath(temp.Path, repoPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, modifiedUtc);
    }

    [Fact]
    public void Paths_follow_pythons_local_folder_layout()
    {
        Assert.Equal(Hf(), LocalDirMetadata.HuggingFaceFolder(temp.Path));
        Assert.Equal(temp.Combine("sub", "config.json"), LocalDirMetadata.FilePath(temp.Path, "sub/config.json"));
        Assert.Equal(Hf("download", "sub", "config.json.metadata"), LocalDirMetadata.MetadataPath(temp.Path, "sub/config.json"));
        Assert.Equal(Hf("download", "sub", "config.json.lock"), LocalDirMetadata.LockPath(temp.Path, "sub/config.json"));
        Assert.Equal(Hf("download", "sub"), LocalDirMetadata.IncompleteFolder(temp.Path, "sub/config.json"));
        Assert.Equal(Hf("trees", Commit + ".json"), LocalDirMetadata.TreeCachePath(temp.Path, Commit));
    }

    [Fact]
    public void Incomplete_path_uses_pythons_short_hash()
    {
        // base64.urlsafe_b64encode(hashlib.sha1(b"config.json.metadata").digest()).decode(), computed with CPython.
        Assert.Equal(Hf("download", "sub", "8_PA_wEVGiVa2goH2H4KQOQpvVY=." + Etag + ".incomplete"),
            LocalDirMetadata.IncompletePath(temp.Path, "sub/config.json", Etag));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    public void Unsafe_paths_are_refused(string repoPath)
    {
        Assert.Throws<UnsafeRepoPathException>(() => LocalDirMetadata.MetadataPath(temp.Path, repoPath));
        Assert.Throws<UnsafeRepoPathException>(() => LocalDirMetadata.FilePath(temp.Path, repoPath));
        Assert.Throws<UnsafeRepoPathException>(() => LocalDirMetadata.Read(temp.Path, repoPath));
    }

    [Fact]
    public void EnsureHuggingFaceFolder_writes_gitignore_and_cachedir_tag()
    {
        LocalDirMetadata.EnsureHuggingFaceFolder(temp.Path);
        Assert.Equal("*"u8.ToArray(), File.ReadAllBytes(Hf(".gitignore")));
        Assert.StartsWith("Signature: 8a477f597d28d172789f06886806bc55\n", File.ReadAllText(Hf("CACHEDIR.TAG")), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_produces_three_lines_with_a_python_float()
    {
        var when = DateTimeOffset.FromUnixTimeMilliseconds(1_724_145_600_250);
        LocalDirMetadata.Write(temp.Path, "sub/config.json", Commit, Etag, when);
        string text = File.ReadAllText(Hf("download", "sub", "config.json.metadata"));
        Assert.Equal($"{Commit}\n{Etag}\n1724145600.25\n", text);
        Assert.True(File.Exists(Hf(".gitignore")));
        Assert.Single(Directory.GetFiles(Hf("download", "sub")));

        LocalDirMetadata.Write(temp.Path, "whole.txt", Commit, Etag, DateTimeOffset.FromUnixTimeSeconds(1_724_145_600));
        Assert.EndsWith("\n1724145600.0\n", File.ReadAllText(Hf("download", "whole.txt.metadata")), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_trusts_metadata_newer_than_the_file()
    {
        var stamp = new DateTime(2024, 8, 20, 12, 0, 0, DateTimeKind.Utc);
        WriteLocalFile("sub/config.json", "{}", stamp);
        LocalDirMetadata.Write(temp.Path, "sub/config.json", Commit, Etag, stamp);
        LocalDownloadMetadata? read = LocalDirMetadata.Read(temp.Path, "sub/config.json");
        Assert.Equal(new LocalDownloadMetadata(Commit, Etag, (stamp - DateTime.UnixEpoch).TotalSeconds), read);
    }

    [Fact]
    public void Read_allows_one_second_of_mtime_slack_but_not_more()
    {
        var stamp = new DateTime(2024, 8, 20, 12, 0, 0, DateTimeKind.Utc);
        LocalDirMetadata.Write(temp.Path, "a.txt", Commit, Etag, stamp);
        WriteLocalFile("a.txt", "x", stamp.AddSeconds(1));
        Assert.NotNull(LocalDirMetadata.Read(temp.Path, "a.txt"));
        WriteLocalFile("a.txt", "edited", stamp.AddSeconds(1.5));
        Assert.Null(LocalDirMetadata.Read(temp.Path, "a.txt"));
    }

    [Fact]
    public void Read_is_null_without_metadata_or_without_the_file()
    {
        Assert.Null(LocalDirMetadata.Read(temp.Path, "a.txt"));
        LocalDirMetadata.Write(temp.Path, "a.txt", Commit, Etag);
        Assert.Null(LocalDirMetadata.Read(temp.Path, "a.txt"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("only-a-commit\n")]
    [InlineData("c\ne\n")]
    [InlineData("c\ne\nnot-a-float\n")]
    [InlineData("\n\n123.0\n")]
    [InlineData("c\ne\nnan\n")]
    public void Malformed_metadata_reads_as_absent_and_is_removed_like_python(string content)
    {
        WriteLocalFile("a.txt", "x", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string path = LocalDirMetadata.MetadataPath(temp.Path, "a.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        Assert.Null(LocalDirMetadata.Read(temp.Path, "a.txt"));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Metadata_written_by_python_with_crlf_or_extra_lines_is_read()
    {
        WriteLocalFile("a.txt", "x", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string path = LocalDirMetadata.MetadataPath(temp.Path, "a.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"{Commit}\r\n{Etag}\r\n1724145600.123456\r\nextra\n");
        Assert.Equal(new LocalDownloadMetadata(Commit, Etag, 1724145600.123456), LocalDirMetadata.Read(temp.Path, "a.txt"));
    }

    [Fact]
    public void Tree_cache_lives_under_the_local_dir()
    {
        LocalDirMetadata.WriteTreeCache(temp.Path, Commit, [new TreeCacheEntry("a.txt", 1, Etag)]);
        Assert.True(File.Exists(Hf("trees", Commit + ".json")));
        Assert.Equal(Etag, LocalDirMetadata.ReadTreeCache(temp.Path, Commit)!["a.txt"].BlobId);
    }

    [Theory]
    [InlineData(1724145600.25, "1724145600.25")]
    [InlineData(1724145600.0, "1724145600.0")]
    [InlineData(1724145600.1234567, "1724145600.1234567")]
    [InlineData(0.5, "0.5")]
    public void Python_float_text(double value, string expected)
    {
        Assert.Equal(expected, LocalDirMetadata.PythonFloat(value));
    }
}
