using System.Threading.Channels;
using ModelScout.Server.Ui.Dashboard;

namespace ModelScout.Server.Ui.Bench;

/// <summary>
/// <c>scout bench</c> for the web UI's Bench page. The server does not measure anything itself: <c>scout serve</c> passes
/// an implementation that runs the very code <c>scout bench</c> runs (the page's form becomes the command's options), and
/// that keeps the reports where <c>scout bench</c> saves them, so the page and the command line share one history.
/// </summary>
public interface IBenchSource
{
    /// <summary>
    /// Starts a run. Resolves once the run has passed the command's checks and each endpoint answered a test request
    /// (then <see cref="BenchStart.Events"/> streams it, and cancelling <paramref name="cancellationToken"/> stops it,
    /// keeping what was measured), or failed them (<see cref="BenchStart.Status"/> and the error document).
    /// </summary>
    Task<BenchStart> StartAsync(BenchRunRequest request, CancellationToken cancellationToken);

    /// <summary>Every saved report, newest first, an unreadable file listed with the reason.</summary>
    DashboardAnswer Reports();

    /// <summary>One saved report as it was written (<c>modelscout/bench/v1</c>).</summary>
    DashboardAnswer Report(string id);

    /// <summary>One of the report's charts as <c>scout bench --svg</c> draws it: throughput, ttft or tpot.</summary>
    BenchImage Chart(string id, string chart);

    /// <summary>Deletes a saved report.</summary>
    DashboardAnswer Delete(string id);
}

/// <summary>
/// How a start went: 200 with the events (one JSON object per item: plan, request, level, report; or error), else the
/// HTTP status and the command's error document.
/// </summary>
public sealed record BenchStart(int Status, string? ErrorJson, ChannelReader<string>? Events);

/// <summary>An SVG image, or (outcome other than Answer) the error document instead.</summary>
public sealed record BenchImage(DashboardOutcome Outcome, string Content);

/// <summary>POST /ui/api/bench/runs: the page's form, as <c>scout bench</c>'s options.</summary>
public sealed class BenchRunRequest
{
    public IReadOnlyList<BenchEndpointRequest>? Endpoints { get; set; }

    /// <summary>--concurrency: "1,2,4".</summary>
    public string? Concurrency { get; set; }

    /// <summary>--rate: open-loop levels in arrivals per second, "0.5,1,inf" (instead of <see cref="Concurrency"/>).</summary>
    public string? Rate { get; set; }

    /// <summary>--requests per endpoint per level.</summary>
    public int? Requests { get; set; }

    /// <summary>--duration: load each endpoint this long per level, "30s" or "2m" (instead of <see cref="Requests"/>).</summary>
    public string? Duration { get; set; }

    public int? InputTokens { get; set; }
    public int? OutputTokens { get; set; }
    public int? Warmup { get; set; }

    /// <summary>
    /// The key to send (--api-key): set by the server, never read from the page, and only when every endpoint is this
    /// server itself (its own key, which must not go to another host).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ApiKey { get; set; }
}

/// <summary>One --endpoint with its --model and --api (openai or ollama; empty infers it from the URL).</summary>
public sealed class BenchEndpointRequest
{
    public string? Url { get; set; }
    public string? Model { get; set; }
    public string? Api { get; set; }
}
