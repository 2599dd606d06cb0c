using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelScout.LoadTest;

/// <summary>
/// Writes a whole <see cref="BenchReport"/> as JSON (schema <c>modelscout/bench/v1</c>, described in docs/json.md):
/// settings, targets, levels, every point's summary, per-round summaries, raw samples and server metrics, and the
/// ratios. Written with <see cref="Utf8JsonWriter"/> so Native AOT needs no reflection. Times are milliseconds.
/// </summary>
public static class BenchJsonExporter
{
    /// <summary>The schema name every document carries.</summary>
    public const string Schema = "modelscout/bench/v1";

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(BenchReport report, Stream output, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Write(report, json);
    }

    /// <summary>The report as a JSON string.</summary>
    public static string ToJson(BenchReport report, bool indented = true)
    {
        using var buffer = new MemoryStream();
        Write(report, buffer, indented);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(BenchReport report, Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("schema", Schema);
        json.WriteString("startedAt", report.StartedAt);
        json.WriteBoolean("interrupted", report.Interrupted);
        json.WriteStartObject("settings");
        foreach (var (key, value) in report.Settings.OrderBy(s => s.Key, StringComparer.Ordinal)) json.WriteString(key, value);
        json.WriteEndObject();
        WriteArray(json, "targets", report.Targets, t => WriteTarget(json, t));
        WriteArray(json, "levels", report.Levels, level => Level(json, level));
        WriteArray(json, "points", report.Points, point => Point(json, point, report.OriginTimestamp));
        if (report.Plan is { } plan)
        {
            json.WriteStartObject("plan");
            json.WriteNumber("replicas", plan.Replicas);
            json.WriteNumber("gpusPerReplica", plan.GpusPerReplica);
            Number(json, "maxConcurrencyPerReplica", plan.MaxConcurrencyPerReplica, 3);
            json.WriteNumber("kvCacheTokensPerReplica", plan.KvCacheTokensPerReplica);
            Number(json, "maxConcurrency", plan.MaxConcurrency, 3);
            Number(json, "outputTokensPerSecond", plan.OutputTokensPerSecond, 3);
            if (plan.RequestsPerSecond is { } rps) Number(json, "requestsPerSecond", rps, 4);
            else json.WriteNull("requestsPerSecond");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("plan");
        }
        WriteArray(json, "knees", SweepKnee.Of(report), k =>
        {
            json.WriteStartObject();
            json.WriteString("target", k.Target);
            json.WritePropertyName("level");
            Level(json, k.Level);
            Numbers(json, 3, ("outputTokenThroughput", k.OutputTokensPerSecond), ("requestThroughput", k.RequestsPerSecond), ("ttftMedianMs", k.TtftMedianMs));
            json.WriteBoolean("atLastLevel", k.AtLastLevel);
            if (report.Plan is { } p && p.OutputTokensPerSecond > 0) Number(json, "ofPredictedOutputThroughput", k.OutputTokensPerSecond / p.OutputTokensPerSecond, 4);
            json.WriteEndObject();
        });
        WriteArray(json, "ratios", report.Ratios, r =>
        {
            json.WriteStartObject();
            json.WriteString("metric", r.Metric);
            json.WritePropertyName("level");
            Level(json, r.Level);
            json.WriteString("baseline", r.Baseline);
            json.WriteString("other", r.Other);
            Numbers(json, 4, ("median", r.Median), ("q1", r.Low), ("q3", r.High));
            json.WriteEndObject();
        });
        json.WriteEndObject();
    }

    private static void Level(Utf8JsonWriter json, LoadLevel level)
    {
        json.WriteStartObject();
        json.WriteString("kind", level.Kind == LoadKind.Concurrency ? "concurrency" : "rate");
        // JSON has no infinity; an infinite rate is written as null with the label saying "inf".
        if (double.IsFinite(level.Value)) json.WriteNumber("value", level.Value);
        else json.WriteNull("value");
        json.WriteString("label", level.Label);
        json.WriteEndObject();
    }

    private static void Point(Utf8JsonWriter json, BenchPoint point, long origin)
    {
        json.WriteStartObject();
        json.WriteString("target", point.Target.Label);
        json.WritePropertyName("level");
        Level(json, point.Level);
        json.WritePropertyName("summary");
        Summary(json, point.Summary);
        WriteArray(json, "rounds", point.Rounds ?? [], round => Summary(json, round));
        if (point.ServerMetrics is { } metrics)
        {
            WriteArray(json, "serverMetrics", metrics, m =>
            {
                json.WriteStartObject();
                json.WriteString("name", m.Name);
                Numbers(json, 6, ("before", m.Before), ("after", m.After), ("delta", m.Delta));
                json.WriteEndObject();
            });
        }
        else
        {
            json.WriteNull("serverMetrics");
        }
        WriteArray(json, "samples", point.Samples, s => Sample(json, s, origin));
        json.WriteEndObject();
    }

    private static void Summary(Utf8JsonWriter json, SampleSummary s)
    {
        json.WriteStartObject();
        json.WriteNumber("completed", s.Completed);
        json.WriteNumber("failed", s.Failed);
        json.WriteStartObject("failureReasons");
        foreach (var (kind, count) in s.FailureReasons.OrderBy(f => f.Key)) json.WriteNumber(Name(kind), count);
        json.WriteEndObject();
        json.WriteStartObject("failuresByReason");
        foreach (var (reason, count) in s.FailuresByReason.OrderBy(f => f.Key, StringComparer.Ordinal)) json.WriteNumber(reason, count);
        json.WriteEndObject();
        Number(json, "durationMs", s.Duration.TotalMilliseconds, 3);
        json.WriteNumber("totalInputTokens", s.TotalInputTokens);
        json.WriteNumber("totalOutputTokens", s.TotalOutputTokens);
        Number(json, "requestThroughput", s.RequestThroughput, 4);
        Number(json, "outputTokenThroughput", s.OutputTokenThroughput, 3);
        Number(json, "totalTokenThroughput", s.TotalTokenThroughput, 3);
        if (s.Goodput is { } goodput) Number(json, "goodput", goodput, 4);
        else json.WriteNull("goodput");
        Stats(json, "ttftMs", s.Ttft);
        Stats(json, "tpotMs", s.Tpot);
        Stats(json, "itlMs", s.Itl);
        Stats(json, "e2eMs", s.E2E);
        json.WriteEndObject();
    }

    private static void Stats(Utf8JsonWriter json, string name, LatencyStats s)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", s.Count);
        Numbers(json, 3, ("mean", s.Mean), ("median", s.Median), ("p90", s.P90), ("p99", s.P99), ("min", s.Min), ("max", s.Max));
        json.WriteEndObject();
    }

