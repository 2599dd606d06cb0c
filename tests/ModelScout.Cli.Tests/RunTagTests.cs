using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelScout.Cli.Commands;
using ModelScout.Core.Settings;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>The X-Scout-Run header bench and eval send (scout serve's side is in Server.Tests' TelemetryTests).</summary>
public sealed class RunTagTests
{
    [Fact]
    public async Task The_tag_travels_on_every_request_from_the_setting_or_the_start_time()
    {
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/{path}", (HttpContext context) => context.Request.Headers[RunTag.Header].ToString()));
        using var http = new HttpClient();

        var fromSetting = RunTag.Apply(http, "bench", v => v == ScoutVariables.RunTag ? "nightly-42" : null, DateTimeOffset.UnixEpoch);
        Assert.Equal("nightly-42", fromSetting);
        Assert.Equal("nightly-42", await http.GetStringAsync(server.Url("a")));
        Assert.Equal("nightly-42", await http.GetStringAsync(server.Url("b")));

        var generated = RunTag.Apply(http, "eval", _ => null, new DateTimeOffset(2026, 12, 7, 4, 5, 6, TimeSpan.Zero));
        Assert.Equal("eval-20261207T040506Z", generated);
        Assert.Equal(generated, await http.GetStringAsync(server.Url("c")));
    }
}
