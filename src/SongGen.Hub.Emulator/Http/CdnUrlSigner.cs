using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SongGen.Hub.Emulator.Http;

/// <summary>What a signed CDN URL grants: one object, with the metadata the CDN echoes back as headers.</summary>
internal sealed record CdnGrant(string Sha256, long Size, string Repo, string Commit);

/// <summary>
/// Signs the LFS redirect URLs with an HMAC (key per emulator run) and an expiry, like a real CDN's signed URLs, so
/// the CDN listener can reject a tampered or expired URL with 403 without any shared state with the Hub listener.
/// </summary>
internal sealed class CdnUrlSigner
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;

    public CdnUrlSigner(TimeProvider time) => _time = time;

    public string SignedUrl(Uri cdnBase, CdnGrant grant)
    {
        var expires = _time.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds();
        var signature = Sign(grant, expires);
        return $"{cdnBase.GetLeftPart(UriPartial.Authority)}/lfs/{grant.Sha256}"
            + $"?repo={Uri.EscapeDataString(grant.Repo)}&commit={grant.Commit}&size={grant.Size}&expires={expires}&sig={signature}";
    }

    /// <summary>The grant of a valid URL, or null with the reason.</summary>
    public CdnGrant? Verify(string sha256, QueryArgs query, out string failure)
    {
        failure = "";
        var repo = query.Get("repo") ?? "";
        var commit = query.Get("commit") ?? "";
        if (!long.TryParse(query.Get("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || !long.TryParse(query.Get("expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || query.Get("sig") is not { } signature)
        {
            failure = "Missing or malformed signature parameters";
            return null;
        }
        var grant = new CdnGrant(sha256, size, repo, commit);
        var expected = Encoding.ASCII.GetBytes(Sign(grant, expires));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)))
        {
            failure = "Signature mismatch";
            return null;
        }
        if (_time.GetUtcNow().ToUnixTimeSeconds() > expires)
        {
            failure = "Request has expired";
            return null;
        }
        return grant;
    }

    /// <summary>
    /// Signs an upload URL on the CDN: <paramref name="pathAndQuery"/> is ASCII, already escaped and has a query
    /// (e.g. <c>/lfs-upload/{oid}?size=4</c>); the expiry and the signature are appended to it.
    /// </summary>
    public string SignedUploadUrl(Uri cdnBase, string pathAndQuery)
    {
        var unsigned = $"{pathAndQuery}&expires={_time.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds()}";
        return $"{cdnBase.GetLeftPart(UriPartial.Authority)}{unsigned}&sig={SignText("upload\n" + unsigned)}";
    }

    /// <summary>Checks a URL made by <see cref="SignedUploadUrl"/>, exactly as it arrived (raw path and query).</summary>
    public bool VerifyUpload(string rawPath, string rawQuery, QueryArgs query, out string failure)
    {
        failure = "";
        var marker = rawQuery.LastIndexOf("&sig=", StringComparison.Ordinal);
        if (marker < 0 || !long.TryParse(query.Get("expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            failure = "Missing or malformed signature parameters";
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(SignText("upload\n" + rawPath + "?" + rawQuery[..marker]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(rawQuery[(marker + "&sig=".Length)..])))
        {
            failure = "Signature mismatch";
            return false;
        }
        if (_time.GetUtcNow().ToUnixTimeSeconds() > expires)
        {
            failure = "Request has expired";
            return false;
        }
        return true;
    }

    private string Sign(CdnGrant grant, long expires) =>
        SignText($"{grant.Sha256}\n{grant.Size}\n{grant.Repo}\n{grant.Commit}\n{expires}");

    private string SignText(string canonical) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical)));
}
