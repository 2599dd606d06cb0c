using System.Text.Json;
using ModelScout.Core.Settings;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

public class BenchLocalSettingsTests
{
    private static bool? FlashAttention(Func<string, string?> env)
    {
        var run = Scout.RunIn(new ScoutSettings(env, Scout.IsolatedHome), null,
            "bench", "--local", RepoPaths.Model("stories260K.gguf"), "--pp", "16", "--tg", "0", "--repetitions", "1", "--threads", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        return json.RootElement.TryGetProperty("flashAttention", out var fa) && fa.ValueKind != JsonValueKind.Null ? fa.GetBoolean() : null;
    }

    [Fact]
    public void Local_bench_uses_the_flash_attention_setting_serve_would_use()
    {
        // stories260K's 8-wide heads get flash attention off by the engine's rule; SCOUT_FLASH_ATTENTION=1 overrides it
        // for `scout serve`, and so it must for `scout bench --local`.
        Assert.False(FlashAttention(_ => null));
        Assert.True(FlashAttention(n => n == "SCOUT_FLASH_ATTENTION" ? "1" : null));
    }
}
