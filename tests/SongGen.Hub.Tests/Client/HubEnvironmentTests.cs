using SongGen.Hub;

namespace SongGen.Hub.Tests.Client;

public sealed class HubEnvironmentTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("songgen-env-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private static Func<string, string?> Vars(params (string Key, string Value)[] pairs)
    {
        var map = pairs.ToDictionary(p => p.Key, p => p.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void DefaultsAreHuggingFaceAndLocalHubcache()
    {
        var options = HubEnvironment.FromVariables(Vars(("HOME", _home)));
        Assert.Equal(new Uri("https://huggingface.co"), options.Endpoint);
        Assert.Equal(Path.GetFullPath("hubcache"), options.CacheDir);
        Assert.Null(options.Token);
        Assert.False(options.Offline);
        Assert.False(options.DisableSymlinks);
    }

    [Fact]
    public void EndpointTrailingSlashIsStripped()
    {
        var options = HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_ENDPOINT", "http://127.0.0.1:8080/")));
        Assert.Equal("http://127.0.0.1:8080/", options.Endpoint.ToString());
        Assert.Equal(8080, options.Endpoint.Port);
    }

    [Fact]
    public void HfHubCacheWinsOverHfHomeWhichWinsOverDefault()
    {
        var explicitCache = Path.Combine(_home, "c1");
        var hfHome = Path.Combine(_home, "hf");
        Assert.Equal(explicitCache, HubEnvironment.FromVariables(Vars(("HF_HUB_CACHE", explicitCache), ("HF_HOME", hfHome))).CacheDir);
        Assert.Equal(explicitCache, HubEnvironment.FromVariables(Vars(("HUGGINGFACE_HUB_CACHE", explicitCache))).CacheDir);
        Assert.Equal(Path.Combine(hfHome, "hub"), HubEnvironment.FromVariables(Vars(("HF_HOME", hfHome))).CacheDir);
    }

    [Fact]
    public void HomeAndVariablesAreExpandedInPaths()
    {
        var options = HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_HOME", "~/hf"), ("HF_HUB_CACHE", "$HOME/cache")));
        Assert.Equal(Path.Combine(_home, "cache"), options.CacheDir);
        Assert.Equal(Path.Combine(_home, "hf"), HubEnvironment.HfHome(Vars(("HOME", _home), ("HF_HOME", "~/hf"))));
    }

    [Fact]
    public void TokenPrecedenceIsHfTokenThenLegacyThenTokenFile()
    {
        var hfHome = Path.Combine(_home, "hf");
        Directory.CreateDirectory(hfHome);
        File.WriteAllText(Path.Combine(hfHome, "token"), "  hf_from_file\n");
        Assert.Equal("hf_env", HubEnvironment.FromVariables(Vars(("HF_HOME", hfHome), ("HF_TOKEN", "hf_env"), ("HUGGING_FACE_HUB_TOKEN", "hf_legacy"))).Token);
        Assert.Equal("hf_legacy", HubEnvironment.FromVariables(Vars(("HF_HOME", hfHome), ("HUGGING_FACE_HUB_TOKEN", "hf_legacy"))).Token);
        Assert.Equal("hf_from_file", HubEnvironment.FromVariables(Vars(("HF_HOME", hfHome))).Token);
    }

    [Fact]
    public void TokenPathOverridesTheDefaultFileAndEmptyMeansNone()
    {
        var custom = Path.Combine(_home, "my-token");
        File.WriteAllText(custom, "hf_custom");
        Assert.Equal("hf_custom", HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_TOKEN_PATH", custom))).Token);
        File.WriteAllText(custom, "   \n");
        Assert.Null(HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_TOKEN_PATH", custom))).Token);
        Assert.Null(HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_TOKEN", ""))).Token);
    }

    [Fact]
    public void TheTokenFileALoginWritesIsTheOneTheTokenIsReadFrom()
    {
        // "~/…" and "$HOME/…" as a shell profile sets them: a login must not write a literal "~" folder.
        Assert.Equal(Path.Combine(_home, "tokens", "hf"), HubEnvironment.TokenFile(Vars(("HOME", _home), ("HF_TOKEN_PATH", "~/tokens/hf"))));
        Assert.Equal(Path.Combine(_home, "tokens", "hf"), HubEnvironment.TokenFile(Vars(("HOME", _home), ("HF_TOKEN_PATH", "${HOME}/tokens/hf"))));
        Assert.Equal(Path.Combine(_home, "hf-home", "token"), HubEnvironment.TokenFile(Vars(("HOME", _home), ("HF_HOME", Path.Combine(_home, "hf-home")))));

        var variables = Vars(("HOME", _home), ("HF_TOKEN_PATH", "~/tokens/hf"));
        Directory.CreateDirectory(Path.Combine(_home, "tokens"));
        File.WriteAllText(HubEnvironment.TokenFile(variables), "hf_saved");
        Assert.Equal("hf_saved", HubEnvironment.FromVariables(variables).Token);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    [InlineData("enabled", false)]
    public void BooleansFollowPythonRule(string value, bool expected)
    {
        Assert.Equal(expected, HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_HUB_OFFLINE", value))).Offline);
        Assert.Equal(expected, HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_HUB_DISABLE_SYMLINKS", value))).DisableSymlinks);
    }

    [Fact]
    public void TransformersOfflineAlsoTurnsOfflineOn() =>
        Assert.True(HubEnvironment.FromVariables(Vars(("HOME", _home), ("TRANSFORMERS_OFFLINE", "1"))).Offline);

    [Fact]
    public void OptionsToStringNeverShowsTheToken()
    {
        var options = HubEnvironment.FromVariables(Vars(("HOME", _home), ("HF_TOKEN", "hf_secret_value_123")));
        Assert.DoesNotContain("hf_secret_value_123", options.ToString());
        Assert.Contains("Token=set", options.ToString());
    }
}
