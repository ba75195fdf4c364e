using System.Text;

namespace SongGen.Hub.Tests.Cache;

public sealed class ContentHasherTests
{
    private const string HelloGitSha1 = "b45ef6fec89518d314f546fd6c3025367b721684"; // hfh utils/sha.py git_hash example
    private const string HelloSha256 = "dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f"; // sha256sum
    private static readonly byte[] Hello = Encoding.ASCII.GetBytes("Hello, World!");

    [Fact]
    public void Git_blob_sha1_matches_the_known_vector()
    {
        using ContentHasher hasher = ContentHasher.ForEtag(HelloGitSha1, Hello.Length);
        Assert.True(hasher.IsGitBlobSha1);
        hasher.Append(Hello.AsSpan(0, 5));
        hasher.Append(Hello.AsSpan(5));
        Assert.Equal(HelloGitSha1, hasher.FinishHex());
        Assert.True(hasher.Matches(HelloGitSha1));
        Assert.True(hasher.Matches("\"" + HelloGitSha1.ToUpperInvariant() + "\""));
        Assert.Equal(HelloGitSha1, hasher.FinishHex()); // idempotent
    }

    [Fact]
    public void Empty_file_git_sha1_is_gits_empty_blob()
    {
        using ContentHasher hasher = ContentHasher.ForEtag("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", 0);
        Assert.True(hasher.Matches("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"));
    }

    [Fact]
    public void Sha256_etag_hashes_the_plain_content()
    {
        using ContentHasher hasher = ContentHasher.ForEtag("W/\"" + HelloSha256 + "\"", -1);
        Assert.False(hasher.IsGitBlobSha1);
        hasher.Append(Hello);
        Assert.Equal(HelloSha256, hasher.FinishHex());
        Assert.True(hasher.Matches(HelloSha256));
    }

    [Fact]
    public void A_git_blob_with_the_wrong_length_never_matches()
    {
        using ContentHasher hasher = ContentHasher.ForEtag(HelloGitSha1, Hello.Length + 1);
        hasher.Append(Hello);
        Assert.False(hasher.Matches(HelloGitSha1));
        Assert.Equal(Hello.Length, hasher.BytesAppended);
    }

    [Fact]
    public void Append_after_finish_is_an_error()
    {
        using ContentHasher hasher = ContentHasher.ForEtag(HelloSha256, 13);
        hasher.FinishHex();
        Assert.Throws<InvalidOperationException>(() => hasher.Append(Hello));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e")] // md5-like
    [InlineData("zzfd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f")]
    public void Unknown_etags_are_refused(string etag)
    {
        Assert.Throws<ArgumentException>(() => ContentHasher.ForEtag(etag, 1));
    }

    [Fact]
    public void Git_blob_requires_a_size()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ContentHasher.ForEtag(HelloGitSha1, -1));
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("W/\"abc\"", "abc")]
    [InlineData(" \"abc\" ", "abc")]
    [InlineData("abc", "abc")]
    public void NormalizeEtag_strips_weak_prefix_and_quotes(string raw, string expected)
    {
        Assert.Equal(expected, ContentHasher.NormalizeEtag(raw));
    }

    [Fact]
    public void Etag_kinds()
    {
        Assert.True(ContentHasher.IsSha256Etag(HelloSha256));
        Assert.False(ContentHasher.IsSha256Etag(HelloGitSha1));
        Assert.True(ContentHasher.IsGitSha1(HelloGitSha1));
        Assert.False(ContentHasher.IsGitSha1(HelloSha256));
        Assert.False(ContentHasher.IsGitSha1(null));
        Assert.False(ContentHasher.IsGitSha1("g45ef6fec89518d314f546fd6c3025367b721684"));
    }

    [Fact]
    public async Task HashFileAsync_uses_the_files_real_length_and_reports_progress()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("blob");
        await File.WriteAllBytesAsync(path, Hello);
        Assert.Equal(HelloGitSha1, await ContentHasher.HashFileAsync(path, HelloGitSha1));
        Assert.Equal(HelloSha256, await ContentHasher.HashFileAsync(path, HelloSha256));

        // Larger than the 1 MiB buffer: several chunks, all reported.
        byte[] big = new byte[(3 << 20) + 17];
        new Random(1).NextBytes(big);
        await File.WriteAllBytesAsync(path, big);
        long reported = 0;
        var progress = new SyncProgress(n => reported += n);
        string digest = await ContentHasher.HashFileAsync(path, new string('0', 64), progress, CancellationToken.None);
        Assert.Equal(CacheBuilder.Sha256(big), digest);
        Assert.Equal(big.Length, reported);
        Assert.Equal(CacheBuilder.GitBlobSha1(big), await ContentHasher.HashFileAsync(path, new string('0', 40)));
    }

    [Fact]
    public async Task HashFileAsync_honours_cancellation()
    {
        using var temp = new TempFolder();
        string path = temp.Combine("blob");
        await File.WriteAllBytesAsync(path, Hello);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ContentHasher.HashFileAsync(path, HelloSha256, new CancellationToken(canceled: true)));
    }

    internal sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
