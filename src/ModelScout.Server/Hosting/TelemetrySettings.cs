using ModelScout.Core.Settings;

namespace ModelScout.Server.Hosting;

/// <summary>How <c>scout serve</c> reports itself: traces and framework instruments, OTLP export, vLLM-named metrics.</summary>
public sealed record TelemetrySettings
{
    /// <summary>
    /// Traces (one per request, with queue, prompt and generation spans) and the ASP.NET Core and runtime instruments.
    /// Off leaves scout's own metrics at /metrics and nothing else. SCOUT_TELEMETRY (on|off). Default on.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Also publish the metrics under vLLM's names (<c>vllm:num_requests_running</c>...). SCOUT_METRICS_VLLM_NAMES.</summary>
    public bool VllmNames { get; init; }

    /// <summary>Where traces, metrics and logs are pushed over OTLP; null = no push. OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>grpc or http/protobuf. OTEL_EXPORTER_OTLP_PROTOCOL. Default http/protobuf.</summary>
    public string OtlpProtocol { get; init; } = "http/protobuf";

    /// <summary>Extra OTLP headers, <c>key=value,key2=value2</c> (API keys of hosted backends). OTEL_EXPORTER_OTLP_HEADERS.</summary>
    public string? OtlpHeaders { get; init; }

    /// <summary>service.name of the resource. OTEL_SERVICE_NAME. Default scout.</summary>
    public string ServiceName { get; init; } = "scout";

    /// <summary>The settings from the environment over the defaults; a bad value is an <see cref="ArgumentException"/> naming the variable.</summary>
    public static TelemetrySettings FromEnvironment(Func<string, string?> getenv)
    {
        ArgumentNullException.ThrowIfNull(getenv);
        var s = new TelemetrySettings();
        if (ScoutVariables.Telemetry.Read(getenv) is (var on, var onFrom)) s = s with { Enabled = Switch(on, onFrom) };
        if (ScoutVariables.MetricsVllmNames.Read(getenv) is (var vllm, var vllmFrom)) s = s with { VllmNames = Switch(vllm, vllmFrom) };
        if (ScoutVariables.OtlpEndpoint.Read(getenv) is (var endpoint, var endpointFrom))
        {
            s = s with
            {
                OtlpEndpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    ? uri
                    : throw new ArgumentException($"{endpointFrom}={endpoint} is not an http(s) URL; set it like http://localhost:4318 (an OpenTelemetry collector)"),
            };
        }
        if (ScoutVariables.OtlpProtocol.Read(getenv) is (var protocol, var protocolFrom))
        {
            s = s with
            {
                OtlpProtocol = protocol is "grpc" or "http/protobuf" ? protocol
                    : throw new ArgumentException($"{protocolFrom}={protocol} is not an OTLP protocol scout speaks; use grpc or http/protobuf"),
            };
        }
        if (ScoutVariables.OtlpHeaders.Read(getenv) is { } headers) s = s with { OtlpHeaders = headers.Value };
        if (ScoutVariables.ServiceName.Read(getenv) is { } service) s = s with { ServiceName = service.Value };
        return s;
    }

    private static bool Switch(string value, string from) => value.ToLowerInvariant() switch
    {
        "1" or "true" or "on" or "yes" => true,
        "0" or "false" or "off" or "no" => false,
        _ => throw new ArgumentException($"{from}={value} is not on or off; set it to 1 or 0"),
    };
}
