using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelScout.Server.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ModelScout.Server.Hosting;

/// <summary>
/// OpenTelemetry for <c>scout serve</c>: the server's meter exported at /metrics (Prometheus) and over OTLP when
/// configured, traces from ASP.NET Core and the server's <see cref="ActivitySource"/>, runtime instruments, and the
/// run tag clients send in <see cref="RunHeader"/>.
/// </summary>
public static class ScoutTelemetry
{
    /// <summary>The source of the server's spans (chat {model} and its queue, load, prompt and generate children).</summary>
    public const string SourceName = "ModelScout.Server";

    /// <summary>The header <c>scout bench</c> and <c>scout eval</c> send with their run id; the server tags the request's spans and log line with it.</summary>
    public const string RunHeader = "X-Scout-Run";

    /// <summary>The span attribute and baggage key that carry the run id.</summary>
    public const string RunAttribute = "scout.run";

    internal static readonly ActivitySource Source = new(SourceName, typeof(ScoutTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Registers the providers. Only this host's meters are exported (several servers in one process, as in tests, do
    /// not see each other's series): meters made by another host's <see cref="IMeterFactory"/> are dropped.
    /// </summary>
    internal static void AddScoutTelemetry(this WebApplicationBuilder builder, TelemetrySettings settings, Action<IOpenTelemetryBuilder>? configure, Func<IMeterFactory?> ownFactory)
    {
        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(settings.ServiceName, serviceVersion: ServerIdentity.Version));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(ServerMetrics.MeterName)
                .AddView(instrument =>
                    instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, ownFactory()) ? MetricStreamConfiguration.Drop
                    : ServerMetrics.ExportName(instrument) is { } name ? new MetricStreamConfiguration { Name = name }
                    : null)
                .AddPrometheusExporter(o =>
                {
                    // Every scrape sees the figures of that moment (tests and benchmarks scrape right after a request).
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    // Series keep the labels they always had (model="..."), without otel_scope_* labels on each.
                    o.ScopeInfoEnabled = false;
                });
            if (settings.Enabled) metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();
        });
        if (settings.Enabled)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != "/metrics" && context.Request.Path != "/health"));
            builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
            if (settings.OtlpEndpoint is { } endpoint)
            {
                // One exporter for traces, metrics and logs; with http/protobuf it appends /v1/traces etc. to the endpoint.
                otel.UseOtlpExporter(settings.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, endpoint);
                // The exporter reads its headers from the host's configuration under this key: set from the settings,
                // so what the CLI parsed is what is sent.
                if (settings.OtlpHeaders is { } headers) builder.Configuration["OTEL_EXPORTER_OTLP_HEADERS"] = headers;
            }
        }
        configure?.Invoke(otel);
    }

    /// <summary>Serves /metrics and tags each request carrying <see cref="RunHeader"/> with its run id.</summary>
    internal static void UseScoutTelemetry(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (RunOf(context) is { } run && Activity.Current is { } activity)
            {
                activity.SetTag(RunAttribute, run);
                activity.SetBaggage(RunAttribute, run);
            }
            return next(context);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
    }

    /// <summary>The run id the client sent, if any (at most 128 characters are kept).</summary>
    internal static string? RunOf(HttpContext context)
    {
        var value = context.Request.Headers[RunHeader].ToString();
        if (value.Length == 0) return null;
        return value.Length > 128 ? value[..128] : value;
    }
}
