using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using ModelScout.Cli.Commands;
using ModelScout.Cli.Output;
using ModelScout.LoadTest;
using ModelScout.LoadTest.Exporters;
using ModelScout.Server.Ui.Bench;
using ModelScout.Server.Ui.Dashboard;

namespace ModelScout.Cli;

/// <summary>
/// The web UI's Bench page: a run is <c>scout bench ... --json</c> itself, in process (the page's form becomes its
/// options, so the checks, the test request per endpoint, the runner, the saved report and the exit codes are the
/// command's), watched through <see cref="IBenchObserver"/> and streamed as events. Reports are read from where
/// <c>scout bench</c> saves them, <c>$SCOUT_HOME/bench</c>, and the charts are the ones <c>scout bench --svg</c> draws.
/// </summary>
internal sealed class CliBenchSource(IMachineSource machines, ScoutSettings settings) : IBenchSource
{
    // Two benches at once would each measure the other's load: one at a time per server.
    private int running;
    private static int fontApplied;

    private BenchReportStore Store => BenchReportStore.Of(settings);

    public async Task<BenchStart> StartAsync(BenchRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var endpoints = request.Endpoints ?? [];
        if (endpoints.Count == 0) return Refuse(400, "add an endpoint to measure: its URL (this server is http://HOST:PORT) and the model to ask for");
        var args = new CliDashboardSource.Args("bench");
        var anyApi = endpoints.Any(e => !string.IsNullOrWhiteSpace(e.Api));
        for (var i = 0; i < endpoints.Count; i++)
        {
            var e = endpoints[i];
            if (string.IsNullOrWhiteSpace(e.Url)) return Refuse(400, $"endpoint {i + 1} has no URL; write it like http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8000/v1 (OpenAI)");
            if (string.IsNullOrWhiteSpace(e.Model)) return Refuse(400, $"endpoint {i + 1} ({e.Url.Trim()}) has no model; pick the model to ask it for");
            args.Option("--endpoint", e.Url.Trim()).Option("--model", e.Model.Trim());
            // --api is one for all or one per endpoint: where the page left one empty, say what the URL implies.
            if (anyApi) args.Option("--api", string.IsNullOrWhiteSpace(e.Api) ? (e.Url.Trim().TrimEnd('/').EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? "openai" : "ollama") : e.Api.Trim());
        }
        // The form sends every field; the command refuses --concurrency with --rate and --requests with --duration, so
        // an open-loop rate replaces the levels and a duration replaces the request count.
        var rate = string.IsNullOrWhiteSpace(request.Rate) ? null : request.Rate.Trim();
        var duration = string.IsNullOrWhiteSpace(request.Duration) ? null : request.Duration.Trim();
        args.Option("--concurrency", rate is not null || string.IsNullOrWhiteSpace(request.Concurrency) ? null : request.Concurrency.Trim())
            .Option("--rate", rate).Option("--duration", duration)
            .Option("--requests", duration is null ? Number(request.Requests) : null).Option("--input-tokens", Number(request.InputTokens))
            .Option("--output-tokens", Number(request.OutputTokens)).Option("--warmup", Number(request.Warmup));
        if (request.ApiKey is { Length: > 0 } key) args.Option("--api-key", key);
        if (args.Refused is { } bad) return Refuse(400, $"'{bad}' is not a value scout bench accepts here (it would be read as an option)");
        if (Interlocked.CompareExchange(ref running, 1, 0) != 0)
            return Refuse(409, "a bench is already running on this server; wait for it to finish or stop it first");

        var observer = new RunWatcher(cancellationToken);
        _ = Task.Run(() =>
        {
            using var stdout = new StringWriter(CultureInfo.InvariantCulture);
            using var stderr = new StringWriter(CultureInfo.InvariantCulture);
            var code = ExitCodes.Error;
            try
            {
                code = new ScoutApp(machines, settings) { BenchObserver = observer }.Run([.. args.Tokens, "--json"], stdout, stderr);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                stderr.WriteLine(e.Message);
            }
            finally
            {
                observer.Ended(code, stdout.ToString(), stderr.ToString());
                Volatile.Write(ref running, 0);
            }
        }, CancellationToken.None);
        return await observer.Outcome;
    }

    public DashboardAnswer Reports() => new(DashboardOutcome.Answer, Store.ListJson());

    public DashboardAnswer Report(string id)
    {
        var (text, refusal) = Read(id);
        return refusal ?? new DashboardAnswer(DashboardOutcome.Answer, text!);
    }

