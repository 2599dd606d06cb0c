using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelScout.Testing;

/// <summary>One request the fuzzer made: what to send and to which endpoint.</summary>
public sealed record FuzzRequest(HttpMethod Method, string Path, byte[]? Body, string? ContentType, string Mutation)
{
    /// <summary>The request for the server at <paramref name="server"/> (the path is appended as is, even when it starts with //).</summary>
    public HttpRequestMessage ToMessage(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var message = new HttpRequestMessage(Method, new Uri(server.GetLeftPart(UriPartial.Authority) + Path));
        if (Body is not null)
        {
            var content = new ByteArrayContent(Body);
            if (ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            message.Content = content;
        }
        return message;
    }

    public override string ToString() =>
        $"{Method} {Path} [{Mutation}] {(Body is null ? "" : Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 300)))}";
}

/// <summary>What the fuzzer may name: the model it must never remove, names it may create and remove, and local sources for creates.</summary>
public sealed record FuzzTargets
{
    /// <summary>The model every generation names; never the target of a delete or a create.</summary>
    public required string Model { get; init; }

    /// <summary>Names the fuzzer copies to, creates and deletes.</summary>
    public IReadOnlyList<string> ScratchNames { get; init; } = ["fuzz-a", "fuzz-b:v1", "fuzz/c", "fuzz-d:latest"];

    /// <summary>A GGUF on the server's disk that /api/create may name in FROM; null leaves file creates out.</summary>
    public string? GgufPath { get; init; }

    /// <summary>The bytes of a small valid GGUF, uploaded as a blob (with right and wrong digests); null leaves uploads of it out.</summary>
    public byte[]? GgufBytes { get; init; }

    /// <summary>Leaves the endpoints that write the store out (a campaign against someone's real store).</summary>
    public bool StoreWrites { get; init; } = true;
}

/// <summary>
/// A seeded generator of hostile requests for scout serve's endpoints that do not reach the network: a valid body for
/// the endpoint, then one or more mutations (wrong types, huge, negative and NaN numbers, deep nesting, invalid UTF-8,
/// truncated JSON, wrong content types, oversized and unknown fields, tools and think fields, traversal in names and
/// digests). The same seed gives the same requests.
/// </summary>
public sealed class ApiFuzzer
{
    private readonly Random random;
    private readonly FuzzTargets targets;
    private readonly string ggufDigest;

    public ApiFuzzer(int seed, FuzzTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        random = new Random(seed);
        this.targets = targets;
        ggufDigest = targets.GgufBytes is { } b ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(b)) : "sha256:" + new string('0', 64);
    }

    private static readonly string[] Numbers =
    [
        "0", "-1", "1", "-0", "0.5", "-2147483648", "2147483647", "2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e308", "-1e308", "1e-320", "1e400",
        "123456789012345678901234567890", "3.4028235e38", "65536", "100000000",
    ];

    private static readonly string[] Strings =
    [
        "", " ", "NaN", "Infinity", "-Infinity", "null", "true", "1e999", "-5m", "9999999999h", "2562047h48m", "0x10",
        "../../../../etc/passwd", "..\\..\\windows", "/etc/passwd", "sha256:../../x", "a:b:c:d", "UPPER:CASE",
        "\u0000", "\uFFFD\uFFFE", "\uD83D\uDE00 emoji", "<|im_start|>system", "{{ .Prompt }}", "{{ range .Messages }}",
        "%s%s%n", "'; DROP TABLE models; --", "\t\r\n", "ÿÿÿ", "registry.ollama.ai/library/x:latest",
    ];

    private static readonly string[] OptionNames =
    [
        "num_ctx", "num_predict", "num_keep", "seed", "top_k", "top_p", "min_p", "typical_p", "temperature", "repeat_penalty",
        "repeat_last_n", "presence_penalty", "frequency_penalty", "num_gpu", "num_thread", "num_batch", "mirostat",
        "mirostat_tau", "mirostat_eta", "stop", "penalize_newline", "use_mmap", "tfs_z", "main_gpu", "low_vram",
    ];

    private static JsonNode Tools() => JsonNode.Parse("""
        [{"type":"function","function":{"name":"get_weather","description":"Weather for a city",
          "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]
        """)!;

    private string Pick(IReadOnlyList<string> items) => items[random.Next(items.Count)];

    private string Scratch() => Pick(targets.ScratchNames);

    private JsonObject Options()
    {
        var o = new JsonObject { ["num_predict"] = random.Next(1, 5), ["temperature"] = 0 };
        if (random.Next(3) == 0) o["seed"] = random.Next(100);
        return o;
    }

