using System.Globalization;
using System.Text.Json;

namespace ModelScout.LoadTest;

/// <summary>A plan file that cannot be read as <c>scout plan --json</c>.</summary>
public sealed class PlanFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The capacity <c>scout plan --json</c> (schema <c>modelscout/plan/v1</c>) predicts for a deployment, as
/// <c>scout bench --plan</c> shows it beside the measured knee. Fields named "PerReplica" are for one replica; the
/// others (<see cref="OutputTokensPerSecond"/>, <see cref="RequestsPerSecond"/>) for the whole deployment, every
/// replica together, which is what a bench through the deployment's load balancer measures.
/// </summary>
public sealed record PlanCapacity(int Replicas, int GpusPerReplica, double MaxConcurrencyPerReplica, long KvCacheTokensPerReplica,
    double OutputTokensPerSecond, double? RequestsPerSecond)
{
    /// <summary>The schema a plan document must carry.</summary>
    public const string Schema = "modelscout/plan/v1";

    /// <summary>Requests the deployment holds at once: replicas × max concurrency per replica.</summary>
    public double MaxConcurrency => Replicas * MaxConcurrencyPerReplica;

    /// <summary>Reads the <c>capacity</c> object of a plan document; throws <see cref="PlanFileException"/> naming what is wrong.</summary>
    public static PlanCapacity Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new PlanFileException($"not JSON ({e.Message}); write it with `scout plan MODEL ... --json > plan.json`", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new PlanFileException("not a JSON object; write it with `scout plan MODEL ... --json > plan.json`");
            var schema = root.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (schema != Schema) throw new PlanFileException($"schema is '{schema ?? "(none)"}', not {Schema}; is it the output of `scout plan --json`?");
            if (!root.TryGetProperty("capacity", out var c) || c.ValueKind != JsonValueKind.Object)
                throw new PlanFileException("has no \"capacity\" object; the plan found no layout that serves the model (see `scout plan` without --json)");
            var replicas = Int(c, "replicas");
            var gpus = Int(c, "gpusPerReplica");
            var concurrency = Number(c, "maxConcurrencyPerReplica");
            var kv = Int(c, "kvCacheTokensPerReplica");
            var tps = Number(c, "outputTokensPerSecond");
            double? rps = c.TryGetProperty("requestsPerSecond", out var r) && r.ValueKind != JsonValueKind.Null ? Number(c, "requestsPerSecond") : null;
            if (replicas < 1 || gpus < 1) throw new PlanFileException("capacity.replicas and capacity.gpusPerReplica must be at least 1");
            if (!(concurrency > 0) || !(tps >= 0) || kv < 0 || rps is < 0) throw new PlanFileException("capacity holds a negative or zero figure");
            if (replicas > 100_000 || gpus > 100_000) throw new PlanFileException("capacity.replicas or capacity.gpusPerReplica is implausibly large");
            return new PlanCapacity((int)replicas, (int)gpus, concurrency, kv, tps, rps);
        }
    }

    private static long Int(JsonElement c, string name) =>
        c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
        : throw new PlanFileException($"capacity.{name} is missing or not an integer");

    private static double Number(JsonElement c, string name) =>
        c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : throw new PlanFileException($"capacity.{name} is missing or not a number");

    /// <summary>"4 replicas × 2 GPUs, 256 concurrent, 12000 output tok/s".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Replicas} replica(s) × {GpusPerReplica} GPU(s), {MaxConcurrency:0.#} concurrent, {OutputTokensPerSecond:0.#} output tok/s{(RequestsPerSecond is { } r ? $", {r:0.##} req/s" : "")}");
}

/// <summary>
/// Where a target's sweep stops paying: the lowest load level whose output throughput is within
/// <see cref="Tolerance"/> of the best level's (more load beyond it adds less than that), with what it measured there.
/// </summary>
public sealed record SweepKnee(string Target, LoadLevel Level, double OutputTokensPerSecond, double RequestsPerSecond, double TtftMedianMs, bool AtLastLevel)
{
    /// <summary>Share of the best throughput a level must reach to count as the knee.</summary>
    public const double Tolerance = 0.10;

    /// <summary>
    /// The knee of each target over the levels of <paramref name="report"/> (in the order swept); a target measured at
    /// fewer than two levels has none. <see cref="AtLastLevel"/> says the knee is the highest level swept: the sweep may
    /// have stopped short of saturation.
    /// </summary>
    public static IReadOnlyList<SweepKnee> Of(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var knees = new List<SweepKnee>();
        foreach (var target in report.Targets)
        {
            var points = report.Levels.Select(l => report.Points.FirstOrDefault(p => p.Target == target && p.Level == l)).Where(p => p is not null).Select(p => p!).ToList();
            if (points.Count < 2) continue;
            var best = points.Max(p => p.Summary.OutputTokenThroughput);
            if (!(best > 0)) continue;
            var knee = points.First(p => p.Summary.OutputTokenThroughput >= (1 - Tolerance) * best);
            knees.Add(new SweepKnee(target.Label, knee.Level, knee.Summary.OutputTokenThroughput, knee.Summary.RequestThroughput, knee.Summary.Ttft.Median,
                knee == points[^1]));
        }
        return knees;
    }
}
