using SongGen.Checkpoints.Pickles;
using SongGen.Checkpoints.Tests.Support;
using static TorchSharp.torch;

namespace SongGen.Checkpoints.Tests.Pickles;

/// <summary>Reads the committed fixtures that fixtures/make_fixtures.py wrote with torch 1.13.</summary>
public class PyTorchPickleTests
{
    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    [Fact]
    public void ZipFormatStateDictLoadsWithExactValues()
    {
        using var scope = NewDisposeScope();
        var loaded = PyTorchPickle.Load(Fixture("tiny_state_dict.bin"));
        var expected = TinyNet.ExpectedState();

        Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, value) in expected)
        {
            Assert.Equal(value.dtype, loaded[name].dtype);
            Assert.Equal(value.shape, loaded[name].shape);
            Assert.True(value.eq(loaded[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void CastsOnRequest()
    {
        using var scope = NewDisposeScope();
        var loaded = PyTorchPickle.Load(Fixture("tiny_state_dict.bin"), ScalarType.Float64);
        Assert.All(loaded.Values, t => Assert.Equal(ScalarType.Float64, t.dtype));
        Assert.Equal(new double[] { 7, -3 }, loaded["steps"].data<double>().ToArray());
    }

    [Fact]
    public void LegacyFormatGetsAResaveMessageNamingTheFile()
    {
        var path = Fixture("tiny_state_dict_legacy.bin");
        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchPickle.Load(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("re-save it with a newer torch (zip format", error.Message);
    }

    [Fact]
    public void AZipThatIsNotAPickleIsAFormatError()
    {
        using var folder = new TempFolder();
        var path = folder.File("not-a-model.bin");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            zip.CreateEntry("readme.txt");
        }
        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchPickle.Load(path));
        Assert.Equal(path, error.FilePath);
    }
}