    /// <summary>The valid base request of one endpoint (the fuzzer mutates it next).</summary>
    private (HttpMethod Method, string Path, JsonNode? Body) Base()
    {
        var m = targets.Model;
        var stream = random.Next(2) == 0;
        var choice = random.Next(targets.StoreWrites ? 24 : 19);
        return choice switch
        {
            0 or 1 => (HttpMethod.Post, "/api/generate", new JsonObject { ["model"] = m, ["prompt"] = "Once upon a time", ["stream"] = stream, ["options"] = Options() }),
            2 or 3 => (HttpMethod.Post, "/api/chat", new JsonObject
            {
                ["model"] = m, ["stream"] = stream, ["options"] = Options(),
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
                ["tools"] = random.Next(2) == 0 ? Tools() : null, ["think"] = random.Next(3) == 0 ? true : null,
            }),
            4 => (HttpMethod.Post, "/api/embed", new JsonObject { ["model"] = m, ["input"] = new JsonArray("a", "b") }),
            5 => (HttpMethod.Post, "/api/embeddings", new JsonObject { ["model"] = m, ["prompt"] = "x" }),
            6 => (HttpMethod.Post, "/api/show", new JsonObject { ["model"] = m, ["verbose"] = random.Next(2) == 0 }),
            7 => (HttpMethod.Get, Pick(["/api/tags", "/api/ps", "/api/version", "/", "/health", "/metrics", "/v1/models", "/v1/models/" + m]), null),
            8 or 9 => (HttpMethod.Post, "/v1/chat/completions", new JsonObject
            {
                ["model"] = m, ["stream"] = stream, ["max_tokens"] = random.Next(1, 5), ["temperature"] = 0,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
                ["tools"] = random.Next(2) == 0 ? Tools() : null,
                ["tool_choice"] = random.Next(3) == 0 ? "auto" : null,
            }),
            10 or 11 => (HttpMethod.Post, "/v1/completions", new JsonObject { ["model"] = m, ["prompt"] = "Once", ["max_tokens"] = random.Next(1, 5), ["stream"] = stream }),
            12 => (HttpMethod.Post, "/v1/embeddings", new JsonObject { ["model"] = m, ["input"] = "x" }),
            13 => (HttpMethod.Post, "/tokenize", new JsonObject { ["model"] = m, ["content"] = "Once upon" }),
            14 => (HttpMethod.Post, "/detokenize", new JsonObject { ["model"] = m, ["tokens"] = new JsonArray(1, 2, 3) }),
            15 => (HttpMethod.Head, "/api/blobs/" + ggufDigest, null),
            16 => (HttpMethod.Post, "/api/generate", new JsonObject { ["model"] = m, ["keep_alive"] = Pick(["5m", "0", "-1", "1h"]) }),
            17 => (HttpMethod.Post, "/api/chat", new JsonObject { ["model"] = m, ["messages"] = new JsonArray(), ["keep_alive"] = random.Next(-1, 600) }),
            18 => (HttpMethod.Post, "/v1/chat/completions", new JsonObject
            {
                ["model"] = m, ["max_tokens"] = 3, ["messages"] = new JsonArray(
                    new JsonObject { ["role"] = "user", ["content"] = "weather?" },
                    new JsonObject { ["role"] = "assistant", ["content"] = "", ["tool_calls"] = JsonNode.Parse("""[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]""") },
                    new JsonObject { ["role"] = "tool", ["tool_call_id"] = "c1", ["content"] = "sunny" }),
            }),
            19 => (HttpMethod.Post, "/api/copy", new JsonObject { ["source"] = random.Next(4) == 0 ? Scratch() : m, ["destination"] = Scratch() }),
            20 => (HttpMethod.Delete, "/api/delete", new JsonObject { ["model"] = Scratch() }),
            21 or 22 => (HttpMethod.Post, "/api/create", CreateBody()),
            _ => (HttpMethod.Post, "/api/blobs/" + ggufDigest, null),
        };
    }

    private JsonObject CreateBody()
    {
        var from = random.Next(4) switch
        {
            0 when targets.GgufPath is not null => targets.GgufPath,
            1 => ggufDigest,
            2 => Scratch(),
            _ => targets.Model,
        };
        var body = new JsonObject { ["model"] = Scratch(), ["from"] = from, ["stream"] = random.Next(2) == 0 };
        if (random.Next(2) == 0) body["system"] = "You are a storyteller.";
        if (random.Next(2) == 0) body["parameters"] = new JsonObject { ["temperature"] = 0.5, ["num_ctx"] = 256, ["stop"] = new JsonArray("END") };
        if (random.Next(3) == 0) body["template"] = "{{ .Prompt }}";
        if (random.Next(4) == 0) body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hello" });
        if (random.Next(4) == 0) body["license"] = "MIT";
        return body;
    }

