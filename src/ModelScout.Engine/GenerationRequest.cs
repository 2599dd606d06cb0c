using ModelScout.Prompting;

namespace ModelScout.Engine;

/// <summary>How the output must be shaped. Null means free text.</summary>
public abstract record OutputConstraint
{
    private OutputConstraint() { }

    /// <summary>Any JSON value (Ollama <c>format: "json"</c>, OpenAI <c>json_object</c>).</summary>
    public sealed record AnyJson : OutputConstraint;

    /// <summary>JSON that validates against <paramref name="Schema"/> (Ollama <c>format: {schema}</c>, OpenAI <c>json_schema</c>).</summary>
    public sealed record JsonSchema(string Schema) : OutputConstraint;

    /// <summary>A raw GBNF grammar with root rule <c>root</c>.</summary>
    public sealed record Grammar(string Gbnf) : OutputConstraint;
}

/// <summary>
/// One generation: a chat (<see cref="Messages"/>) or a raw completion (<see cref="Prompt"/>), with options that override the
/// model's own defaults (its Modelfile PARAMETERs), which override <see cref="ModelOptions.Defaults"/>.
/// </summary>
public sealed class GenerationRequest
{
    /// <summary>Model name as the store knows it (<c>llama3.1:8b</c>) or a path to a GGUF file.</summary>
    public required string Model { get; init; }

    /// <summary>Chat turns, rendered through the model's chat template. Exactly one of Messages and Prompt is set.</summary>
    public IReadOnlyList<ChatTurn>? Messages { get; init; }

    /// <summary>Completion prompt. With <see cref="Raw"/> false and a template present it is wrapped as one user turn.</summary>
    public string? Prompt { get; init; }

    /// <summary>System prompt that replaces the model's default system message.</summary>
    public string? System { get; init; }

    /// <summary>Send <see cref="Prompt"/> to the model as is, without any template.</summary>
    public bool Raw { get; init; }

    /// <summary>Sampling and context options given with this request; nulls fall back to the model's defaults.</summary>
    public ModelOptions Options { get; init; } = new();

    /// <summary>Output constraint (JSON, JSON schema, grammar).</summary>
    public OutputConstraint? Format { get; init; }

    /// <summary>Report the log-probability of each generated token.</summary>
    public bool Logprobs { get; init; }

    /// <summary>How many alternatives to report per position (0-20); implies <see cref="Logprobs"/>.</summary>
    public int TopLogprobs { get; init; }

    /// <summary>
    /// When the prompt does not fit the context: true keeps the first <c>num_keep</c> tokens and the end (Ollama's
    /// behaviour), false fails with <see cref="InferenceErrorKind.InvalidRequest"/> (llama.cpp server's and OpenAI's).
    /// </summary>
    public bool TruncatePrompt { get; init; }

    /// <summary>Echo: how long the model stays loaded after this request (null = server default, negative = forever, zero = unload after).</summary>
    public TimeSpan? KeepAlive { get; init; }

    /// <summary>Functions the model may call (chat only). The model's template shows them to it and its replies are parsed for calls.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>The tools the model is shown: none under <see cref="ToolChoice.None"/>, else <see cref="Tools"/>.</summary>
    public IReadOnlyList<ToolDefinition> OfferedTools => ToolChoice is ToolChoice.NoneChoice ? [] : Tools;

    /// <summary>Whether the model must call a tool; Required and a named Function are enforced with a grammar.</summary>
    public ToolChoice ToolChoice { get; init; } = ToolChoice.Auto;

    /// <summary>Allow several calls in one reply (OpenAI's <c>parallel_tool_calls</c>, default true).</summary>
    public bool ParallelToolCalls { get; init; } = true;

    /// <summary>Reasoning on, off or at a level; null leaves it to the model's template.</summary>
    public ThinkSetting? Think { get; init; }

    /// <summary>
    /// When the context fills during generation: true keeps the first <c>num_keep</c> tokens, drops half of the rest and
    /// goes on (Ollama's behaviour), false ends the generation with <see cref="DoneReason.Length"/>; null (the default)
    /// follows <see cref="EngineSettings.ContextShift"/> (SCOUT_CONTEXT_SHIFT, default true). Ollama's <c>shift</c>.
    /// </summary>
    public bool? ContextShift { get; init; }

