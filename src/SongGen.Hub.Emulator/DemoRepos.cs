using System.Buffers.Binary;
using System.Text;

namespace SongGen.Hub.Emulator;

/// <summary>
/// A small, deterministic set of repositories for <c>songgen demo</c> and tests (about 3 MiB; seeds in well under a
/// second). Fixed dates make every commit id the same on every machine.
/// <list type="bullet">
/// <item><c>songgen/songgen-demo</c> (model): README.md card, config.json, an LFS <c>model.safetensors</c>,
/// <c>tokenizer/spiece.model</c>; tag <see cref="ModelTag"/> on the first upload, main one commit ahead, branch
/// <see cref="ModelBranch"/> with one more file, pull request 1 (<c>refs/pr/1</c>).</item>
/// <item><c>songgen/demo-songs</c> (dataset): README.md card and a few small data files.</item>
/// </list>
/// </summary>
public static class DemoRepos
{
    public const string ModelId = "songgen/songgen-demo";
    public const string DatasetId = "songgen/demo-songs";
    public const string ModelTag = "v1.0";
    public const string ModelBranch = "dev";
    public const string SafetensorsPath = "model.safetensors";
    public const string TokenizerPath = "tokenizer/spiece.model";
    public const string DevOnlyPath = "notes/dev.md";
    public const string PullRequestPath = "extra/pr-note.txt";

    private static readonly DateTimeOffset Epoch = new(2025, 1, 15, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Adds the demo repositories that the store does not have yet.</summary>
    public static async Task SeedAsync(EmulatorRepoStore store, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!store.RepoExists("model", ModelId))
        {
            await SeedModelAsync(store, ct);
        }
        if (!store.RepoExists("dataset", DatasetId))
        {
            await SeedDatasetAsync(store, ct);
        }
    }

    /// <summary>The demo model's weights: a valid safetensors file with three F32 tensors (about 3 MiB).</summary>
    public static byte[] BuildSafetensors()
    {
        (string Name, int[] Shape)[] tensors =
        [
            ("decoder.embed_tokens.weight", [512, 512]),
            ("decoder.layers.0.fc1.bias", [1024]),
            ("decoder.layers.0.fc1.weight", [1024, 512]),
        ];
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(4L, (size, dim) => size * dim);
            header.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{offset + bytes}]}},");
            offset += bytes;
        }
        header.Append("\"__metadata__\":{\"format\":\"pt\"}}");
        while (header.Length % 8 != 0)
        {
            header.Append(' '); // the format pads the header with spaces to a multiple of 8
        }
        var headerBytes = Encoding.ASCII.GetBytes(header.ToString());
        var file = new byte[8 + headerBytes.Length + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        var random = new XorShift(0x5EED_50C6_0000_0001);
        for (var position = 8 + headerBytes.Length; position < file.Length; position += 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(position), random.NextWeight());
        }
        return file;
    }

    private static async Task SeedModelAsync(EmulatorRepoStore store, CancellationToken ct)
    {
        await store.CreateRepoAsync("model", ModelId, createdAt: Epoch, ct: ct);
        var first = await store.CommitAsync("model", ModelId, "main",
        [
            EmulatorFile.FromText(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"),
            EmulatorFile.FromText("README.md", ModelCard("A tiny demo checkpoint for SongGen.NET.")),
            EmulatorFile.FromText("config.json", ModelConfig),
            EmulatorFile.FromBytes(SafetensorsPath, BuildSafetensors()),
            EmulatorFile.FromBytes(TokenizerPath, PseudoRandomBytes(16 * 1024, seed: 7)),
        ], message: "Add SongGen demo model", author: "songgen", date: Epoch.AddMinutes(1), ct: ct);
        await store.CreateTagAsync("model", ModelId, ModelTag, first);
        await store.CommitAsync("model", ModelId, "main",
            [EmulatorFile.FromText("README.md", ModelCard("A tiny demo checkpoint for SongGen.NET.\n\nUpdated after v1.0."))],
            message: "Update model card", author: "songgen", date: Epoch.AddDays(1), ct: ct);
        await store.CreateBranchAsync("model", ModelId, ModelBranch);
        await store.CommitAsync("model", ModelId, ModelBranch,
            [EmulatorFile.FromText(DevOnlyPath, "# Notes\n\nWork in progress on the dev branch.\n")],
            message: "Add dev notes", author: "songgen", date: Epoch.AddDays(2), ct: ct);
        await store.CreatePullRequestAsync("model", ModelId,
            [EmulatorFile.FromText(PullRequestPath, "Proposed in pull request 1.\n")],
            message: "Add a note", author: "alice", date: Epoch.AddDays(3), ct: ct);
        await store.UpdateMetadataAsync("model", ModelId, new EmulatorRepoMetadata { Downloads = 1234, Likes = 56, TrendingScore = 3 });
    }

    private static async Task SeedDatasetAsync(EmulatorRepoStore store, CancellationToken ct)
    {
        await store.CreateRepoAsync("dataset", DatasetId, createdAt: Epoch, ct: ct);
        await store.CommitAsync("dataset", DatasetId, "main",
        [
            EmulatorFile.FromText("README.md", """
                ---
                license: cc-by-4.0
                language:
                - en
                task_categories:
                - text-to-audio
                size_categories:
                - n<1K
                pretty_name: SongGen demo songs
                ---
                # Demo songs

                Three made-up songs for testing.

                """),
            EmulatorFile.FromText("data/train.jsonl",
                "{\"title\":\"Morning Light\",\"lyrics\":\"Wake up, the sun is near\"}\n{\"title\":\"River Road\",\"lyrics\":\"Follow the water home\"}\n"),
            EmulatorFile.FromText("data/test.jsonl", "{\"title\":\"Night Bus\",\"lyrics\":\"Lights go by, I count to nine\"}\n"),
            EmulatorFile.FromText("lyrics/morning-light.txt", "Wake up, the sun is near\nWake up, the day is here\n"),
        ], message: "Add demo songs", author: "songgen", date: Epoch.AddMinutes(2), ct: ct);
        await store.UpdateMetadataAsync("dataset", DatasetId, new EmulatorRepoMetadata { Downloads = 321, Likes = 7 });
    }

    private static string ModelCard(string body) => $"""
        ---
        license: apache-2.0
        tags:
        - text-to-song
        - songgen
        library_name: songgen
        pipeline_tag: text-to-audio
        ---
        # SongGen demo

        {body}

        """;

    private const string ModelConfig = """
        {
          "architectures": ["SongGenForConditionalGeneration"],
          "model_type": "songgen",
          "hidden_size": 512,
          "intermediate_size": 1024,
          "num_hidden_layers": 1,
          "vocab_size": 512
        }

        """;

    private static byte[] PseudoRandomBytes(int count, ulong seed)
    {
        var random = new XorShift(seed);
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)(random.Next() >> 56);
        }
        return bytes;
    }

    /// <summary>xorshift64*: fixed output for a fixed seed on every platform.</summary>
    private sealed class XorShift(ulong state)
    {
        public ulong Next()
        {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            return state * 0x2545F4914F6CDD1DUL;
        }

        /// <summary>A small weight in [-0.05, 0.05): finite, like a freshly initialised layer.</summary>
        public float NextWeight() => (float)(((Next() >> 40) / (double)(1UL << 24) * 2 - 1) * 0.05);
    }
}
