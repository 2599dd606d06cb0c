using System.Text.Json;

namespace ModelScout.Engine.Tests;

/// <summary>The engine's small parsers and defaults: keep-alive durations and settings from the environment.</summary>
public sealed class EngineContractTests
{
    [Theory]
    [InlineData("5m", 300.0)]
    [InlineData("1h30m", 5400.0)]
    [InlineData("300ms", 0.3)]
    [InlineData("90", 90.0)]
    [InlineData("2.5s", 2.5)]
    [InlineData("0", 0.0)]
    public void Keep_alive_reads_go_durations_and_seconds(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), KeepAliveParser.Parse(text));

    [Theory]
    [InlineData("-1")]
    [InlineData("-1s")]
    [InlineData("-5m")]
    public void Negative_keep_alive_means_forever(string text) => Assert.Equal(Timeout.InfiniteTimeSpan, KeepAliveParser.Parse(text));

    [Theory]
    [InlineData("soon")]
    [InlineData("5x")]
    [InlineData("m")]
    [InlineData("")]
    public void A_keep_alive_that_is_not_a_duration_says_how_to_write_one(string text)
    {
        var e = Assert.Throws<InferenceException>(() => KeepAliveParser.Parse(text));
        Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
        Assert.Equal("keep_alive", e.Param);
        Assert.Contains("\"5m\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("1e300")]
    [InlineData("2562048h")]
    [InlineData("99999999999999999999999999999999999999999h")]
    public void A_keep_alive_longer_than_gos_longest_duration_is_refused_naming_the_field(string text)
    {
        var e = Assert.Throws<InferenceException>(() => KeepAliveParser.Parse(text));
        Assert.Equal("keep_alive", e.Param);
        Assert.Contains("longest accepted", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("1e300")]
    [InlineData("9223372037")]
    public void A_keep_alive_number_longer_than_gos_longest_duration_is_refused(string json) =>
        Assert.Equal("keep_alive", Assert.Throws<InferenceException>(() => KeepAliveParser.Parse(JsonDocument.Parse(json).RootElement)).Param);

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    [InlineData("1..5s")]
    public void Not_a_number_and_infinity_are_not_durations(string text) =>
        Assert.Equal("keep_alive", Assert.Throws<InferenceException>(() => KeepAliveParser.Parse(text)).Param);

    [Fact]
    public void The_longest_keep_alive_is_accepted_and_an_expiry_past_the_calendars_end_saturates()
    {
        Assert.Equal(KeepAliveParser.Max, KeepAliveParser.Parse("2562047h47m16.854775807s"));
        var now = DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(now + KeepAliveParser.Max, KeepAliveParser.ExpiryFrom(now, KeepAliveParser.Max));
        Assert.Equal(DateTimeOffset.MaxValue, KeepAliveParser.ExpiryFrom(DateTimeOffset.MaxValue - TimeSpan.FromDays(1), KeepAliveParser.Max));
        Assert.Equal(DateTimeOffset.MaxValue, KeepAliveParser.ExpiryFrom(now, Timeout.InfiniteTimeSpan));
        Assert.Equal(DateTimeOffset.MaxValue, KeepAliveParser.ExpiryFrom(DateTimeOffset.MaxValue, TimeSpan.FromSeconds(1)));
        Assert.Equal(now.AddMinutes(5), KeepAliveParser.ExpiryFrom(now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Keep_alive_json_takes_numbers_and_strings()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), KeepAliveParser.Parse(JsonDocument.Parse("30").RootElement));
        Assert.Equal(TimeSpan.FromMinutes(10), KeepAliveParser.Parse(JsonDocument.Parse("\"10m\"").RootElement));
        Assert.Null(KeepAliveParser.Parse(JsonDocument.Parse("null").RootElement));
        Assert.Throws<InferenceException>(() => KeepAliveParser.Parse(JsonDocument.Parse("[1]").RootElement));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(8, 7)]
    [InlineData(16, 8)]
    [InlineData(64, 32)]
    public void Default_threads_leave_room_for_the_rest_of_the_process(int cores, int threads) =>
        Assert.Equal(threads, EngineSettings.DefaultThreads(cores));

    [Theory]
    [InlineData(null, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void A_serving_context_has_one_kv_buffer_per_slot_unless_asked_to_share(bool? unified, bool expected)
    {
        var (header, _) = ModelScout.Gguf.GgufValidator.ValidateFile(ModelHostTests.Stories);
        var p = LoadedModel.ContextParameters(ModelHostTests.Stories, 256, ModelScout.Gguf.GgufModelInfo.From(header),
            new EngineSettings { Threads = 1, Parallel = 4, KvUnified = unified });
        Assert.Equal(expected, p.KVUnified);
        Assert.Equal((4u, 1024u), (p.SeqMax, p.ContextSize));
        // stories260K's heads are 8 wide: flash attention stays off (see EngineSettings.FlashAttentionFor).
        Assert.False(p.FlashAttention);
    }

    [Fact]
    public void Settings_come_from_scout_names_then_ollama_names()
    {
        var env = new Dictionary<string, string> { ["OLLAMA_NUM_PARALLEL"] = "2", ["SCOUT_MAX_QUEUE"] = "10", ["OLLAMA_MAX_QUEUE"] = "99", ["OLLAMA_KEEP_ALIVE"] = "-1", ["SCOUT_FLASH_ATTENTION"] = "1", ["SCOUT_KV_UNIFIED"] = "1" };
        var s = EngineSettings.FromEnvironment(n => env.GetValueOrDefault(n));
        Assert.Equal(2, s.Parallel);
        Assert.Equal(10, s.MaxQueue);
        Assert.Equal(Timeout.InfiniteTimeSpan, s.KeepAlive);
        Assert.True(s.FlashAttention);
        Assert.True(s.KvUnified);
        Assert.Null(EngineSettings.FromEnvironment(_ => null).KvUnified);
        Assert.Throws<ArgumentException>(() => EngineSettings.FromEnvironment(n => n == "SCOUT_NUM_PARALLEL" ? "lots" : null));
    }

    [Theory]
    [InlineData(8, null, false)]
    [InlineData(128, null, null)]
    [InlineData(8, true, true)]
    [InlineData(128, false, false)]
    [InlineData(null, null, null)]
    public void Flash_attention_is_off_for_narrow_heads_unless_set(int? head, bool? setting, bool? expected) =>
        Assert.Equal(expected, EngineSettings.FlashAttentionFor(head, setting));
}