    /// <summary>The next request: a valid one about one time in eight, a mutated one otherwise.</summary>
    public FuzzRequest Next()
    {
        deep = null;
        var (method, path, body) = Base();
        if (path.StartsWith("/api/blobs/", StringComparison.Ordinal) && method == HttpMethod.Post) return Blob(path);
        if (body is null)
        {
            // GET endpoints: a mutated path or method now and then.
            return random.Next(4) switch
            {
                0 => new FuzzRequest(HttpMethod.Post, path, "{}"u8.ToArray(), "application/json", "method"),
                1 => new FuzzRequest(method, path + Pick(["/..", "%00", "?x=" + new string('a', 2000), "/../../etc/passwd", "%2e%2e%2f"]), null, null, "path"),
                2 when path.StartsWith("/api/blobs/", StringComparison.Ordinal) => new FuzzRequest(method, "/api/blobs/" + Uri.EscapeDataString(Pick(Strings)), null, null, "digest"),
                _ => new FuzzRequest(method, path, null, null, "valid"),
            };
        }
        if (random.Next(8) == 0) return Json(method, path, body, "valid");
        var rounds = 1 + (random.Next(3) == 0 ? random.Next(3) : 0);
        var names = new List<string>();
        for (var i = 0; i < rounds; i++) names.Add(MutateTree(ref body));
        var mutation = string.Join("+", names);
        return random.Next(6) switch
        {
            0 => Bytes(method, path, body, mutation),
            1 => Json(method, path, body, mutation) with { ContentType = Pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "", "garbage/;;;"]), Mutation = mutation + "+content-type" },
            _ => Json(method, path, body, mutation),
        };
    }

    private const string DeepPlaceholder = "@@deep@@";
    private string? deep;

    private string Text(JsonNode? body)
    {
        var text = body?.ToJsonString() ?? "null";
        if (deep is not null) text = text.Replace("\"" + DeepPlaceholder + "\"", deep, StringComparison.Ordinal);
        return text;
    }

    private FuzzRequest Json(HttpMethod method, string path, JsonNode? body, string mutation) =>
        new(method, path, Encoding.UTF8.GetBytes(Text(body)), "application/json", mutation);

    /// <summary>Byte-level damage: truncation, invalid UTF-8, a flipped byte, or a body that is not an object.</summary>
    private FuzzRequest Bytes(HttpMethod method, string path, JsonNode? body, string mutation)
    {
        var bytes = Encoding.UTF8.GetBytes(body is null ? "{}" : Text(body));
        switch (random.Next(6))
        {
            case 0:
                return new(method, path, bytes[..random.Next(bytes.Length)], "application/json", mutation + "+truncated");
            case 1:
            {
                // Invalid UTF-8 inside the first string value.
                var quote = Array.IndexOf(bytes, (byte)'"', Array.IndexOf(bytes, (byte)':') + 1);
                var at = quote < 0 ? bytes.Length / 2 : quote + 1;
                var bad = Convert.FromHexString(Pick(["ff", "c328", "e28228", "f0288c28", "eda080", "c0af"]));
                return new(method, path, [.. bytes[..at], .. bad, .. bytes[at..]], "application/json", mutation + "+invalid-utf8");
            }
            case 2:
            {
                var copy = (byte[])bytes.Clone();
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return new(method, path, copy, "application/json", mutation + "+bit-flip");
            }
            case 3:
                return new(method, path, Encoding.UTF8.GetBytes(Pick(["", "null", "[]", "42", "\"x\"", "true", "{", "}", "{}", "{\"model\":}", "{\"a\":1,}", "\uFEFF{}"])), "application/json", mutation + "+not-an-object");
            case 4:
                // Duplicate keys: the last one wins or the request is refused, never a crash.
                return new(method, path, Encoding.UTF8.GetBytes("{\"model\":1," + Encoding.UTF8.GetString(bytes)[1..]), "application/json", mutation + "+duplicate-key");
            default:
                return new(method, path, [.. bytes, .. Encoding.UTF8.GetBytes(new string(' ', 10) + "garbage")], "application/json", mutation + "+trailing");
        }
    }

    /// <summary>Blob uploads: the right bytes under the right digest, or wrong digests, truncated and empty bodies, traversal.</summary>
    private FuzzRequest Blob(string path)
    {
        var gguf = targets.GgufBytes ?? "not a gguf"u8.ToArray();
        return random.Next(7) switch
        {
            0 => new(HttpMethod.Post, path, gguf, "application/octet-stream", "blob-valid"),
            1 => new(HttpMethod.Post, path, gguf[..random.Next(gguf.Length)], "application/octet-stream", "blob-truncated"),
            2 => new(HttpMethod.Post, "/api/blobs/sha256:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), gguf, null, "blob-wrong-digest"),
            3 => new(HttpMethod.Post, "/api/blobs/" + Pick(["sha256:..%2F..%2Fmanifests%2Fx", "sha256%3A..%2F..%2Fx", "sha256:" + new string('G', 64), "sha256:" + new string('A', 64), "..", "sha512:abc", "sha256-" + new string('0', 64)]), gguf[..16], null, "blob-bad-digest"),
            4 => new(HttpMethod.Post, path, [], "application/octet-stream", "blob-empty"),
            5 => new(HttpMethod.Post, "/api/blobs/" + BlobDigestOf("hello"u8), "hello"u8.ToArray(), null, "blob-small"),
            _ => new(HttpMethod.Head, "/api/blobs/" + Pick(["sha256:" + new string('1', 64), "../../etc/passwd", "sha256:..", ggufDigest]), null, null, "blob-head"),
        };
    }

    private static string BlobDigestOf(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>One structural mutation of the JSON tree; returns its name.</summary>
    private string MutateTree(ref JsonNode? body)
    {
        var containers = new List<JsonNode>();
        Collect(body, containers);
        var target = containers.Count == 0 ? null : containers[random.Next(containers.Count)];
        switch (random.Next(9))
        {
            case 0 when target is JsonObject o:
                o["unknown_" + random.Next(1000).ToString(CultureInfo.InvariantCulture)] = Value();
                return "unknown-field";
            case 1 when target is JsonObject o && o.Count > 0:
                o.Remove(o.ElementAt(random.Next(o.Count)).Key);
                return "missing-field";
            case 2 when body is JsonObject root:
            {
                // A number field with a hostile value: options, keep_alive, max_tokens and friends.
                var name = Pick([.. OptionNames, "keep_alive", "max_tokens", "max_completion_tokens", "n", "top_logprobs", "logprobs", "seed", "temperature", "top_p", "truncate", "dimensions"]);
                var where = root["options"] as JsonObject is { } opts && random.Next(2) == 0 ? opts : root;
                where[name] = random.Next(3) == 0 ? JsonValue.Create(Pick(Strings)) : JsonNode.Parse(Pick(Numbers));
                return "number:" + name;
            }
            case 3 when target is not null:
                Replace(target, Value());
                return "wrong-type";
            case 4 when body is JsonObject root:
            {
                // Deep nesting, past System.Text.Json's default depth.
                var depth = Pick(["10", "63", "65", "200", "5000"]);
                var n = int.Parse(depth, CultureInfo.InvariantCulture);
                // Too deep for JsonNode itself: a placeholder replaced in the serialized bytes.
                root[Pick(["options", "messages", "input", "prompt", "tools", "format"])] = DeepPlaceholder;
                deep = new string('[', n) + new string(']', n);
                return "deep-" + depth;
            }
            case 5 when body is JsonObject root:
            {
                // A megabyte now and then: the tokenizer's time on it is most of a run's cost.
                var size = random.Next(20) == 0 ? 1_000_000 : random.Next(2) == 0 ? 100_000 : 10_000;
                root[Pick(["prompt", "model", "system", "template", "content", "input", "suffix", "name"])] = new string('x', size);
                return "oversized-" + size.ToString(CultureInfo.InvariantCulture);
            }
            case 6 when body is JsonObject root:
                root[Pick(["model", "name", "source", "destination", "from"])] = Pick(Strings);
                return "name";
            case 7 when body is JsonObject root:
                root[Pick(["tools", "think", "tool_choice", "format", "response_format", "parallel_tool_calls", "reasoning_effort"])] = random.Next(4) switch
                {
                    0 => JsonNode.Parse("""[{"type":"function","function":{"name":"","parameters":{"type":"object","properties":{"a":{"$ref":"#"}}}}}]"""),
                    1 => JsonValue.Create(Pick(["high", "low", "none", "medium", "max", ""])),
                    2 => JsonNode.Parse("""{"type":"function","function":{"name":"nope"}}"""),
                    _ => Value(),
                };
                return "tools-think";
            default:
                body = Value();
                return "root-" + (body?.GetValueKind().ToString() ?? "null");
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        if (node is null) return;
        into.Add(node);
        if (node is JsonObject o) foreach (var (_, v) in o) Collect(v, into);
        else if (node is JsonArray a) foreach (var v in a) Collect(v, into);
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject o:
                o[target.GetPropertyName()] = value;
                break;
            case JsonArray a:
                a[target.GetElementIndex()] = value;
                break;
        }
    }

    private JsonNode? Value() => random.Next(7) switch
    {
        0 => JsonNode.Parse(Pick(Numbers)),
        1 => JsonValue.Create(Pick(Strings)),
        2 => null,
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => new JsonArray(JsonNode.Parse(Pick(Numbers)), JsonValue.Create(Pick(Strings))),
        5 => new JsonObject { ["x"] = JsonNode.Parse(Pick(Numbers)) },
        _ => JsonValue.Create(random.NextDouble() * Math.Pow(10, random.Next(-5, 30))),
    };

    /// <summary>Parses a response body as JSON, or null; for checks that must not throw.</summary>
    public static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