    public BenchImage Chart(string id, string chart)
    {
        BenchChart? kind = chart switch { "throughput" => BenchChart.ThroughputLatency, "ttft" => BenchChart.Ttft, "tpot" => BenchChart.Tpot, _ => null };
        if (kind is null) return new BenchImage(DashboardOutcome.Invalid, Error($"no chart '{chart}': the charts are throughput, ttft and tpot", ExitCodes.Usage));
        var (text, refusal) = Read(id);
        if (refusal is not null) return new BenchImage(refusal.Outcome, refusal.Json);
        if (Interlocked.Exchange(ref fontApplied, 1) == 0 && settings.Get(ScoutVariables.ChartFont) is { } font) BenchChartExporter.UseFontFile(font);
        // Read() checked the report parses.
        return new BenchImage(DashboardOutcome.Answer, BenchChartExporter.Svg(BenchJsonReader.Read(text!), kind.Value, 720, 432));
    }

    public DashboardAnswer Delete(string id)
    {
        if (Store.PathOf(id) is not { } path) return Invalid(id);
        if (!File.Exists(path)) return Missing(id);
        File.Delete(path);
        return new DashboardAnswer(DashboardOutcome.Answer, Document(json => json.WriteString("deleted", id)));
    }

    private (string? Text, DashboardAnswer? Refusal) Read(string id)
    {
        if (Store.PathOf(id) is not { } path) return (null, Invalid(id));
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, Missing(id));
        }
        try
        {
            BenchJsonReader.Read(text);
        }
        catch (BenchReportFileException e)
        {
            return (null, new DashboardAnswer(DashboardOutcome.Failed, Error($"report {id} is unreadable: {e.Message}; delete it, or fix {path}", ExitCodes.BadInput)));
        }
        return (text, null);
    }

    private static DashboardAnswer Invalid(string id) => new(DashboardOutcome.Invalid, Error($"'{id}' is not a report id; the list at /ui/api/bench/reports gives them", ExitCodes.Usage));

    private DashboardAnswer Missing(string id) => new(DashboardOutcome.NotFound, Error($"no bench report '{id}' in {Store.Folder}", ExitCodes.NotFound));

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static BenchStart Refuse(int status, string message) => new(status, Error(message, ExitCodes.Usage), null);

    private static string Error(string message, int code) =>
        CommandContext.JsonText(new ErrorJson("modelscout/error/v1", message, code, []), CliJson.Default.ErrorJson);

    private static string Document(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Number(Utf8JsonWriter json, string name, double? value) => BenchReportStore.Number(json, name, value);

    /// <summary>Turns the command's steps into the page's events, one JSON object a line.</summary>
    private sealed class RunWatcher(CancellationToken cancellation) : IBenchObserver
    {
        private readonly Channel<string> events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        private readonly TaskCompletionSource<BenchStart> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock gate = new();
        private readonly Dictionary<(int Level, int Target), (List<double> Ttft, List<double> Tpot)> seen = [];
        private long origin;
        private bool finished;

        public CancellationToken Cancellation { get; } = cancellation;

        public Task<BenchStart> Outcome => outcome.Task;

        public void Started(IReadOnlyList<BenchTarget> targets, LoadPlan plan)
        {
            origin = Stopwatch.GetTimestamp();
            Write(json =>
            {
                json.WriteString("event", "plan");
                json.WriteStartArray("targets");
                foreach (var t in targets) BenchJsonExporter.WriteTarget(json, t);
                json.WriteEndArray();
                json.WriteStartArray("levels");
                foreach (var l in plan.Levels) json.WriteStringValue(l.Label);
                json.WriteEndArray();
                if (plan.Requests is { } n) json.WriteNumber("requests", n);
                if (plan.Duration is { } d) json.WriteNumber("durationSeconds", d.TotalSeconds);
                json.WriteNumber("rounds", plan.Rounds);
                json.WriteNumber("warmup", plan.Warmup);
                json.WriteNumber("outputTokens", plan.OutputTokens);
            });
            outcome.TrySetResult(new BenchStart(200, null, events.Reader));
        }

        public void Progress(BenchProgress p)
        {
            var s = p.Sample;
            var ok = s is { Succeeded: true, ContentTimestamps.Count: > 0 };
            bool levelDone;
            double? ttftMedian = null, tpotMedian = null;
            lock (gate)
            {
                if (!seen.TryGetValue((p.LevelIndex, p.TargetIndex), out var lists)) seen[(p.LevelIndex, p.TargetIndex)] = lists = ([], []);
                if (ok && s!.Ttft is { } ttft) lists.Ttft.Add(ttft.TotalMilliseconds);
                if (ok && s!.Tpot is { } tpot) lists.Tpot.Add(tpot.TotalMilliseconds);
                levelDone = p.Total is { } total && p.Done == total;
                if (levelDone)
                {
                    ttftMedian = Median(lists.Ttft);
                    tpotMedian = Median(lists.Tpot);
                }
            }
            Write(json =>
            {
                json.WriteString("event", "request");
                json.WriteNumber("target", p.TargetIndex);
                json.WriteNumber("level", p.LevelIndex);
                json.WriteNumber("round", p.Round);
                json.WriteNumber("done", p.Done);
                if (p.Total is { } total) json.WriteNumber("total", total);
                json.WriteNumber("failed", p.Failed);
                Number(json, "outputTokensPerSecond", p.OutputTokensPerSecond);
                json.WriteBoolean("ok", ok);
                Number(json, "ttftMs", ok ? s!.Ttft?.TotalMilliseconds : null);
                Number(json, "tpotMs", ok ? s!.Tpot?.TotalMilliseconds : null);
                Number(json, "e2eMs", ok ? s!.E2E?.TotalMilliseconds : null);
                json.WriteNumber("outputTokens", s?.OutputTokens ?? 0);
                if (s?.Failure is { } f)
                {
                    json.WriteString("reason", f.Reason);
                    json.WriteString("detail", f.Detail);
                }
                else if (s is not null && !ok)
                {
                    json.WriteString("reason", "no content");
                }
                Number(json, "atMs", Stopwatch.GetElapsedTime(origin, s?.EndTimestamp ?? Stopwatch.GetTimestamp()).TotalMilliseconds);
            });
            if (!levelDone) return;
            Write(json =>
            {
                json.WriteString("event", "level");
                json.WriteNumber("target", p.TargetIndex);
                json.WriteNumber("level", p.LevelIndex);
                json.WriteNumber("done", p.Done);
                json.WriteNumber("failed", p.Failed);
                Number(json, "outputTokensPerSecond", p.OutputTokensPerSecond);
                Number(json, "ttftMedianMs", ttftMedian);
                Number(json, "tpotMedianMs", tpotMedian);
            });
        }

        public void Finished(BenchReport report, string? id, string? path)
        {
            finished = true;
            Write(json =>
            {
                json.WriteString("event", "report");
                if (id is not null) json.WriteString("id", id);
                if (path is not null) json.WriteString("path", path);
                json.WriteBoolean("interrupted", report.Interrupted);
                json.WriteStartArray("points");
                foreach (var point in report.Points)
                {
                    var s = point.Summary;
                    json.WriteStartObject();
                    json.WriteNumber("target", IndexOf(report.Targets, point.Target));
                    json.WriteNumber("level", IndexOf(report.Levels, point.Level));
                    json.WriteNumber("completed", s.Completed);
                    json.WriteNumber("failed", s.Failed);
                    Number(json, "outputTokenThroughput", s.OutputTokenThroughput);
                    Number(json, "requestThroughput", s.RequestThroughput);
                    Number(json, "ttftMedianMs", s.Ttft.Count > 0 ? s.Ttft.Median : null);
                    Number(json, "tpotMedianMs", s.Tpot.Count > 0 ? s.Tpot.Median : null);
                    Number(json, "e2eMedianMs", s.E2E.Count > 0 ? s.E2E.Median : null);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            });
        }

        /// <summary>The command returned: before the run started its error is the answer (400); after, an error event.</summary>
        public void Ended(int code, string stdout, string stderr)
        {
            var message = ErrorMessage(stdout) ?? (stderr.Trim() is { Length: > 0 } e ? e : $"scout bench ended with exit code {code}");
            if (!outcome.Task.IsCompleted)
            {
                var json = stdout.Trim() is { Length: > 0 } doc && ErrorMessage(doc) is not null ? doc : Error(message, code);
                outcome.TrySetResult(new BenchStart(400, json, null));
            }
            else if (!finished)
            {
                Write(json => json.WriteString("error", message));
            }
            events.Writer.TryComplete();
        }

        private static string? ErrorMessage(string stdout)
        {
            try
            {
                using var doc = JsonDocument.Parse(stdout);
                return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private void Write(Action<Utf8JsonWriter> write) => events.Writer.TryWrite(Document(write));

        private static int IndexOf<T>(IReadOnlyList<T> items, T item)
        {
            for (var i = 0; i < items.Count; i++) if (EqualityComparer<T>.Default.Equals(items[i], item)) return i;
            return -1;
        }

        private static double? Median(List<double> values) =>
            values.Count == 0 ? null : LatencyStats.Percentile([.. values.Order()], 50);
    }
}
