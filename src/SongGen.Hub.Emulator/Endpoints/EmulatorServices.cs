using SongGen.Hub.Emulator.Http;
using SongGen.Hub.Emulator.Json;
using SongGen.Hub.Emulator.Store;

namespace SongGen.Hub.Emulator.Endpoints;

/// <summary>What the endpoints share: the store, the options, JSON builders and the CDN's address and signer.</summary>
internal sealed class EmulatorServices
{
    public required EmulatorRepoStore Store { get; init; }
    public required HubEmulatorOptions Options { get; init; }
    public required RepoJson RepoJson { get; init; }
    public required CdnUrlSigner Signer { get; init; }
    /// <summary>Set once the CDN listener knows its port (it starts first).</summary>
    public required Uri CdnUrl { get; init; }
    /// <summary>Receives LFS uploads (whole objects and multipart parts) into the store's objects.</summary>
    public required LfsUploads Uploads { get; init; }
}
