using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelScout.Testing;

namespace ModelScout.Evaluation.Tests.Fakes;

/// <summary>What the scripted endpoint answers to one chat request.</summary>
internal sealed record Scripted(int Status = 200, string? Text = null, string Finish = "stop", string? ErrorMessage = null, int? RetryAfterSeconds = null,
    JsonArray? Logprobs = null, int PromptTokens = 7, int CompletionTokens = 3, JsonArray? ToolCalls = null);

/// <summary>
/// An OpenAI-compatible endpoint on 127.0.0.1:0 whose answers a test scripts from the request: it counts requests and
/// keeps their bodies, so a test can see exactly what was sent.
/// </summary>
internal sealed class ScriptedEndpoint : IAsyncDisposable
{
    private LoopbackHttpServer server = null!;
    private int requests;
    private int refused;

    private ScriptedEndpoint()
    {
    }

    public Uri Root => server.BaseUri;

    public Uri BaseUri => new(Root, "v1");

    /// <summary>Chat requests received so far.</summary>
    public int Requests => Volatile.Read(ref requests);

    public ConcurrentQueue<JsonObject> Bodies { get; } = new();

    public ConcurrentQueue<string?> Authorizations { get; } = new();

    /// <summary>Answers a chat request given its body and its 1-based number; replaceable between runs.</summary>
    public Func<JsonObject, int, Scripted> Script { get; set; } = (_, _) => new Scripted(Text: "ok");

    /// <summary>
    /// When set, a chat request whose messages hold more characters than this is refused with the 400 a server sends
    /// for a prompt longer than its context (vLLM's and OpenAI's wording), before <see cref="Script"/> is asked.
    /// </summary>
    public int? MaxPromptChars { get; set; }

    /// <summary>Requests refused by <see cref="MaxPromptChars"/> so far (they count in <see cref="Requests"/> too).</summary>
    public int Refused => Volatile.Read(ref refused);

    /// <summary>Model ids for GET /v1/models.</summary>
    public IReadOnlyList<string> Models { get; set; } = ["scripted"];

    /// <summary>Answer for GET /api/version; null for 404.</summary>
    public string? OllamaVersion { get; set; }

    /// <summary>When set, GET /api/version also says <c>"server": "modelscout"</c> with this as <c>modelscout_version</c>, as scout serve does.</summary>
    public string? ModelScoutVersion { get; set; }

    /// <summary>Answer for GET /api/tags (Ollama's model list); null for 404.</summary>
    public JsonObject? Tags { get; set; }

    /// <summary>Answers POST /api/show given its body; null (the property or the answer) for 404.</summary>
    public Func<JsonObject, JsonObject?>? Show { get; set; }

    /// <summary>Bodies of POST /api/show received so far.</summary>
    public ConcurrentQueue<JsonObject> ShowBodies { get; } = new();

    /// <summary>The last user message's text.</summary>
    public static string LastUser(JsonObject body) =>
        body["messages"]!.AsArray().Last(m => (string?)m!["role"] == "user")!["content"]!.GetValue<string>();

    public static async Task<ScriptedEndpoint> StartAsync()
    {
        var endpoint = new ScriptedEndpoint();
        endpoint.server = await LoopbackHttpServer.StartAsync(endpoint.Map);
        return endpoint;
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/v1/chat/completions", (HttpContext c) => ChatAsync(c));
        app.MapGet("/v1/models", (HttpContext c) => c.Response.WriteAsync(
            new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. Models.Select(m => (JsonNode)new JsonObject { ["id"] = m, ["object"] = "model", ["owned_by"] = "test" })]) }.ToJsonString()));
        app.MapGet("/api/version", (HttpContext c) =>
        {
            if (OllamaVersion is null)
            {
                c.Response.StatusCode = 404;
                return Task.CompletedTask;
            }
            var version = new JsonObject { ["version"] = OllamaVersion };
            if (ModelScoutVersion is { } own)
            {
                version["server"] = "modelscout";
                version["modelscout_version"] = own;
            }
            return c.Response.WriteAsync(version.ToJsonString());
        });
        app.MapGet("/api/tags", (HttpContext c) =>
        {
            if (Tags is not { } tags)
            {
                c.Response.StatusCode = 404;
                return Task.CompletedTask;
            }
            return c.Response.WriteAsync(tags.ToJsonString());
        });
        app.MapPost("/api/show", async (HttpContext c) =>
        {
            var body = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            ShowBodies.Enqueue(body);
            if (Show?.Invoke(body) is not { } show)
            {
                c.Response.StatusCode = 404;
                await c.Response.WriteAsync("""{"error":"model not found"}""");
                return;
            }
            await c.Response.WriteAsync(show.ToJsonString());
        });
    }

    private async Task ChatAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var n = Interlocked.Increment(ref requests);
        Bodies.Enqueue(body);
        Authorizations.Enqueue(context.Request.Headers.Authorization.FirstOrDefault());
        var chars = body["messages"]!.AsArray().Sum(m => ((string?)m!["content"])?.Length ?? 0);
        var s = MaxPromptChars is { } max && chars > max
            ? Refuse(chars, max)
            : Script(body, n);
        context.Response.ContentType = "application/json";
        if (s.Status != 200)
        {
            context.Response.StatusCode = s.Status;
            if (s.RetryAfterSeconds is { } ra) context.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
            await context.Response.WriteAsync(new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = s.ErrorMessage ?? "scripted failure", ["type"] = "api_error", ["param"] = null, ["code"] = null },
            }.ToJsonString());
            return;
        }
        var choice = new JsonObject
        {
            ["index"] = 0,
            ["message"] = s.ToolCalls is null
                ? new JsonObject { ["role"] = "assistant", ["content"] = s.Text ?? "" }
                : new JsonObject { ["role"] = "assistant", ["content"] = s.Text, ["tool_calls"] = s.ToolCalls },
            ["logprobs"] = s.Logprobs is null ? null : new JsonObject { ["content"] = s.Logprobs },
            ["finish_reason"] = s.Finish,
        };
        await context.Response.WriteAsync(new JsonObject
        {
            ["id"] = "chatcmpl-" + n.ToString(CultureInfo.InvariantCulture),
            ["object"] = "chat.completion",
            ["created"] = 1,
            ["model"] = (string?)body["model"] ?? "",
            ["choices"] = new JsonArray(choice),
            ["usage"] = new JsonObject { ["prompt_tokens"] = s.PromptTokens, ["completion_tokens"] = s.CompletionTokens, ["total_tokens"] = s.PromptTokens + s.CompletionTokens },
        }.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    private Scripted Refuse(int chars, int max)
    {
        Interlocked.Increment(ref refused);
        return new Scripted(Status: 400, ErrorMessage: string.Create(CultureInfo.InvariantCulture,
            $"This model's maximum context length is {max} tokens. However, your messages resulted in {chars} tokens. Please reduce the length of the messages."));
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
