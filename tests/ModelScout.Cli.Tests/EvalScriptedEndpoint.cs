using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// A deterministic OpenAI-compatible endpoint on 127.0.0.1:0 for scout eval: it recognises the sample MMLU, GSM8K and
/// MATH items by their text and answers an item right exactly when <see cref="AnswersRight"/> says so, in the form each
/// suite extracts (Answer: X, #### N, \boxed{}). No logprobs, so auto picks MMLU's generative mode.
/// </summary>
internal sealed class EvalScriptedEndpoint : IAsyncDisposable
{
    public const string Model = "scripted-1";

    private readonly List<(string Text, string Id, string Right, string Wrong, string Suite)> items = [];
    private int answered;
    private int judged;
    private LoopbackHttpServer server = null!;

    private EvalScriptedEndpoint()
    {
        foreach (var q in MmluLoader.Load(DatasetSource.Samples).Test)
        {
            var wrong = (char)('A' + (q.Answer - 'A' + 1) % 4);
            items.Add((q.Question, q.Id, $"Let me think.\nAnswer: {q.Answer}", $"Hmm.\nAnswer: {wrong}", "mmlu"));
        }
        foreach (var p in Gsm8kLoader.Load(DatasetSource.Samples).Test)
            items.Add((p.Question, p.Id, $"Working it out.\n#### {p.Gold}", "The answer is 7, I think.\n#### 999999", "gsm8k"));
        foreach (var p in MathLoader.Load(DatasetSource.Samples).Items)
            items.Add((p.Problem, p.Id, $"So the answer is $\\boxed{{{p.Answer}}}$.", "So the answer is $\\boxed{999999}$.", "math"));
        foreach (var c in BfclLoader.Load(DatasetSource.Samples).Cases)
        {
            bfcl[c.Id] = c;
            items.Add((c.Messages[^1].Content, c.Id, "", "", "bfcl"));
        }
    }

    private readonly Dictionary<string, BfclCase> bfcl = [];

    /// <summary>Whether the endpoint answers item <paramref name="id"/> correctly: a fixed rule on the id's characters.</summary>
    public static bool AnswersRight(string id) => id.Sum(c => c) % 3 != 0;

    /// <summary>Whether <paramref name="prompt"/> is one of MT-Bench's grading prompts (the answer under review is framed in it).</summary>
    public static bool IsJudgePrompt(string prompt) =>
        prompt.Contains("[The assistant's answer]", StringComparison.Ordinal) || prompt.Contains("[End of conversation]", StringComparison.Ordinal);

    /// <summary>The rating the endpoint gives a grading prompt as a judge.</summary>
    public static int JudgeRating(string prompt) => 1 + prompt.Length % 10;

    /// <summary>Grading prompts answered as a judge.</summary>
    public int Judged => Volatile.Read(ref judged);

    /// <summary>Chat requests answered (the probe's not counted).</summary>
    public int Answered => Volatile.Read(ref answered);

    /// <summary>Called after each answered chat request with the running count.</summary>
    public Action<int>? OnAnswered { get; set; }

    public Uri BaseUri => server.Url("v1");

    /// <summary>The bare hex digest GET /api/tags lists for <see cref="Model"/>, as Ollama writes it; null: no /api/tags (404).</summary>
    public string? TagsDigest { get; set; }

    /// <summary>
    /// Null: logprobs are ignored (the default). Otherwise the most top_logprobs accepted: more is answered 400, and an
    /// MMLU reply's first token comes with that many alternatives, its letter first.
    /// </summary>
    public int? MaxTopLogprobs { get; set; }

    /// <summary>The top_logprobs of every chat request that asked for some, the probe's included.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<int> TopLogprobsAsked { get; } = new();

    /// <summary>The quantization_level GET /api/tags lists.</summary>
    public string TagsQuantization { get; set; } = "Q4_K_M";

    /// <summary>The exact score the endpoint earns on a suite's sample items.</summary>
    public double ExpectedScore(string suite)
    {
        var ids = items.Where(i => i.Suite == suite).Select(i => i.Id).ToList();
        return (double)ids.Count(AnswersRight) / ids.Count;
    }

    public void ResetCount() => Interlocked.Exchange(ref answered, 0);

