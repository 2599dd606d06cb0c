using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Clients;

public sealed class OpenAIEndpointChatClientTests : IAsyncLifetime, IDisposable
{
    private ScriptedEndpoint endpoint = null!;
    private readonly HttpClient http = new();
    private readonly List<TimeSpan> waits = [];

    public async Task InitializeAsync() => endpoint = await ScriptedEndpoint.StartAsync();

    public async Task DisposeAsync() => await endpoint.DisposeAsync();

    public void Dispose() => http.Dispose();

    private RetryingChatClient Client(int maxAttempts = 4) => new RetryingChatClient(
        new OpenAIEndpointChatClient(endpoint.BaseUri, "scripted", "sk-test", http),
        new RetryOptions
        {
            MaxAttempts = maxAttempts,
            BaseDelay = TimeSpan.FromMilliseconds(1),
            Delay = (d, _) =>
            {
                lock (waits) waits.Add(d);
                return Task.CompletedTask;
            },
        });

    private static JsonArray Logprobs() => JsonNode.Parse("""
        [{"token":" B","logprob":-0.1,"bytes":[32,66],"top_logprobs":[{"token":" B","logprob":-0.1,"bytes":[32,66]},{"token":" A","logprob":-2.5,"bytes":[32,65]},{"token":" C","logprob":-3.0,"bytes":null}]}]
        """)!.AsArray();

