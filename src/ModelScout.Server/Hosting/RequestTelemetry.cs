using Microsoft.AspNetCore.Http;

namespace ModelScout.Server.Hosting;

/// <summary>What a handler learned about its request (model, tokens) for the one log line written when it ends.</summary>
internal sealed class RequestTelemetry
{
    public string? Model { get; set; }
    public int PromptTokens { get; set; }
    public int CompletionTokens { get; set; }

    public static RequestTelemetry Of(HttpContext context)
    {
        var t = context.Features.Get<RequestTelemetry>();
        if (t is null)
        {
            t = new RequestTelemetry();
            context.Features.Set(t);
        }
        return t;
    }
}