    public static async Task<EvalScriptedEndpoint> StartAsync()
    {
        var endpoint = new EvalScriptedEndpoint();
        endpoint.server = await LoopbackHttpServer.StartAsync(endpoint.Map);
        return endpoint;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/v1/models", () => Results.Text($$"""{"object":"list","data":[{"id":"{{Model}}","object":"model"}]}""", "application/json"));
        app.MapPost("/v1/chat/completions", (Func<HttpContext, Task<IResult>>)ChatAsync);
        app.MapGet("/api/tags", () => TagsDigest is not { } digest
            ? Results.NotFound()
            : Results.Text($$$"""{"models":[{"name":"{{{Model}}}","model":"{{{Model}}}","digest":"{{{digest}}}","details":{"format":"gguf","quantization_level":"{{{TagsQuantization}}}"}}]}""", "application/json"));
    }

    private async Task<IResult> ChatAsync(HttpContext context)
    {
        using var doc = await JsonDocument.ParseAsync(context.Request.Body);
        var messages = doc.RootElement.GetProperty("messages");
        var last = messages[messages.GetArrayLength() - 1].GetProperty("content").GetString() ?? "";
        var top = doc.RootElement.TryGetProperty("top_logprobs", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : 0;
        if (top > 0) TopLogprobsAsked.Enqueue(top);
        if (top > MaxTopLogprobs)
            return Results.Text($$$"""{"error":{"message":"top_logprobs must be at most {{{MaxTopLogprobs}}}"}}""", "application/json", Encoding.UTF8, 400);
        string reply;
        if (last == "Say A.")
        {
            reply = "A";
        }
        else if (IsJudgePrompt(last))
        {
            // As a judge: a verdict with a rating from 1 to 10 fixed by the prompt, so a rerun gives the same one.
            reply = $"A short answer; it could say more. Rating: [[{JudgeRating(last)}]]";
            Interlocked.Increment(ref judged);
        }
        else
        {
            // The longest item text the prompt contains: one question's text is never cut short by another's.
            var match = items.Where(i => last.Contains(i.Text, StringComparison.Ordinal)).OrderByDescending(i => i.Text.Length).FirstOrDefault();
            if (match.Id is null) return Results.Text("""{"error":{"message":"the scripted endpoint does not know this prompt"}}""", "application/json", Encoding.UTF8, 400);
            var count = Interlocked.Increment(ref answered);
            OnAnswered?.Invoke(count);
            if (match.Suite == "bfcl") return ToolCalls(bfcl[match.Id], doc.RootElement);
            reply = AnswersRight(match.Id) ? match.Right : match.Wrong;
        }
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "chatcmpl-scripted",
            ["object"] = "chat.completion",
            ["created"] = 0,
            ["model"] = Model,
            ["choices"] = new object[] { Choice(reply, MaxTopLogprobs is null ? 0 : top) },
            ["usage"] = new Dictionary<string, int> { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        });
        return Results.Text(body, "application/json");
    }

    // BFCL: the right calls as OpenAI frames them (arguments as JSON text), or the right function with no arguments
    // (a missing required parameter). Refused unless the request offered the case's functions with tool choice auto.
    private static IResult ToolCalls(BfclCase c, JsonElement request)
    {
        if (!request.TryGetProperty("tools", out var tools) || tools.GetArrayLength() != c.Functions.Count
            || request.GetProperty("tool_choice").GetString() != "auto")
            return Results.Text("""{"error":{"message":"expected the case's tools with tool_choice auto"}}""", "application/json", Encoding.UTF8, 400);
        var calls = BfclChecker.ReferenceCalls(c);
        var right = AnswersRight(c.Id);
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "chatcmpl-scripted",
            ["object"] = "chat.completion",
            ["created"] = 0,
            ["model"] = Model,
            ["choices"] = new object[]
            {
                new Dictionary<string, object?>
                {
                    ["index"] = 0,
                    ["message"] = new Dictionary<string, object?>
                    {
                        ["role"] = "assistant",
                        ["content"] = null,
                        ["tool_calls"] = calls.Select((call, i) => new Dictionary<string, object>
                        {
                            ["id"] = "call_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            ["type"] = "function",
                            ["function"] = new Dictionary<string, string> { ["name"] = call.Name, ["arguments"] = right ? call.ArgumentsJson : "{}" },
                        }).ToArray(),
                    },
                    ["finish_reason"] = "tool_calls",
                },
            },
            ["usage"] = new Dictionary<string, int> { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        });
        return Results.Text(body, "application/json");
    }

    // The reply's letter (its last character for MMLU's "Answer: X") first among `top` alternatives, the others after.
    private static Dictionary<string, object> Choice(string reply, int top)
    {
        var choice = new Dictionary<string, object> { ["index"] = 0, ["message"] = new Dictionary<string, string> { ["role"] = "assistant", ["content"] = reply }, ["finish_reason"] = "stop" };
        if (top == 0) return choice;
        var letter = reply[^1];
        var tokens = new List<string> { letter.ToString() };
        tokens.AddRange("ABCD".Where(c => c != letter).Select(c => c.ToString()));
        for (var i = 0; tokens.Count < top; i++) tokens.Add("word" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var letters = tokens.Take(top).Select((tok, i) => new Dictionary<string, object> { ["token"] = " " + tok, ["logprob"] = -0.5 - i });
        choice["logprobs"] = new Dictionary<string, object>
        {
            ["content"] = new object[] { new Dictionary<string, object> { ["token"] = " " + letter, ["logprob"] = -0.5, ["top_logprobs"] = letters.ToArray() } },
        };
        return choice;
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