    private static void Sample(Utf8JsonWriter json, RequestSample s, long origin)
    {
        json.WriteStartObject();
        // The start against the run's origin places the request in time; its other timestamps are against its own start.
        Number(json, "startMs", Stopwatch.GetElapsedTime(origin, s.StartTimestamp).TotalMilliseconds, 3);
        Number(json, "endMs", Stopwatch.GetElapsedTime(s.StartTimestamp, s.EndTimestamp).TotalMilliseconds, 3);
        json.WriteStartArray("contentMs");
        foreach (var t in s.ContentTimestamps) json.WriteNumberValue(Math.Round(Stopwatch.GetElapsedTime(s.StartTimestamp, t).TotalMilliseconds, 3));
        json.WriteEndArray();
        json.WriteNumber("outputTokens", s.OutputTokens);
        json.WriteString("outputTokenSource", s.OutputTokenSource switch
        {
            TokenCountSource.Usage => "usage",
            TokenCountSource.OllamaEvalCount => "ollama_eval_count",
            _ => "counted_chunks",
        });
        if (s.PromptTokens is { } prompt) json.WriteNumber("promptTokens", prompt);
        else json.WriteNull("promptTokens");
        if (s.Failure is { } f)
        {
            json.WriteStartObject("failure");
            json.WriteString("kind", Name(f.Kind));
            json.WriteString("detail", f.Detail);
            json.WriteString("reason", f.Reason);
            if (f.StatusCode is { } code) json.WriteNumber("status", code);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("failure");
        }
        json.WriteEndObject();
    }

    private static string Name(FailureKind kind) => kind switch
    {
        FailureKind.HttpStatus => "http_status",
        FailureKind.ConnectionReset => "connection_reset",
        FailureKind.Timeout => "timeout",
        FailureKind.MalformedChunk => "malformed_chunk",
        FailureKind.StreamError => "stream_error",
        _ => "truncated",
    };

    /// <summary>A named array with one element per item.</summary>
    private static void WriteArray<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<T> write)
    {
        json.WriteStartArray(name);
        foreach (var item in items) write(item);
        json.WriteEndArray();
    }

    /// <summary>Several numbers rounded alike.</summary>
    /// <summary>One target as the report (and the web UI's events and lists) write it: label, endpoint, model, api.</summary>
    public static void WriteTarget(Utf8JsonWriter json, BenchTarget target)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(target);
        json.WriteStartObject();
        json.WriteString("label", target.Label);
        json.WriteString("endpoint", target.Endpoint.ToString());
        json.WriteString("model", target.Model);
        json.WriteString("api", target.Format == StreamFormat.OpenAIChat ? "openai" : "ollama");
        json.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter json, int digits, params ReadOnlySpan<(string Name, double Value)> numbers)
    {
        foreach (var (name, value) in numbers) Number(json, name, value, digits);
    }

    private static void Number(Utf8JsonWriter json, string name, double value, int digits)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, Math.Round(value, digits));
        else json.WriteNull(name);
    }
}
