using System.Globalization;
using System.Text.Json;

namespace ModelScout.LoadTest;

/// <summary>A saved report that cannot be read back as <c>modelscout/bench/v1</c>.</summary>
public sealed class BenchReportFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a <c>modelscout/bench/v1</c> document (what <see cref="BenchJsonExporter"/> wrote) back into a
/// <see cref="BenchReport"/>: settings, targets, levels, each point's summary and rounds, and the ratios, enough to draw
/// the charts and tables again. Raw samples are not read back (their clock was the writing process's).
/// </summary>
public static class BenchJsonReader
{
    /// <summary>The report in <paramref name="json"/>; throws <see cref="BenchReportFileException"/> naming what is wrong.</summary>
    public static BenchReport Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new BenchReportFileException($"not JSON ({e.Message})", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.String
                || schema.GetString() != BenchJsonExporter.Schema)
                throw new BenchReportFileException($"not a {BenchJsonExporter.Schema} report (no such \"schema\")");
            try
            {
                return ReadReport(root);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException)
            {
                throw new BenchReportFileException($"a damaged {BenchJsonExporter.Schema} report ({e.Message})", e);
            }
        }
    }

    private static BenchReport ReadReport(JsonElement root)
    {
        var settings = root.GetProperty("settings").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
        var targets = root.GetProperty("targets").EnumerateArray().Select(t => new BenchTarget(
            t.GetProperty("label").GetString() ?? "",
            new Uri(t.GetProperty("endpoint").GetString() ?? throw new FormatException("a target without an endpoint")),
            t.GetProperty("model").GetString() ?? "",
            t.GetProperty("api").GetString() == "openai" ? StreamFormat.OpenAIChat : StreamFormat.OllamaChat)).ToList();
        var levels = root.GetProperty("levels").EnumerateArray().Select(Level).ToList();
        var points = new List<BenchPoint>();
        foreach (var p in root.GetProperty("points").EnumerateArray())
        {
            var label = p.GetProperty("target").GetString();
            var target = targets.FirstOrDefault(t => t.Label == label) ?? throw new FormatException($"a point names target '{label}', which the report does not list");
            var rounds = p.TryGetProperty("rounds", out var r) && r.ValueKind == JsonValueKind.Array ? r.EnumerateArray().Select(Summary).ToList() : [];
            points.Add(new BenchPoint(target, Level(p.GetProperty("level")), Summary(p.GetProperty("summary")), [], null, rounds));
        }
        var ratios = root.TryGetProperty("ratios", out var rs) && rs.ValueKind == JsonValueKind.Array
            ? rs.EnumerateArray().Select(x => new BenchRatio(x.GetProperty("metric").GetString() ?? "", Level(x.GetProperty("level")),
                x.GetProperty("baseline").GetString() ?? "", x.GetProperty("other").GetString() ?? "",
                Number(x, "median"), Number(x, "q1"), Number(x, "q3"))).ToList()
            : [];
        var startedAt = DateTimeOffset.Parse(root.GetProperty("startedAt").GetString() ?? "", CultureInfo.InvariantCulture);
        var interrupted = root.TryGetProperty("interrupted", out var i) && i.ValueKind == JsonValueKind.True;
        return new BenchReport(startedAt, targets, levels, settings, points, ratios) { Interrupted = interrupted };
    }

    private static LoadLevel Level(JsonElement level)
    {
        var kind = level.GetProperty("kind").GetString() switch
        {
            "concurrency" => LoadKind.Concurrency,
            "rate" => LoadKind.Rate,
            var other => throw new FormatException($"level kind '{other}' is not concurrency or rate"),
        };
        var value = level.GetProperty("value") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : double.PositiveInfinity;
        return new LoadLevel(kind, value);
    }

    private static SampleSummary Summary(JsonElement s)
    {
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        if (s.TryGetProperty("failuresByReason", out var byReason) && byReason.ValueKind == JsonValueKind.Object)
            foreach (var p in byReason.EnumerateObject()) reasons[p.Name] = p.Value.GetInt32();
        return new SampleSummary
        {
            Completed = s.GetProperty("completed").GetInt32(),
            Failed = s.GetProperty("failed").GetInt32(),
            FailureReasons = new Dictionary<FailureKind, int>(),
            FailuresByReason = reasons,
            Duration = TimeSpan.FromMilliseconds(Number(s, "durationMs")),
            TotalInputTokens = s.GetProperty("totalInputTokens").GetInt64(),
            TotalOutputTokens = s.GetProperty("totalOutputTokens").GetInt64(),
            RequestThroughput = Number(s, "requestThroughput"),
            OutputTokenThroughput = Number(s, "outputTokenThroughput"),
            TotalTokenThroughput = Number(s, "totalTokenThroughput"),
            Goodput = s.TryGetProperty("goodput", out var g) && g.ValueKind == JsonValueKind.Number ? g.GetDouble() : null,
            Ttft = Stats(s.GetProperty("ttftMs")),
            Tpot = Stats(s.GetProperty("tpotMs")),
            Itl = Stats(s.GetProperty("itlMs")),
            E2E = Stats(s.GetProperty("e2eMs")),
        };
    }

    private static LatencyStats Stats(JsonElement s) => new(s.GetProperty("count").GetInt32(),
        Number(s, "mean"), Number(s, "median"), Number(s, "p90"), Number(s, "p99"), Number(s, "min"), Number(s, "max"));

    // The exporter writes a number it could not represent (NaN, infinity) as null.
    private static double Number(JsonElement o, string name) =>
        o.GetProperty(name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : double.NaN;
}
