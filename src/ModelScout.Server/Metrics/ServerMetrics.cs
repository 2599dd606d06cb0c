using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ModelScout.Engine;

namespace ModelScout.Server.Metrics;

/// <summary>
/// Latencies measured at the server (time to first token, inter-token latency, end-to-end) per model, and the
/// Prometheus text exposition of them together with the engine's own counters (running, waiting, tokens, KV cache).
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] FirstTokenBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] InterTokenBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
    private static readonly double[] RequestBounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private readonly ConcurrentDictionary<string, ModelLatencies> models = new(StringComparer.Ordinal);

    private sealed class ModelLatencies
    {
        public LatencyHistogram FirstToken { get; } = new(FirstTokenBounds);
        public LatencyHistogram InterToken { get; } = new(InterTokenBounds);
        public LatencyHistogram Request { get; } = new(RequestBounds);
    }

    private ModelLatencies For(string model) => models.GetOrAdd(model, _ => new ModelLatencies());

    /// <summary>Time from accepting a request to its first generated token.</summary>
    public void ObserveFirstToken(string model, TimeSpan elapsed) => For(model).FirstToken.Observe(elapsed.TotalSeconds);

    /// <summary>Time between two consecutive tokens of one generation.</summary>
    public void ObserveInterToken(string model, TimeSpan elapsed) => For(model).InterToken.Observe(elapsed.TotalSeconds);

    /// <summary>Time from accepting a generation to its end.</summary>
    public void ObserveRequest(string model, TimeSpan elapsed) => For(model).Request.Observe(elapsed.TotalSeconds);

    /// <summary>Prometheus text format 0.0.4; every series carries a <c>model</c> label.</summary>
    public string Render(InferenceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder();
        var counters = snapshot.Models.OrderBy(m => m.Model, StringComparer.Ordinal).ToList();
        Gauge(text, "scout_model_loading", "1 while a model is being loaded.", [("", snapshot.Loading ? 1 : 0)], labelled: false);
        Gauge(text, "scout_requests_running", "Requests generating now.", counters.Select(c => (c.Model, (double)c.Running)));
        Gauge(text, "scout_requests_waiting", "Requests queued for a slot.", counters.Select(c => (c.Model, (double)c.Waiting)));
        Counter(text, "scout_requests_total", "Generations the engine accepted.", counters.Select(c => (c.Model, (double)c.RequestsTotal)));
        Counter(text, "scout_prompt_tokens_total", "Prompt tokens processed.", counters.Select(c => (c.Model, (double)c.PromptTokensTotal)));
        Counter(text, "scout_generation_tokens_total", "Tokens generated.", counters.Select(c => (c.Model, (double)c.GeneratedTokensTotal)));
        Gauge(text, "scout_kv_cache_usage_ratio", "KV-cache cells in use over cells available (0..1).", counters.Select(c => (c.Model, c.KvCacheUsage)));
        Gauge(text, "scout_kv_cache_tokens", "Tokens held in the KV cache.", counters.Select(c => (c.Model, (double)c.KvCacheTokens)));
        var latencies = models.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        Histogram(text, "scout_time_to_first_token_seconds", "Time from request to first generated token, measured at the server.", latencies.Select(l => (l.Key, l.Value.FirstToken)));
        Histogram(text, "scout_inter_token_latency_seconds", "Time between consecutive generated tokens, measured at the server.", latencies.Select(l => (l.Key, l.Value.InterToken)));
        Histogram(text, "scout_e2e_request_latency_seconds", "Time from request to the end of its generation.", latencies.Select(l => (l.Key, l.Value.Request)));
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, IEnumerable<(string Model, double Value)> values, bool labelled = true) =>
        Series(text, name, help, "gauge", values, labelled);

    private static void Counter(StringBuilder text, string name, string help, IEnumerable<(string Model, double Value)> values) =>
        Series(text, name, help, "counter", values, true);

    private static void Series(StringBuilder text, string name, string help, string type, IEnumerable<(string Model, double Value)> values, bool labelled)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var (model, value) in values)
        {
            text.Append(name);
            if (labelled) text.Append("{model=\"").Append(Escape(model)).Append("\"}");
            text.Append(' ').Append(Number(value)).Append('\n');
        }
    }

    private static void Histogram(StringBuilder text, string name, string help, IEnumerable<(string Model, LatencyHistogram Histogram)> values)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" histogram\n");
        foreach (var (model, histogram) in values)
        {
            var (cumulative, sum, count) = histogram.Read();
            var label = Escape(model);
            for (var i = 0; i < cumulative.Length; i++)
                text.Append(name).Append("_bucket{model=\"").Append(label).Append("\",le=\"").Append(Number(histogram.Bounds[i])).Append("\"} ").Append(cumulative[i]).Append('\n');
            text.Append(name).Append("_bucket{model=\"").Append(label).Append("\",le=\"+Inf\"} ").Append(count).Append('\n');
            text.Append(name).Append("_sum{model=\"").Append(label).Append("\"} ").Append(Number(sum)).Append('\n');
            text.Append(name).Append("_count{model=\"").Append(label).Append("\"} ").Append(count).Append('\n');
        }
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
