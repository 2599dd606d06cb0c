using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ModelScout.LoadTest;

/// <summary>The streaming protocol an endpoint speaks.</summary>
public enum StreamFormat
{
    /// <summary>OpenAI <c>/v1/chat/completions</c> with Server-Sent Events.</summary>
    OpenAIChat,

    /// <summary>Ollama <c>/api/chat</c> with newline-delimited JSON.</summary>
    OllamaChat,
}

/// <summary>One chat turn of a prompt that carries a conversation.</summary>
public sealed record BenchMessage(string Role, string Content);

/// <summary>What to send: one user turn (or <see cref="Messages"/>) and an output cap.</summary>
public sealed record BenchPrompt(string Model, string Prompt, int MaxTokens)
{
    /// <summary>Chat turns sent instead of <see cref="Prompt"/> when set (from a prompts file).</summary>
    public IReadOnlyList<BenchMessage>? Messages { get; init; }

    /// <summary>
    /// Ask the server to generate exactly <see cref="MaxTokens"/>: vLLM's extras <c>min_tokens</c> and <c>ignore_eos</c>
    /// for OpenAI endpoints. Off by default, since other servers may reject unknown fields.
    /// </summary>
    public bool IgnoreEos { get; init; }
}

/// <summary>
/// Sends one streaming chat request and records a <see cref="RequestSample"/>. The stream is parsed line by line as it
/// arrives, so a chunk's timestamp is the moment its bytes were read, not the end of the response. Every failure of the
/// request (status, reset, timeout, bad chunk) comes back as a failed sample; only the caller's own cancellation throws.
/// </summary>
public sealed class StreamingClient
{
    private const int MaxLineBytes = 1 << 20;
    private const int ExcerptBytes = 300;

    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly StreamFormat format;
    private readonly TimeSpan timeout;

