using System.Text.Json;
using SongGen.Checkpoints.Safetensors;
using TorchSharp;

namespace SongGen.Model.Tests;

/// <summary>
/// The numerical fixtures made with the official SongGen code (<c>../shared/data/fixtures</c>, or
/// <c>SONGGEN_FIXTURES_DIR</c> when set: same names, other seeds and shapes, so tests read shapes from the files).
/// </summary>
internal sealed class Fixture : IDisposable
{
    private Fixture(string name, Dictionary<string, torch.Tensor> tensors, JsonDocument info)
    {
        Name = name;
        Tensors = tensors;
        Info = info;
    }

    public string Name { get; }
    public Dictionary<string, torch.Tensor> Tensors { get; }
    /// <summary>The parsed <c>info</c> metadata: description, config, tensors, tolerance_abs, exact, notes.</summary>
    public JsonDocument Info { get; }
    public JsonElement Config => Info.RootElement.GetProperty("config");

    public static string? Folder
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SONGGEN_FIXTURES_DIR") is { Length: > 0 } explicitDir) return explicitDir;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "data", "fixtures");
                if (Directory.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

    public static Fixture Load(string name)
    {
        var path = Path.Combine(Folder ?? throw new InvalidOperationException("fixtures folder not found"), name + ".safetensors");
        using var file = SafetensorsFile.Open(path);
        var info = JsonDocument.Parse(file.Metadata["info"]);
        return new Fixture(name, file.ReadStateDict(), info);
    }

    public torch.Tensor Input(string name) => Tensors["inputs." + name];
    public torch.Tensor Output(string name) => Tensors["outputs." + name];

    /// <summary>The module weights of the fixture, with the <c>weights.</c> prefix removed.</summary>
    public Dictionary<string, torch.Tensor> Weights() =>
        Tensors.Where(t => t.Key.StartsWith("weights.", StringComparison.Ordinal)).ToDictionary(t => t.Key["weights.".Length..], t => t.Value);

    /// <summary>Tolerance of one output: tolerance_abs[name], else default_tolerance_abs (1e-5).</summary>
    public double Tolerance(string output)
    {
        var root = Info.RootElement;
        if (root.TryGetProperty("tolerance_abs", out var table) && table.ValueKind == JsonValueKind.Object && table.TryGetProperty(output, out var value))
            return value.GetDouble();
        return root.TryGetProperty("default_tolerance_abs", out var fallback) ? fallback.GetDouble() : 1e-5;
    }

    public bool IsExact(string output)
    {
        if (!Info.RootElement.TryGetProperty("exact", out var exact) || exact.ValueKind != JsonValueKind.Array) return false;
        return exact.EnumerateArray().Any(e => e.GetString() is "*" || e.GetString() == output);
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
        Info.Dispose();
    }
}

/// <summary>A [Fact] reported as skipped, with the reason, when the named fixture file is absent (decided at discovery).</summary>
public sealed class RequiresFixtureFactAttribute : FactAttribute
{
    public RequiresFixtureFactAttribute(string fixture)
    {
        if (Fixture.Folder is not { } folder || !File.Exists(Path.Combine(folder, fixture + ".safetensors")))
            Skip = $"fixture {fixture}.safetensors not found (../shared/data/fixtures or SONGGEN_FIXTURES_DIR)";
    }
}
