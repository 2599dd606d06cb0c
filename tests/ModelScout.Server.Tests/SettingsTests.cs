using ModelScout.Server.Hosting;

namespace ModelScout.Server.Tests;

public sealed class SettingsTests
{
    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0", 11434)]
    [InlineData(":8080", "127.0.0.1", 8080)]
    [InlineData("example.internal:9000", "example.internal", 9000)]
    [InlineData("http://10.0.0.2:1234", "10.0.0.2", 1234)]
    [InlineData("http://10.0.0.2:1234/", "10.0.0.2", 1234)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("::", "::", 11434)]
    public void Host_is_parsed_like_OLLAMA_HOST(string text, string host, int port) =>
        Assert.Equal((host, port), HostAddress.Parse(text));

    [Theory]
    [InlineData("https://example.com:443")]
    [InlineData("host:notaport")]
    [InlineData("host:70000")]
    [InlineData("http://host:80/path")]
    public void Bad_hosts_are_refused_with_what_to_write_instead(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => HostAddress.Parse(text, "SCOUT_HOST"));
        Assert.Contains("SCOUT_HOST", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SCOUT_REGISTRY_sets_where_api_pull_looks_and_a_bad_one_is_named()
    {
        Assert.Null(ServerSettings.FromEnvironment(_ => null).Registry);
        Assert.Equal("https://env.example/", ServerSettings.FromEnvironment(n => n == "SCOUT_REGISTRY" ? "https://env.example/" : null).Registry?.AbsoluteUri);
        var e = Assert.Throws<ArgumentException>(() => ServerSettings.FromEnvironment(n => n == "SCOUT_REGISTRY" ? "ftp://x" : null));
        Assert.Contains("SCOUT_REGISTRY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_overrides_defaults_and_engine_settings_come_along()
    {
        var env = new Dictionary<string, string>
        {
            ["SCOUT_HOST"] = ":8081", ["SCOUT_API_KEY"] = "k", ["SCOUT_ORIGINS"] = "https://a.example, chrome-extension://*",
            ["SCOUT_MAX_BODY_BYTES"] = "2048", ["SCOUT_NUM_PARALLEL"] = "3", ["SCOUT_MAX_QUEUE"] = "7",
        };
        var s = ServerSettings.FromEnvironment(n => env.GetValueOrDefault(n));
        Assert.Equal(("127.0.0.1", 8081), (s.Host, s.Port));
        Assert.Equal("k", s.ApiKey);
        Assert.Equal(["https://a.example", "chrome-extension://*"], s.Origins);
        Assert.Equal(2048, s.MaxRequestBodyBytes);
        Assert.Equal(3, s.Engine.Parallel);
        Assert.Equal(7, s.Engine.MaxQueue);
        var defaults = ServerSettings.FromEnvironment(_ => null);
        Assert.Equal(("127.0.0.1", 11434, 32L * 1024 * 1024), (defaults.Host, defaults.Port, defaults.MaxRequestBodyBytes));
        Assert.Equal("http://127.0.0.1:11434", defaults.DisplayUrl);
    }

    [Theory]
    [InlineData("http://localhost:3000", true)]
    [InlineData("https://127.0.0.1", true)]
    [InlineData("vscode-webview://abc", true)]
    [InlineData("chrome-extension://xyz", true)]
    [InlineData("https://evil.example", false)]
    [InlineData("http://localhost.evil.example", false)]
    public void Origins_allow_local_defaults_and_configured_patterns(string origin, bool allowed) =>
        Assert.Equal(allowed, new OriginPolicy(["chrome-extension://*"]).IsAllowed(origin));
}
