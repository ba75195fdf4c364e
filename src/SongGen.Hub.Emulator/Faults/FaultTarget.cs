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
    /// <summary>The LFS "CDN" listener.</summary>
    Cdn,
}