    /// <summary>
    /// Token ids of an earlier exchange (<see cref="GenerationStats.Context"/> of a previous answer, Ollama's deprecated
    /// <c>/api/generate</c> <c>context</c>), read before the rendered prompt. Ignored with <see cref="Raw"/>, as Ollama does.
    /// </summary>
    public IReadOnlyList<int>? Context { get; init; }
}

/// <summary>One candidate token and its log-probability under the model (log-softmax of the raw logits).</summary>
public sealed record TokenLogprob(int TokenId, string Text, double Logprob);

/// <summary>What a generation streams: tokens as they are produced, then exactly one <see cref="GenerationCompleted"/>.</summary>
public abstract record GenerationUpdate;

/// <summary>
/// Text produced by one or more tokens. <see cref="Text"/> may be empty when a token ends inside a multi-byte character
/// or inside a possible stop string (the text is held back until it is known not to be a stop).
/// </summary>
public sealed record GenerationToken(string Text, int TokenId, TokenLogprob? Chosen, IReadOnlyList<TokenLogprob>? Top) : GenerationUpdate
{
    /// <summary>Reasoning text the token produced (inside the model's think block), kept apart from <see cref="Text"/>.</summary>
    public string Thinking { get; init; } = "";
}

/// <summary>
/// A complete tool call parsed from the reply; <see cref="Index"/> counts the reply's calls from 0. Sent after the
/// <see cref="GenerationToken"/> that completed it.
/// </summary>
public sealed record GenerationToolCall(int Index, ToolCall Call) : GenerationUpdate;

/// <summary>The last update: counters and timings (Ollama reports these in nanoseconds).</summary>
public sealed record GenerationCompleted(GenerationStats Stats) : GenerationUpdate;

/// <summary>Why a generation ended.</summary>
public enum DoneReason
{
    /// <summary>End-of-generation token or a stop string.</summary>
    Stop,

    /// <summary>max tokens reached, or the context window is full.</summary>
    Length,

    /// <summary>The model was only loaded (empty prompt).</summary>
    Load,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>Counters and timings of one generation.</summary>
public sealed record GenerationStats
{
    public required string Model { get; init; }
    public required DoneReason DoneReason { get; init; }
    public int PromptTokens { get; init; }
    /// <summary>Prompt tokens found in the KV cache from an earlier request and not evaluated again.</summary>
    public int CachedPromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    public TimeSpan TotalDuration { get; init; }
    public TimeSpan LoadDuration { get; init; }
    public TimeSpan PromptEvalDuration { get; init; }
    public TimeSpan EvalDuration { get; init; }
    /// <summary>True when the prompt was cut to fit the context window.</summary>
    public bool PromptTruncated { get; init; }
    /// <summary>How many times the context was shifted during generation (oldest tokens after <c>num_keep</c> dropped).</summary>
    public int ContextShifts { get; init; }
    /// <summary>Tool calls in the reply; when above zero the reply ended to let the client run them.</summary>
    public int ToolCalls { get; init; }
    /// <summary>The full prompt text sent to the model after templating (for <c>/api/generate</c>'s <c>context</c> and debugging).</summary>
    public string? RenderedPrompt { get; init; }
    /// <summary>
    /// The token ids the model read and wrote: the prompt as evaluated (after any <see cref="GenerationRequest.Context"/>
    /// and truncation) and every sampled token but an end-of-generation one. Set for completions that are neither raw nor
    /// chats, for <c>/api/generate</c>'s <c>context</c>; null otherwise.
    /// </summary>
    public IReadOnlyList<int>? Context { get; init; }
}

/// <summary>Embedding request: one or more inputs, pooled per input.</summary>
public sealed class EmbeddingRequest
{
    public required string Model { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>Cut inputs longer than the context instead of failing.</summary>
    public bool Truncate { get; init; } = true;
    /// <summary>Scale each vector to unit length (Ollama's /api/embed does, /api/embeddings does not).</summary>
    public bool Normalize { get; init; } = true;
    public ModelOptions Options { get; init; } = new();
    public TimeSpan? KeepAlive { get; init; }
}

/// <summary>Vectors in input order and the number of tokens read.</summary>
public sealed record EmbeddingResult(string Model, IReadOnlyList<float[]> Vectors, int PromptTokens, TimeSpan TotalDuration, TimeSpan LoadDuration);
