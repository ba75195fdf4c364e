using System.Security.Cryptography;
using System.Text;

namespace SongGen.Hub.Emulator.Store;

/// <summary>
/// Object ids computed exactly like git does, because clients compare them: a file's <c>oid</c> in the tree API is
/// the git blob id, and an LFS file's <c>oid</c> is the blob id of its pointer text.
/// </summary>
internal static class GitObjects
{
    public const string LfsPointerVersion = "version https://git-lfs.github.com/spec/v1";

    /// <summary>Starts a SHA-1 over the git blob header; feed it exactly <paramref name="length"/> content bytes.</summary>
    public static IncrementalHash StartBlobHash(long length)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
        return hash;
    }

    public static string BlobOid(ReadOnlySpan<byte> content)
    {
        using var hash = StartBlobHash(content.Length);
        hash.AppendData(content);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string LfsPointerText(string sha256, long size) =>
        $"{LfsPointerVersion}\noid sha256:{sha256}\nsize {size}\n";

    public static byte[] LfsPointerBytes(string sha256, long size) => Encoding.ASCII.GetBytes(LfsPointerText(sha256, size));

    /// <summary>
    /// A git tree object id. Git sorts entries by name, comparing a directory as if its name ended in "/".
    /// </summary>
    public static string TreeOid(IEnumerable<(string Name, bool IsDirectory, string Oid)> entries)
    {
        var sorted = entries
            .OrderBy(e => e.IsDirectory ? e.Name + "/" : e.Name, StringComparer.Ordinal)
            .ToList();
        using var body = new MemoryStream();
        foreach (var (name, isDirectory, oid) in sorted)
        {
            body.Write(Encoding.ASCII.GetBytes(isDirectory ? "40000 " : "100644 "));
            body.Write(Encoding.UTF8.GetBytes(name));
            body.WriteByte(0);
            body.Write(Convert.FromHexString(oid));
        }
        return ObjectOid("tree", body.ToArray());
    }

    /// <summary>A git commit object id (author and committer are the same person, time in UTC).</summary>
    public static string CommitOid(string treeOid, IEnumerable<string> parents, string author, DateTimeOffset date, string message)
    {
        var text = new StringBuilder();
        text.Append("tree ").Append(treeOid).Append('\n');
        foreach (var parent in parents)
        {
            text.Append("parent ").Append(parent).Append('\n');
        }
        var signature = $"{author} <{author}@users.noreply.huggingface.co> {date.ToUnixTimeSeconds()} +0000";
        text.Append("author ").Append(signature).Append('\n');
        text.Append("committer ").Append(signature).Append('\n');
        text.Append('\n').Append(message);
        if (!message.EndsWith('\n'))
        {
            text.Append('\n');
        }
        return ObjectOid("commit", Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string ObjectOid(string type, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"{type} {body.Length}\0"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
