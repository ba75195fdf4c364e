namespace SongGen.Hub.Emulator;

/// <summary>Which requests a fault rule can hit.</summary>
public enum FaultTarget
{
    /// <summary>Every request on either listener.</summary>
    Any,
    /// <summary>Hub requests under <c>/api/</c>.</summary>
    Api,
    /// <summary>Hub file requests: <c>…/resolve/…</c> and <c>…/raw/…</c>.</summary>
    Resolve,
    /// <summary>LFS downloads on the "CDN" listener (<c>/lfs/{sha256}</c>).</summary>
    Cdn,
    /// <summary>
    /// LFS uploads: the batch and verify calls on the Hub (<c>{repo}.git/info/lfs/…</c>) and the PUTs, parts and
    /// multipart completions on the CDN listener (<c>/lfs-upload/…</c>). The commit itself is an <see cref="Api"/> call.
    /// </summary>
    Upload,
}
