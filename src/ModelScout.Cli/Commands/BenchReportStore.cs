using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ModelScout.LoadTest;

namespace ModelScout.Cli.Commands;

/// <summary>
/// Where every <c>scout bench</c> report is kept: <c>$SCOUT_HOME/bench/ID.json</c>, the whole report as
/// <c>scout bench --json</c> prints it. The ID is the run's start (UTC) and a random suffix, so names sort by time.
/// </summary>
internal sealed class BenchReportStore(string folder)
{
    public static BenchReportStore Of(ScoutSettings settings) => new(settings.BenchReports);

    public string Folder { get; } = folder;

    /// <summary>Writes <paramref name="report"/> (to a temporary file first, so a listing never sees half a report); returns its id and path.</summary>
    public (string Id, string Path) Save(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(Folder);
        var id = report.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var path = Path.Combine(Folder, id + ".json");
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary)) BenchJsonExporter.Write(report, stream);
        File.Move(temporary, path);
        return (id, path);
    }

    /// <summary>The file of report <paramref name="id"/>; null when the id could not be one (it must not leave the folder).</summary>
    public string? PathOf(string id) =>
        id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !id.StartsWith('.') && !id.Contains("..", StringComparison.Ordinal)
            ? Path.Combine(Folder, id + ".json")
            : null;

    /// <summary>
    /// Every report, newest first, as JSON: id, start, interrupted, targets, levels and the headline figures; a file that
    /// cannot be read is listed with <c>error</c> saying why instead.
    /// </summary>
    public string ListJson()
    {
        var entries = new List<(DateTimeOffset When, string Id, string File, BenchReport? Report, string? Error)>();
        if (Directory.Exists(Folder))
        {
            foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
            {
                var id = Path.GetFileNameWithoutExtension(file);
                try
                {
                    var report = BenchJsonReader.Read(File.ReadAllText(file));
                    entries.Add((report.StartedAt, id, file, report, null));
                }
                catch (Exception e) when (e is BenchReportFileException or IOException or UnauthorizedAccessException)
                {
                    entries.Add((File.GetLastWriteTimeUtc(file), id, file, null, e.Message));
                }
            }
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("folder", Folder);
            json.WriteStartArray("reports");
            foreach (var (when, id, file, report, error) in entries.OrderByDescending(e => e.When).ThenBy(e => e.Id, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteString("file", file);
                if (report is null)
                {
                    json.WriteString("error", $"unreadable: {error}");
                    json.WriteEndObject();
                    continue;
                }
                json.WriteString("startedAt", report.StartedAt);
                json.WriteBoolean("interrupted", report.Interrupted);
                json.WriteStartArray("targets");
                foreach (var t in report.Targets) BenchJsonExporter.WriteTarget(json, t);
                json.WriteEndArray();
                json.WriteStartArray("levels");
                foreach (var l in report.Levels) json.WriteStringValue(l.Label);
                json.WriteEndArray();
                if (report.Settings.TryGetValue("requests", out var requests)) json.WriteString("requests", requests);
                // Headline: the best output throughput any level reached, and the lowest level's median TTFT, per target.
                json.WriteStartArray("headline");
                foreach (var t in report.Targets)
                {
                    var points = report.Points.Where(p => p.Target == t).ToList();
                    json.WriteStartObject();
                    json.WriteString("target", t.Label);
                    json.WriteNumber("completed", points.Sum(p => p.Summary.Completed));
                    json.WriteNumber("failed", points.Sum(p => p.Summary.Failed));
                    Number(json, "bestOutputTokenThroughput", points.Count == 0 ? double.NaN : points.Max(p => p.Summary.OutputTokenThroughput));
                    Number(json, "ttftMedianMs", points.FirstOrDefault(p => p.Summary.Ttft.Count > 0)?.Summary.Ttft.Median ?? double.NaN);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A figure rounded to 3 decimals, or null when there is none (NaN, infinite).</summary>
    internal static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, Math.Round(v, 3));
        else json.WriteNull(name);
    }
}