    /// <param name="http">Shared client; its own Timeout should be infinite, since <paramref name="timeout"/> applies here.</param>
    /// <param name="baseAddress">The server's root, e.g. <c>http://127.0.0.1:11434/</c>.</param>
    /// <param name="format">Which API to call under the root.</param>
    /// <param name="timeout">Limit for the whole request, headers to last chunk.</param>
    public StreamingClient(HttpClient http, Uri baseAddress, StreamFormat format, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), "the timeout must be positive");
        this.http = http;
        this.format = format;
        this.timeout = timeout;
        endpoint = new Uri(baseAddress, format == StreamFormat.OpenAIChat ? "v1/chat/completions" : "api/chat");
    }

    /// <summary>Sends <paramref name="prompt"/> and measures the stream.</summary>
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellationToken"/> is cancelled.</exception>
    public async Task<RequestSample> SendAsync(BenchPrompt prompt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var body = RequestBody(prompt);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var state = new StreamState(format);
        var start = Stopwatch.GetTimestamp();
        RequestFailure? failure;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var excerpt = await ExcerptAsync(response, timeoutSource.Token).ConfigureAwait(false);
                failure = new RequestFailure(FailureKind.HttpStatus, $"HTTP {(int)response.StatusCode}: {excerpt}", (int)response.StatusCode);
            }
            else
            {
                var stream = await response.Content.ReadAsStreamAsync(timeoutSource.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    failure = await ReadLinesAsync(stream, state, timeoutSource.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            failure = new RequestFailure(FailureKind.Timeout, $"no complete answer within {timeout.TotalMilliseconds:0} ms");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            failure = new RequestFailure(FailureKind.ConnectionReset, e.Message, Refused: IsRefused(e));
        }
        var end = Stopwatch.GetTimestamp();
        return state.ToSample(start, end, failure);
    }

    // Refused: the socket error says so, somewhere down the chain of inner exceptions.
    private static bool IsRefused(Exception e)
    {
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
            if (x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused }) return true;
        return false;
    }

    // Written with Utf8JsonWriter rather than the wire records: the vLLM extras have no place in those, and the body
    // stays one allocation-light pass.
    private byte[] RequestBody(BenchPrompt prompt)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + prompt.Prompt.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", prompt.Model);
            json.WriteStartArray("messages");
            if (prompt.Messages is { Count: > 0 } messages)
            {
                foreach (var message in messages) Message(json, message.Role, message.Content);
            }
            else
            {
                Message(json, "user", prompt.Prompt);
            }
            json.WriteEndArray();
            json.WriteBoolean("stream", true);
            if (format == StreamFormat.OpenAIChat)
            {
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
                json.WriteNumber("max_tokens", prompt.MaxTokens);
                if (prompt.IgnoreEos)
                {
                    json.WriteNumber("min_tokens", prompt.MaxTokens);
                    json.WriteBoolean("ignore_eos", true);
                }
            }
            else
            {
                json.WriteStartObject("options");
                json.WriteNumber("num_predict", prompt.MaxTokens);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void Message(Utf8JsonWriter json, string role, string content)
    {
        json.WriteStartObject();
        json.WriteString("role", role);
        json.WriteString("content", content);
        json.WriteEndObject();
    }

    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[ExcerptBytes];
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var filled = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return Encoding.UTF8.GetString(buffer, 0, filled).Trim();
        }
    }

    private static async Task<RequestFailure?> ReadLinesAsync(Stream stream, StreamState state, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxLineBytes) return new RequestFailure(FailureKind.MalformedChunk, $"a line longer than {MaxLineBytes} bytes");
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                var readAt = Stopwatch.GetTimestamp();
                if (read == 0)
                {
                    // A last line without its newline still counts.
                    if (filled > 0 && state.Line(buffer.AsMemory(0, filled), readAt) is { } lastFailure) return lastFailure;
                    return state.Finished ? null : new RequestFailure(FailureKind.Truncated, "the stream ended before its end marker");
                }
                filled += read;
                var consumed = 0;
                int newline;
                while ((newline = buffer.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n')) >= 0)
                {
                    var lineFailure = state.Line(buffer.AsMemory(consumed, newline), readAt);
                    consumed += newline + 1;
                    if (lineFailure is not null) return lineFailure;
                    if (state.Finished) return null;
                }
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What has been read of one stream so far.</summary>
    private sealed class StreamState(StreamFormat format)
    {
        private readonly List<long> contentTimestamps = [];
        private int? usageTokens;
        private int? evalCount;
        private int? promptTokens;

        public bool Finished { get; private set; }

        public RequestFailure? Line(ReadOnlyMemory<byte> line, long readAt)
        {
            var span = line.Span;
            if (span.Length > 0 && span[^1] == (byte)'\r') line = line[..^1];
            span = line.Span;
            if (span.IsEmpty) return null;
            if (format == StreamFormat.OpenAIChat)
            {
                // SSE: only data lines carry chunks; comments, event and id lines are skipped.
                if (!span.StartsWith("data:"u8)) return null;
                line = line[5..];
                if (line.Span.Length > 0 && line.Span[0] == (byte)' ') line = line[1..];
                if (line.Span.SequenceEqual("[DONE]"u8))
                {
                    Finished = true;
                    return null;
                }
            }
            try
            {
                using var document = JsonDocument.Parse(line);
                return format == StreamFormat.OpenAIChat ? OpenAIChunk(document.RootElement, readAt) : OllamaChunk(document.RootElement, readAt);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                return new RequestFailure(FailureKind.MalformedChunk, $"{e.Message} in: {Excerpt(line.Span)}");
            }
        }

        private RequestFailure? OpenAIChunk(JsonElement chunk, long readAt)
        {
            if (chunk.ValueKind != JsonValueKind.Object) return new RequestFailure(FailureKind.MalformedChunk, "a chunk that is not a JSON object");
            if (chunk.TryGetProperty("error", out var error)) return new RequestFailure(FailureKind.StreamError, error.ToString());
            if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.TryGetProperty("delta", out var delta)
                        && (NonEmptyString(delta, "content") || NonEmptyString(delta, "reasoning_content") || NonEmptyString(delta, "reasoning")))
                    {
                        contentTimestamps.Add(readAt);
                        break;
                    }
                }
            }
            if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                if (usage.TryGetProperty("completion_tokens", out var completion)) usageTokens = completion.GetInt32();
                if (usage.TryGetProperty("prompt_tokens", out var prompt)) promptTokens = prompt.GetInt32();
            }
            return null;
        }

        private RequestFailure? OllamaChunk(JsonElement chunk, long readAt)
        {
            if (chunk.ValueKind != JsonValueKind.Object) return new RequestFailure(FailureKind.MalformedChunk, "a chunk that is not a JSON object");
            if (chunk.TryGetProperty("error", out var error)) return new RequestFailure(FailureKind.StreamError, error.ToString());
            if (chunk.TryGetProperty("message", out var message)
                && (NonEmptyString(message, "content") || NonEmptyString(message, "thinking")))
            {
                contentTimestamps.Add(readAt);
            }
            if (chunk.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True)
            {
                if (chunk.TryGetProperty("eval_count", out var eval)) evalCount = eval.GetInt32();
                if (chunk.TryGetProperty("prompt_eval_count", out var prompt)) promptTokens = prompt.GetInt32();
                Finished = true;
            }
            return null;
        }

        private static bool NonEmptyString(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object
            && parent.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 };

        private static string Excerpt(ReadOnlySpan<byte> line) =>
            Encoding.UTF8.GetString(line[..Math.Min(line.Length, ExcerptBytes)]);

        public RequestSample ToSample(long start, long end, RequestFailure? failure)
        {
            var (tokens, source) = usageTokens is { } usage ? (usage, TokenCountSource.Usage)
                : evalCount is { } eval ? (eval, TokenCountSource.OllamaEvalCount)
                : (contentTimestamps.Count, TokenCountSource.CountedChunks);
            return new RequestSample
            {
                StartTimestamp = start,
                EndTimestamp = end,
                ContentTimestamps = contentTimestamps,
                OutputTokens = tokens,
                OutputTokenSource = source,
                PromptTokens = promptTokens,
                Failure = failure,
            };
        }
    }
}