    [Fact]
    public async Task Sends_the_request_fields_and_maps_text_usage_finish_and_logprobs()
    {
        endpoint.Script = (_, _) => new Scripted(Text: "B", Finish: "length", Logprobs: Logprobs(), PromptTokens: 21, CompletionTokens: 1);
        var request = new ModelRequest(0, [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Pick é+")], 1,
            Temperature: 0, Seed: 5, Stop: ["\n", "Q:"], TopLogprobs: 5);
        using var client = Client();
        var response = await client.GetResponseAsync(request.Messages, ModelReplies.Options(request));
        var reply = ModelReplies.From(response, TimeSpan.FromMilliseconds(3));

        var body = Assert.Single(endpoint.Bodies);
        Assert.Equal("scripted", (string?)body["model"]);
        Assert.Equal(1, (int?)body["max_tokens"]);
        Assert.Equal(0, (double?)body["temperature"]);
        Assert.Equal(5, (int?)body["seed"]);
        Assert.Equal(["\n", "Q:"], body["stop"]!.AsArray().Select(s => (string?)s));
        Assert.True((bool?)body["logprobs"]);
        Assert.Equal(5, (int?)body["top_logprobs"]);
        Assert.False((bool?)body["stream"]);
        Assert.Equal("system", (string?)body["messages"]![0]!["role"]);
        Assert.Equal("Pick é+", (string?)body["messages"]![1]!["content"]);
        Assert.Equal("Bearer sk-test", Assert.Single(endpoint.Authorizations));

        Assert.Equal("B", reply.Text);
        Assert.Equal("length", reply.FinishReason);
        Assert.Equal(21, reply.PromptTokens);
        Assert.Equal(1, reply.CompletionTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(3), reply.Latency);
        Assert.Contains("\"chatcmpl-1\"", reply.Raw, StringComparison.Ordinal);
        var first = Assert.Single(reply.Logprobs!);
        Assert.Equal([new TokenChoice(" B", -0.1), new TokenChoice(" A", -2.5), new TokenChoice(" C", -3.0)], first);
        Assert.Equal(1, ModelReplies.Attempts(response));
    }

    [Fact]
    public async Task Without_top_logprobs_none_are_asked_for()
    {
        using var client = Client();
        var request = new ModelRequest(0, [new ChatMessage(ChatRole.User, "hi")], 3);
        var reply = ModelReplies.From(await client.GetResponseAsync(request.Messages, ModelReplies.Options(request)), TimeSpan.Zero);
        var body = Assert.Single(endpoint.Bodies);
        Assert.Null(body["logprobs"]);
        Assert.Null(body["top_logprobs"]);
        Assert.Null(body["stop"]);
        Assert.Null(reply.Logprobs);
    }

    [Fact]
    public async Task A_500_is_retried_and_the_attempts_are_recorded()
    {
        endpoint.Script = (_, n) => n == 1 ? new Scripted(Status: 500) : new Scripted(Text: "fine");
        using var client = Client();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]);
        Assert.Equal("fine", response.Text);
        Assert.Equal(2, endpoint.Requests);
        Assert.Equal(2, ModelReplies.Attempts(response));
        Assert.Single(waits);
    }

    [Fact]
    public async Task A_429_waits_at_least_its_Retry_After()
    {
        endpoint.Script = (_, n) => n == 1 ? new Scripted(Status: 429, RetryAfterSeconds: 3, ErrorMessage: "slow down") : new Scripted(Text: "ok");
        using var client = Client();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]);
        Assert.Equal("ok", response.Text);
        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(waits));
    }

    [Fact]
    public async Task Transient_failures_give_up_after_the_maximum_attempts()
    {
        endpoint.Script = (_, _) => new Scripted(Status: 503, ErrorMessage: "server busy");
        using var client = Client(maxAttempts: 3);
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        Assert.Equal(3, e.Attempts);
        Assert.Equal(3, endpoint.Requests);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Status);
        Assert.Contains("server busy", e.Message, StringComparison.Ordinal);
        // Exponential: each wait's jitter window is [0.5, 1.5) of 1, 2 ms.
        Assert.Equal(2, waits.Count);
    }

    private RetryingChatClient Breaker(FakeTimeProvider time) => new(
        new OpenAIEndpointChatClient(endpoint.BaseUri, "scripted", "sk-test", http),
        new RetryOptions
        {
            MaxAttempts = 2,
            BaseDelay = TimeSpan.FromMilliseconds(1),
            Delay = (d, _) =>
            {
                lock (waits) waits.Add(d);
                return Task.CompletedTask;
            },
            BreakAfter = 4,
            BreakFor = TimeSpan.FromSeconds(30),
            Time = time,
        });

    [Fact]
    public async Task After_enough_transient_failures_in_a_row_the_circuit_opens_and_fails_fast_until_the_break_ends()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero));
        endpoint.Script = (_, _) => new Scripted(Status: 503, ErrorMessage: "server busy");
        using var client = Breaker(time);
        for (var i = 0; i < 2; i++)
        {
            var failed = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
            Assert.Contains("server busy", failed.Message, StringComparison.Ordinal);
            Assert.Equal(2, failed.Attempts);
        }
        Assert.Equal(4, endpoint.Requests);

        // Open: nothing is sent, the message says the endpoint is down and when it is tried again.
        time.Advance(TimeSpan.FromSeconds(10));
        var down = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        Assert.Equal(4, endpoint.Requests);
        Assert.Equal(0, down.Attempts);
        Assert.True(down.Transient);
        Assert.Contains(endpoint.BaseUri + " is down: 4 requests in a row failed", down.Message, StringComparison.Ordinal);
        Assert.Contains("server busy", down.Message, StringComparison.Ordinal);
        Assert.Contains("until 10:00:30 UTC (in 20 s)", down.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(20), down.RetryAfter);

        // After the break one request tries the endpoint; it answers, so the circuit closes again.
        endpoint.Script = (_, _) => new Scripted(Text: "back");
        time.Advance(TimeSpan.FromSeconds(21));
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]);
        Assert.Equal("back", response.Text);
        Assert.Equal(1, ModelReplies.Attempts(response));
        Assert.Equal("back", (await client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")])).Text);
        Assert.Equal(6, endpoint.Requests);
    }

    [Fact]
    public async Task A_failed_trial_after_the_break_opens_the_circuit_again()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero));
        endpoint.Script = (_, _) => new Scripted(Status: 502, ErrorMessage: "bad gateway");
        using var client = Breaker(time);
        for (var i = 0; i < 2; i++) await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        time.Advance(TimeSpan.FromSeconds(31));
        var trial = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        Assert.Contains("bad gateway", trial.Message, StringComparison.Ordinal);
        Assert.Equal(5, endpoint.Requests);
        var down = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        Assert.Contains(" is down: ", down.Message, StringComparison.Ordinal);
        Assert.Equal(5, endpoint.Requests);
    }

    [Fact]
    public async Task Non_transient_errors_never_open_the_circuit()
    {
        var time = new FakeTimeProvider();
        endpoint.Script = (_, _) => new Scripted(Status: 404, ErrorMessage: "model not found");
        using var client = Breaker(time);
        for (var i = 0; i < 6; i++)
        {
            var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
            Assert.Contains("model not found", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(6, endpoint.Requests);
    }

    [Fact]
    public void A_Retry_After_is_waited_at_least_and_capped_by_the_maximum_delay()
    {
        using var client = new RetryingChatClient(new OpenAIEndpointChatClient(endpoint.BaseUri, "m", http: http),
            new RetryOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) });
        Assert.Null(client.RetryAfterWait(0, null));
        Assert.Equal(TimeSpan.FromSeconds(3), client.RetryAfterWait(0, TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(8), client.RetryAfterWait(3, TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(10), client.RetryAfterWait(0, TimeSpan.FromSeconds(120)));
    }

    [Theory]
    [InlineData(400, "bad field", false)]
    [InlineData(400, "This model's maximum context length is 2048 tokens. However, you requested 4000 tokens", true)]
    [InlineData(400, "the prompt is 900 tokens but the context window is 256; shorten it or raise num_ctx", true)]
    [InlineData(401, "Invalid API Key", false)]
    [InlineData(404, "model not found", false)]
    public async Task Non_transient_errors_fail_at_once(int status, string message, bool tooLong)
    {
        endpoint.Script = (_, _) => new Scripted(Status: status, ErrorMessage: message);
        using var client = Client();
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        Assert.Equal(1, endpoint.Requests);
        Assert.Equal(1, e.Attempts);
        Assert.False(e.Transient);
        Assert.Equal(tooLong, e.PromptTooLong);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        if (status == 401) Assert.Contains("--api-key", e.Message, StringComparison.Ordinal);
        Assert.Empty(waits);
    }

    [Fact]
    public async Task A_refused_connection_is_transient()
    {
        var closed = new Uri("http://127.0.0.1:1/v1");
        using var client = new OpenAIEndpointChatClient(closed, "m", http: http);
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "x")]));
        Assert.True(e.Transient);
        Assert.Null(e.Status);
        Assert.Contains("is the server running", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_lists_the_served_models_when_the_model_is_missing()
    {
        endpoint.Models = ["llama3.1:8b", "qwen3:8b"];
        var e = await Assert.ThrowsAsync<EndpointException>(() => EndpointProbe.ProbeAsync(endpoint.BaseUri, "gpt-4o", null, http));
        Assert.Contains("llama3.1:8b, qwen3:8b", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, endpoint.Requests);
    }

    [Fact]
    public async Task Probe_reads_the_version_and_finds_whether_logprobs_work()
    {
        endpoint.Models = ["scripted"];
        endpoint.OllamaVersion = "0.12.3";
        endpoint.Script = (b, _) => b["top_logprobs"] is null ? new Scripted(Text: "A") : new Scripted(Text: "B", Logprobs: Logprobs());
        var info = await EndpointProbe.ProbeAsync(endpoint.BaseUri, "scripted", null, http);
        Assert.True(info.LogprobsSupported);
        Assert.Equal("ollama", info.Server);
        Assert.Equal("0.12.3", info.ServerVersion);
        Assert.Equal(["scripted"], info.Models);
        var probe = Assert.Single(endpoint.Bodies);
        Assert.Equal(1, (int?)probe["max_tokens"]);

        endpoint.OllamaVersion = null;
        endpoint.Script = (_, _) => new Scripted(Text: "A");
        var without = await EndpointProbe.ProbeAsync(endpoint.BaseUri, "scripted", null, http);
        Assert.False(without.LogprobsSupported);
        Assert.Null(without.ServerVersion);
    }

    [Fact]
    public async Task Probe_tells_scout_serve_from_ollama_by_the_server_field_of_its_version()
    {
        endpoint.Models = ["scripted"];
        endpoint.OllamaVersion = "0.12.0";
        endpoint.ModelScoutVersion = "0.1.0";
        var scout = await EndpointProbe.ProbeAsync(endpoint.BaseUri, "scripted", null, http);
        Assert.Equal("modelscout", scout.Server);
        Assert.Equal("0.1.0", scout.ServerVersion);

        endpoint.ModelScoutVersion = null;
        var ollama = await EndpointProbe.ProbeAsync(endpoint.BaseUri, "scripted", null, http);
        Assert.Equal("ollama", ollama.Server);
        Assert.Equal("0.12.0", ollama.ServerVersion);
    }

    [Fact]
    public void The_root_drops_the_version_segment()
    {
        Assert.Equal(new Uri("http://h:11434/"), EndpointProbe.Root(new Uri("http://h:11434/v1")));
        Assert.Equal(new Uri("http://h:11434/"), EndpointProbe.Root(new Uri("http://h:11434/v1/")));
        Assert.Equal(new Uri("http://h/x/chat/completions"), OpenAIEndpointChatClient.Combine(new Uri("http://h/x"), "chat/completions"));
    }

    private static ModelRequest ToolRequest() => new(0, [new ChatMessage(ChatRole.User, "Weather in Oslo and Rome?")], 64, Tools:
    [
        new EvalTool("weather_current", "The weather now.", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
        new EvalTool("stock_quote", "", """{"type":"object","properties":{"symbol":{"type":"string"}}}"""),
    ]);

    [Fact]
    public async Task Sends_tools_as_openai_function_tools_with_tool_choice_auto_and_reads_tool_calls()
    {
        endpoint.Script = (_, _) => new Scripted(Finish: "tool_calls", ToolCalls: JsonNode.Parse("""
            [{"id":"call_a","type":"function","function":{"name":"weather_current","arguments":"{\"city\": \"Oslo\"}"}},
             {"id":"call_b","type":"function","function":{"name":"weather_current","arguments":{"city":"Rome"}}},
             {"id":"call_c","type":"function","function":{"name":"weather_current","arguments":"{\"city\": \"Ro"}}]
            """)!.AsArray());
        var request = ToolRequest();
        using var client = Client();
        var reply = ModelReplies.From(await client.GetResponseAsync(request.Messages, ModelReplies.Options(request)), TimeSpan.Zero);

        var body = Assert.Single(endpoint.Bodies);
        var tools = body["tools"]!.AsArray();
        Assert.Equal(2, tools.Count);
        Assert.Equal("function", (string?)tools[0]!["type"]);
        Assert.Equal("weather_current", (string?)tools[0]!["function"]!["name"]);
        Assert.Equal("The weather now.", (string?)tools[0]!["function"]!["description"]);
        Assert.Equal("string", (string?)tools[0]!["function"]!["parameters"]!["properties"]!["city"]!["type"]);
        Assert.Equal("city", (string?)tools[0]!["function"]!["parameters"]!["required"]![0]);
        Assert.Null(tools[1]!["function"]!["description"]);
        Assert.Equal("auto", (string?)body["tool_choice"]);

        Assert.Equal("tool_calls", reply.FinishReason);
        Assert.Equal(
            [new EvalToolCall("weather_current", "{\"city\": \"Oslo\"}"), new EvalToolCall("weather_current", "{\"city\":\"Rome\"}"),
             new EvalToolCall("weather_current", "{\"city\": \"Ro")],
            reply.ToolCalls!);
    }

    [Fact]
    public async Task A_plain_request_sends_no_tools_and_a_reply_without_calls_has_none()
    {
        endpoint.Script = (_, _) => new Scripted(Text: "hi");
        var request = new ModelRequest(0, [new ChatMessage(ChatRole.User, "hello")], 8);
        using var client = Client();
        var reply = ModelReplies.From(await client.GetResponseAsync(request.Messages, ModelReplies.Options(request)), TimeSpan.Zero);
        var body = Assert.Single(endpoint.Bodies);
        Assert.False(body.ContainsKey("tools"));
        Assert.False(body.ContainsKey("tool_choice"));
        Assert.Null(reply.ToolCalls);
        Assert.Equal("hi", reply.Text);
    }

    [Fact]
    public async Task Tool_modes_a_tool_loop_history_and_a_nameless_call_map_to_the_wire_as_openai_defines_them()
    {
        var request = ToolRequest();
        var history = new List<ChatMessage>
        {
            new(ChatRole.User, "Weather in Oslo?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_1", "weather_current", new Dictionary<string, object?> { ["city"] = "Oslo" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "12 C, rain")]),
        };
        using var client = Client(maxAttempts: 1);
        var modes = new (ChatToolMode Mode, string Wire)[]
        {
            (ChatToolMode.None, "\"none\""),
            (ChatToolMode.RequireAny, "\"required\""),
            (ChatToolMode.RequireSpecific("stock_quote"), """{"type":"function","function":{"name":"stock_quote"}}"""),
        };
        foreach (var (mode, _) in modes)
        {
            var options = ModelReplies.Options(request);
            options.ToolMode = mode;
            await client.GetResponseAsync(history, options);
        }
        Assert.Equal(modes.Select(m => m.Wire), endpoint.Bodies.Select(b => b["tool_choice"]!.ToJsonString()));
        var messages = endpoint.Bodies.First()["messages"]!.AsArray();
        var call = messages[1]!["tool_calls"]![0]!;
        Assert.Equal(("call_1", "function", "weather_current", "{\"city\":\"Oslo\"}"),
            ((string?)call["id"], (string?)call["type"], (string?)call["function"]!["name"], (string?)call["function"]!["arguments"]));
        Assert.Equal(("tool", "call_1", "12 C, rain"), ((string?)messages[2]!["role"], (string?)messages[2]!["tool_call_id"], (string?)messages[2]!["content"]));

        endpoint.Script = (_, _) => new Scripted(ToolCalls: JsonNode.Parse("""[{"id":"x","type":"function","function":{"arguments":"{}"}}]""")!.AsArray());
        var e = await Assert.ThrowsAsync<EndpointException>(() => client.GetResponseAsync(request.Messages, ModelReplies.Options(request)));
        Assert.Contains("tool call that has no function name", e.Message, StringComparison.Ordinal);
    }
}
