using ModelScout.Engine;
using ModelScout.Server.Hosting;
using ModelScout.Server.Metrics;

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

    [Fact]
    public void Metrics_exposition_has_help_type_model_labels_and_cumulative_buckets()
    {
        var metrics = new ServerMetrics();
        metrics.ObserveFirstToken("m\"1", TimeSpan.FromMilliseconds(3));
        metrics.ObserveFirstToken("m\"1", TimeSpan.FromMilliseconds(30));
        var text = metrics.Render(new InferenceSnapshot { Models = [new ModelCounters { Model = "m\"1", Running = 2, Waiting = 1, GeneratedTokensTotal = 42, KvCacheUsage = 0.25 }] });

        Assert.Contains("# TYPE scout_requests_running gauge\nscout_requests_running{model=\"m\\\"1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_requests_waiting{model=\"m\\\"1\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE scout_generation_tokens_total counter\nscout_generation_tokens_total{model=\"m\\\"1\"} 42\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_kv_cache_usage_ratio{model=\"m\\\"1\"} 0.25\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_time_to_first_token_seconds_bucket{model=\"m\\\"1\",le=\"0.0025\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_time_to_first_token_seconds_bucket{model=\"m\\\"1\",le=\"0.005\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_time_to_first_token_seconds_bucket{model=\"m\\\"1\",le=\"0.05\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_time_to_first_token_seconds_bucket{model=\"m\\\"1\",le=\"+Inf\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_time_to_first_token_seconds_count{model=\"m\\\"1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("scout_time_to_first_token_seconds_sum{model=\"m\\\"1\"} 0.033", text, StringComparison.Ordinal);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
    }
}
