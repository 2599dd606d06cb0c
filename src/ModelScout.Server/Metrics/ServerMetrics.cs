using System.Diagnostics;
using System.Diagnostics.Metrics;
using ModelScout.Engine;

namespace ModelScout.Server.Metrics;

/// <summary>
/// The server's instruments on one <see cref="Meter"/> named <see cref="MeterName"/>: scout's own series (the names
/// /metrics always had), the OpenTelemetry GenAI server metrics, engine gauges read from the engine's snapshot, and,
/// when asked, the same figures under vLLM's names. OpenTelemetry exports them (Prometheus at /metrics, OTLP when set).
/// </summary>
/// <remarks>
/// Every series is labelled with one model name: the stored name the client's name resolved to (stories →
/// stories:latest), the name the engine's own counters use, so that counters and histograms agree.
/// </remarks>
public sealed class ServerMetrics : IDisposable
{
    /// <summary>The meter's name; OpenTelemetry subscribes to it.</summary>
    public const string MeterName = "ModelScout.Server";

    /// <summary>gen_ai.provider.name on every GenAI series and span.</summary>
    public const string ProviderName = "modelscout";

    // scout's own buckets, as /metrics had them before OpenTelemetry.
    private static readonly double[] FirstTokenBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] InterTokenBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
    private static readonly double[] RequestBounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    // The OpenTelemetry GenAI semantic conventions' advised buckets.
    private static readonly double[] GenAiRequestBounds = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly double[] GenAiFirstTokenBounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly double[] GenAiPerTokenBounds = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];
    private static readonly double[] GenAiTokenBounds = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    // vLLM's buckets (vllm/v1/metrics), so its dashboards' quantiles read the same.
    private static readonly double[] VllmFirstTokenBounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
    private static readonly double[] VllmPerTokenBounds = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
    private static readonly double[] VllmRequestBounds = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
    private static readonly double[] VllmTokenBounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Histogram<double> firstToken;
    private readonly Histogram<double> interToken;
    private readonly Histogram<double> request;
    private readonly Histogram<double> genAiRequest;
    private readonly Histogram<double> genAiFirstToken;
    private readonly Histogram<double> genAiPerToken;
    private readonly Histogram<long> genAiTokens;
    private readonly Vllm? vllm;

    /// <summary>Instruments on a meter from <paramref name="factory"/> (the host's), or on a meter of their own.</summary>
    /// <param name="engine">Read by the gauges and the engine's counters at each collection.</param>
    /// <param name="vllmNames">Also publish the figures under vLLM's names with a <c>model_name</c> label.</param>
    public ServerMetrics(IInferenceService engine, IMeterFactory? factory = null, bool vllmNames = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ownsMeter = factory is null;
        meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        VllmNames = vllmNames;

        meter.CreateObservableGauge("scout.model.loading", () => engine.Snapshot().Loading ? 1 : 0, null, "1 while a model is being loaded.");
        meter.CreateObservableGauge("scout.requests.running", () => PerModel(engine, c => c.Running, "model"), "{request}", "Requests generating now.");
        meter.CreateObservableGauge("scout.requests.waiting", () => PerModel(engine, c => c.Waiting, "model"), "{request}", "Requests queued for a slot.");
        meter.CreateObservableCounter("scout.requests", () => PerModel(engine, c => c.RequestsTotal, "model"), "{request}", "Generations the engine accepted.");
        meter.CreateObservableCounter("scout.prompt_tokens", () => PerModel(engine, c => c.PromptTokensTotal, "model"), "{token}", "Prompt tokens processed.");
        meter.CreateObservableCounter("scout.generation_tokens", () => PerModel(engine, c => c.GeneratedTokensTotal, "model"), "{token}", "Tokens generated.");
        meter.CreateObservableGauge("scout.kv_cache.usage_ratio", () => PerModel(engine, c => c.KvCacheUsage, "model"), null, "KV-cache cells in use over cells available (0..1).");
        meter.CreateObservableGauge("scout.kv_cache.tokens", () => PerModel(engine, c => c.KvCacheTokens, "model"), "{token}", "Tokens held in the KV cache.");
        meter.CreateObservableGauge("scout.models.loaded", () => engine.Loaded.Count, "{model}", "Models in memory.");
        meter.CreateObservableGauge("scout.model.memory", () => engine.Loaded.Select(m => new Measurement<long>(m.MemoryBytes, new KeyValuePair<string, object?>("model", m.Name))), "By", "Estimated resident bytes of a loaded model: weights, KV cache and compute buffers.");
        meter.CreateObservableGauge("scout.model.gpu_memory", () => engine.Loaded.Select(m => new Measurement<long>(m.GpuBytes, new KeyValuePair<string, object?>("model", m.Name))), "By", "Estimated bytes of a loaded model held in GPU memory.");

        firstToken = meter.CreateHistogram("scout.time_to_first_token", "s", "Time from request to first generated token, measured at the server.", advice: Bounds(FirstTokenBounds));
        interToken = meter.CreateHistogram("scout.inter_token_latency", "s", "Time between consecutive generated tokens, measured at the server.", advice: Bounds(InterTokenBounds));
        request = meter.CreateHistogram("scout.e2e_request_latency", "s", "Time from request to the end of its generation.", advice: Bounds(RequestBounds));

        genAiRequest = meter.CreateHistogram("gen_ai.server.request.duration", "s", "Generative AI server request duration such as time-to-last byte or last output token.", advice: Bounds(GenAiRequestBounds));
        genAiFirstToken = meter.CreateHistogram("gen_ai.server.time_to_first_token", "s", "Time to generate first token for successful responses.", advice: Bounds(GenAiFirstTokenBounds));
        genAiPerToken = meter.CreateHistogram("gen_ai.server.time_per_output_token", "s", "Time per output token generated after the first token for successful responses.", advice: Bounds(GenAiPerTokenBounds));
        genAiTokens = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Number of input and output tokens used, per request, as the server counted them.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. GenAiTokenBounds.Select(b => (long)b)] });

        if (vllmNames) vllm = new Vllm(meter, engine);
    }

    /// <summary>
    /// The name an instrument is exported under: vLLM's names have a colon, which OpenTelemetry does not allow in an
    /// instrument's own name, so they are made as <c>vllm.x</c> and renamed to <c>vllm:x</c> by a view; null for the rest.
    /// </summary>
    public static string? ExportName(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return instrument.Meter.Name == MeterName && instrument.Name.StartsWith("vllm.", StringComparison.Ordinal) ? "vllm:" + instrument.Name["vllm.".Length..] : null;
    }

    /// <summary>Whether the vLLM-named series are published.</summary>
    public bool VllmNames { get; }

    /// <summary>The meter the instruments live on.</summary>
    public Meter Meter => meter;

    /// <summary>Time from accepting a request to its first generated token.</summary>
    public void ObserveFirstToken(RequestLabels labels, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var seconds = elapsed.TotalSeconds;
        firstToken.Record(seconds, labels.Scout);
        genAiFirstToken.Record(seconds, labels.GenAi);
        vllm?.FirstToken.Record(seconds, labels.Vllm);
    }

    /// <summary>Time between two consecutive tokens of one generation.</summary>
    public void ObserveInterToken(RequestLabels labels, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var seconds = elapsed.TotalSeconds;
        interToken.Record(seconds, labels.Scout);
        if (vllm is not null)
        {
            vllm.PerToken.Record(seconds, labels.Vllm);
            vllm.InterToken.Record(seconds, labels.Vllm);
        }
    }

    /// <summary>The end of a generation: end-to-end latency, the per-request GenAI figures and the engine's phase times.</summary>
    /// <param name="firstToken">Time to the first token; null when none came.</param>
    public void ObserveCompleted(RequestLabels labels, TimeSpan elapsed, TimeSpan? firstToken, GenerationStats stats, TimeSpan queued)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(stats);
        var seconds = elapsed.TotalSeconds;
        request.Record(seconds, labels.Scout);
        if (stats.DoneReason == DoneReason.Cancelled)
        {
            genAiRequest.Record(seconds, labels.GenAi.With("error.type", "cancelled"));
        }
        else
        {
            genAiRequest.Record(seconds, labels.GenAi);
            if (firstToken is { } first && stats.CompletionTokens > 1)
                genAiPerToken.Record((elapsed - first).TotalSeconds / (stats.CompletionTokens - 1), labels.GenAi);
        }
        genAiTokens.Record(stats.PromptTokens, labels.GenAi.With("gen_ai.token.type", "input"));
        genAiTokens.Record(stats.CompletionTokens, labels.GenAi.With("gen_ai.token.type", "output"));
        vllm?.Completed(labels, seconds, stats, queued);
    }

    public void Dispose()
    {
        if (ownsMeter) meter.Dispose();
    }

    private static InstrumentAdvice<double> Bounds(double[] bounds) => new() { HistogramBucketBoundaries = bounds };

    private static IEnumerable<Measurement<T>> PerModel<T>(IInferenceService engine, Func<ModelCounters, T> value, string label) where T : struct =>
        engine.Snapshot().Models.Select(c => new Measurement<T>(value(c), new KeyValuePair<string, object?>(label, c.Model)));

    /// <summary>The series vLLM publishes, under its names and with its <c>model_name</c> label.</summary>
    private sealed class Vllm
    {
        public Vllm(Meter meter, IInferenceService engine)
        {
            meter.CreateObservableGauge("vllm.num_requests_running", () => PerModel(engine, c => c.Running, "model_name"), null, "Number of requests in model execution batches.");
            meter.CreateObservableGauge("vllm.num_requests_waiting", () => PerModel(engine, c => c.Waiting, "model_name"), null, "Number of requests waiting to be processed.");
            meter.CreateObservableGauge("vllm.kv_cache_usage_perc", () => PerModel(engine, c => c.KvCacheUsage, "model_name"), null, "KV-cache usage. 1 means 100 percent usage.");
            meter.CreateObservableGauge("vllm.gpu_cache_usage_perc", () => PerModel(engine, c => c.KvCacheUsage, "model_name"), null, "KV-cache usage (vLLM's older name). 1 means 100 percent usage.");
            meter.CreateObservableCounter("vllm.prompt_tokens", () => PerModel(engine, c => c.PromptTokensTotal, "model_name"), null, "Number of prefill tokens processed.");
            meter.CreateObservableCounter("vllm.generation_tokens", () => PerModel(engine, c => c.GeneratedTokensTotal, "model_name"), null, "Number of generation tokens processed.");
            Success = meter.CreateCounter<long>("vllm.request_success", null, "Count of processed requests by finished reason (stop, length, abort).");
            FirstToken = meter.CreateHistogram("vllm.time_to_first_token", "s", "Histogram of time to first token in seconds.", advice: Bounds(VllmFirstTokenBounds));
            PerToken = meter.CreateHistogram("vllm.time_per_output_token", "s", "Histogram of time per output token in seconds (vLLM's older name for the inter-token latency).", advice: Bounds(VllmPerTokenBounds));
            InterToken = meter.CreateHistogram("vllm.inter_token_latency", "s", "Histogram of inter-token latency in seconds.", advice: Bounds(VllmPerTokenBounds));
            RequestPerToken = meter.CreateHistogram("vllm.request_time_per_output_token", "s", "Histogram of time per output token of each request in seconds.", advice: Bounds(VllmPerTokenBounds));
            E2e = meter.CreateHistogram("vllm.e2e_request_latency", "s", "Histogram of e2e request latency in seconds.", advice: Bounds(VllmRequestBounds));
            Queue = meter.CreateHistogram("vllm.request_queue_time", "s", "Histogram of time spent waiting in the queue in seconds.", advice: Bounds(VllmRequestBounds));
            Prefill = meter.CreateHistogram("vllm.request_prefill_time", "s", "Histogram of time spent in the prefill phase in seconds.", advice: Bounds(VllmRequestBounds));
            Decode = meter.CreateHistogram("vllm.request_decode_time", "s", "Histogram of time spent in the decode phase in seconds.", advice: Bounds(VllmRequestBounds));
            PromptTokens = meter.CreateHistogram<long>("vllm.request_prompt_tokens", null, "Number of prefill tokens processed per request.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. VllmTokenBounds.Select(b => (long)b)] });
            GenerationTokens = meter.CreateHistogram<long>("vllm.request_generation_tokens", null, "Number of generation tokens processed per request.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. VllmTokenBounds.Select(b => (long)b)] });
        }

        public Counter<long> Success { get; }
        public Histogram<double> FirstToken { get; }
        public Histogram<double> PerToken { get; }
        public Histogram<double> InterToken { get; }
        public Histogram<double> RequestPerToken { get; }
        public Histogram<double> E2e { get; }
        public Histogram<double> Queue { get; }
        public Histogram<double> Prefill { get; }
        public Histogram<double> Decode { get; }
        public Histogram<long> PromptTokens { get; }
        public Histogram<long> GenerationTokens { get; }

        public void Completed(RequestLabels labels, double seconds, GenerationStats stats, TimeSpan queued)
        {
            var reason = stats.DoneReason switch
            {
                DoneReason.Length => "length",
                DoneReason.Cancelled => "abort",
                _ => "stop",
            };
            // As vLLM does, aborted requests count too, under finished_reason="abort".
            Success.Add(1, labels.Vllm.With("finished_reason", reason));
            E2e.Record(seconds, labels.Vllm);
            Queue.Record(queued.TotalSeconds, labels.Vllm);
            Prefill.Record(stats.PromptEvalDuration.TotalSeconds, labels.Vllm);
            Decode.Record(stats.EvalDuration.TotalSeconds, labels.Vllm);
            if (stats.CompletionTokens > 1) RequestPerToken.Record(stats.EvalDuration.TotalSeconds / (stats.CompletionTokens - 1), labels.Vllm);
            PromptTokens.Record(stats.PromptTokens, labels.Vllm);
            GenerationTokens.Record(stats.CompletionTokens, labels.Vllm);
        }
    }
}

/// <summary>The attribute sets of one request's series, built once per request.</summary>
public sealed class RequestLabels
{
    /// <param name="model">The resolved (stored) model name.</param>
    /// <param name="operation">gen_ai.operation.name: chat, text_completion.</param>
    public RequestLabels(string model, string operation)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Scout = new TagList { { "model", model } };
        GenAi = new TagList
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.provider.name", ServerMetrics.ProviderName },
            { "gen_ai.request.model", model },
            { "gen_ai.response.model", model },
        };
        Vllm = new TagList { { "model_name", model } };
    }

    public string Model { get; }
    internal TagList Scout { get; }
    internal TagList GenAi { get; }
    internal TagList Vllm { get; }
}

internal static class TagListExtensions
{
    /// <summary>A copy with one more attribute.</summary>
    public static TagList With(this TagList tags, string key, object? value)
    {
        var copy = tags;
        copy.Add(key, value);
        return copy;
    }
}
