using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelScout.Prompting;
using ModelScout.Prompting.Tools;
using ModelScout.Store;

namespace ModelScout.Engine;

/// <summary>
/// The engine's face (<see cref="IInferenceService"/>) over llama.cpp. A generation goes through one pipeline: hold the
/// model (<see cref="ModelResidency"/> loads it on demand and evicts and expires idle models), render the prompt, build
/// the sampler, enqueue on the model's continuous-batching <see cref="Scheduler"/>, and stream its updates to the caller.
/// </summary>
public sealed class ModelHost : IInferenceService, IAsyncDisposable, IDisposable
{
    private readonly EngineSettings settings;
    private readonly ModelResidency residency;
    private readonly ILogger logger;

    public ModelHost(IModelResolver resolver, EngineSettings? settings = null, ILoggerFactory? logs = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        this.settings = settings ?? new EngineSettings();
        logger = (logs ?? NullLoggerFactory.Instance).CreateLogger("ModelScout.Engine");
        // The library first: a bad SCOUT_LLAMA_LIBRARY fails here, before anything else is set up.
        Library = LlamaRuntime.EnsureInitialized(logger, this.settings.LlamaLibrary);
        residency = new ModelResidency(resolver, this.settings, logger, time ?? TimeProvider.System);
    }

    /// <summary>The llama.cpp library this host runs on: its path, backend and build.</summary>
    public LlamaLibraryInfo Library { get; }

    /// <summary>The settings this host runs with.</summary>
    public EngineSettings Settings => settings;

    /// <summary>Bytes the loaded models may use together.</summary>
    public long MemoryBudget => residency.Budget;

    public IReadOnlyList<LoadedModelInfo> Loaded => residency.Loaded;

    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        if (request.Messages is null && string.IsNullOrEmpty(request.Prompt))
        {
            var info = await LoadAsync(request.Model, request.Options, request.KeepAlive, cancellationToken).ConfigureAwait(false);
            yield return new GenerationCompleted(new GenerationStats
            {
                Model = info.Name,
                DoneReason = DoneReason.Load,
                TotalDuration = Stopwatch.GetElapsedTime(started),
                LoadDuration = info.LoadDuration,
            });
            yield break;
        }
        if (request.TopLogprobs is < 0 or > 20)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "top_logprobs must be between 0 and 20") { Param = "top_logprobs" };

        var lease = await residency.AcquireAsync(request.Model, request.Options, cancellationToken).ConfigureAwait(false);
        try
        {
            var lm = lease.Model;
            var (scheduled, text, truncated, parser) = Enqueue(lm, request);
            var shaper = parser is null ? null : new ReplyShaper(parser, logger, lm.Model.Name, request.ParallelToolCalls);
            using var registration = cancellationToken.Register(() =>
            {
                scheduled.Cancel();
                lm.Scheduler.Poke();
            });
            var reader = scheduled.Output.Reader;
            var finished = false;
            try
            {
                while (true)
                {
                    GenerationUpdate? update;
                    // A reader that lags behind would drain the backlog before noticing a cancellation.
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) break;
                        if (!reader.TryRead(out update)) continue;
                    }
                    catch (ChannelClosedException e) when (e.InnerException is not null)
                    {
                        ExceptionDispatchInfo.Throw(e.InnerException);
                        throw;
                    }
                    if (shaper is not null && update is GenerationToken token)
                    {
                        foreach (var shaped in shaper.Token(token)) yield return shaped;
                        continue;
                    }
                    if (update is GenerationCompleted done)
                    {
                        if (shaper is not null)
                            foreach (var shaped in shaper.Finish()) yield return shaped;
                        update = new GenerationCompleted(done.Stats with
                        {
                            ToolCalls = shaper?.Calls ?? 0,
                            Model = lm.Model.Name,
                            LoadDuration = lease.LoadDuration,
                            TotalDuration = Stopwatch.GetElapsedTime(started),
                            PromptTruncated = truncated,
                            RenderedPrompt = text,
                        });
                        finished = true;
                    }
                    yield return update;
                }
            }
            finally
            {
                // A consumer that stops reading (break, dispose, exception) frees the slot as a cancellation does.
                if (!finished)
                {
                    scheduled.Cancel();
                    lm.Scheduler.Poke();
                }
            }
        }
        finally
        {
            residency.Release(lease, request.KeepAlive);
        }
    }

    /// <summary>
    /// The pipeline up to the scheduler, once per request: render the prompt through the model's template, tokenize it and
    /// fit it to the context (cut when the request allows, refused otherwise), turn the output format into a grammar,
    /// build the sampler chain, and enqueue on the model's scheduler.
    /// </summary>
    private (ScheduledRequest Scheduled, string Prompt, bool Truncated, ReplyParser? Parser) Enqueue(LoadedModel lm, GenerationRequest request)
    {
        var options = request.Options.Over(lm.Model.Parameters).Over(ModelOptions.Defaults);
        var text = lm.RenderPrompt(request);
        var tools = request.OfferedTools;
        var reasoning = Reasoning(lm.Format, request, text);
        var parser = Parser(lm, request, tools, reasoning);
        var tokens = lm.Tokenize(text, addSpecial: true, parseSpecial: true);
        var special = lm.Tokenize("", addSpecial: true, parseSpecial: false);
        if (request.Context is { Count: > 0 } earlier && !request.Raw) tokens = ContextWindow.Prepend(earlier, tokens, special, lm.Weights.NativeHandle.Vocab.Count);
        var keep = ContextWindow.Keep(options.NumKeep, tokens.Length, special.Length, lm.NumCtx);
        var asked = tokens.Length;
        var truncated = false;
        var maxTokens = options.NumPredict is { } np && np >= 0 ? np : -1;
        if (tokens.Length >= lm.NumCtx)
        {
            if (!request.TruncatePrompt)
                throw new InferenceException(InferenceErrorKind.InvalidRequest,
                    $"the prompt is {tokens.Length} tokens but the context window is {lm.NumCtx}; shorten it or raise num_ctx")
                { Param = "messages", ContextOverflow = true };
            tokens = Truncate(tokens, lm.NumCtx, keep, maxTokens);
            truncated = true;
        }
        var gbnf = OutputGrammars.ForTools(lm.Format, tools, request, reasoning) ?? OutputGrammars.For(request.Format);
        LLama.Native.SafeLLamaSamplerChainHandle sampler;
        try
        {
            sampler = SamplerFactory.Create(options, gbnf, lm.Weights.NativeHandle);
        }
        catch (Exception e) when (e is not OutOfMemoryException && gbnf is not null)
        {
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"the output format could not be turned into a grammar llama.cpp accepts: {e.Message}") { Param = "format" };
        }
        var argMax = gbnf is null && options.Temperature <= 0f && options.RepeatPenalty is null or 1f
            && options.FrequencyPenalty is null or 0f && options.PresencePenalty is null or 0f;
        var scheduled = new ScheduledRequest(tokens, sampler, maxTokens, options.Stop ?? [], request.TopLogprobs, request.Logprobs, argMax)
        {
            // num_predict -2 means "until the context is full" (llama.cpp, Ollama): never shift then.
            NumKeep = keep, ContextShift = options.NumPredict != -2 && (request.ContextShift ?? settings.ContextShift), ReturnContext = request.Messages is null && !request.Raw,
            PromptTokensBeforeTruncation = truncated ? asked : 0,
        };
        try
        {
            lm.Scheduler.Enqueue(scheduled);
        }
        catch
        {
            sampler.Dispose();
            throw;
        }
        return (scheduled, text, truncated, parser);
    }

    /// <summary>
    /// The parser a chat reply goes through: when tools were offered (calls are taken out of the text) or the model
    /// reasons (its think block is kept apart from the answer). Raw completions are returned as written.
    /// </summary>
    private static ReplyParser? Parser(LoadedModel lm, GenerationRequest request, IReadOnlyList<ToolDefinition> tools, ReasoningBeforeCalls reasoning)
    {
        if (request.Raw && request.Messages is null) return null;
        var thinking = reasoning != ReasoningBeforeCalls.None;
        if (tools.Count == 0 && !thinking) return null;
        return new ReplyParser(lm.Format, new ReplyParserOptions
        {
            Tools = tools,
            SeparateThinking = thinking,
            StartsInThinking = reasoning == ReasoningBeforeCalls.AlreadyOpen,
        });
    }

    /// <summary>
    /// Where the reply may reason: nowhere (the model does not, or the request turned it off), in a block it may open,
    /// or inside the block the prompt already opened. The parser and the forced-call grammar both follow it.
    /// </summary>
    private static ReasoningBeforeCalls Reasoning(ChatFormat format, GenerationRequest request, string prompt) =>
        !format.SupportsThinking || request.Think is { Enabled: false } ? ReasoningBeforeCalls.None
        : format.StartsInThinking(prompt) ? ReasoningBeforeCalls.AlreadyOpen
        : ReasoningBeforeCalls.Optional;

    private static int[] Truncate(int[] tokens, int numCtx, int numKeep, int maxTokens)
    {
        var room = Math.Clamp(maxTokens > 0 ? maxTokens : numCtx / 4, 1, numCtx / 2);
        var limit = numCtx - room;
        var keep = Math.Clamp(numKeep, 0, limit / 2);
        return [.. tokens.AsSpan(0, keep), .. tokens.AsSpan(tokens.Length - (limit - keep))];
    }

    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        var lease = await residency.AcquireAsync(request.Model, request.Options, cancellationToken).ConfigureAwait(false);
        try
        {
            var (vectors, tokens) = await lease.Model.EmbedAsync(request.Inputs, request.Truncate, request.Normalize, cancellationToken).ConfigureAwait(false);
            return new EmbeddingResult(lease.Model.Model.Name, vectors, tokens, Stopwatch.GetElapsedTime(started), lease.LoadDuration);
        }
        finally
        {
            residency.Release(lease, request.KeepAlive);
        }
    }

    /// <summary>
    /// Per continuation, the summed log-probability of its tokens after <paramref name="context"/> (lm-evaluation-harness's
    /// loglikelihood request), computed from the logits of every continuation position on a scoring context of its own.
    /// </summary>
    public Task<IReadOnlyList<double>> LogLikelihoodAsync(string model, string context, IReadOnlyList<string> continuations, CancellationToken cancellationToken = default) =>
        LogLikelihoodAsync(model, context, continuations, null, cancellationToken);

    /// <summary>As above, loading the model with <paramref name="options"/> (num_ctx) when it is not loaded that way already.</summary>
    public async Task<IReadOnlyList<double>> LogLikelihoodAsync(string model, string context, IReadOnlyList<string> continuations, ModelOptions? options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuations);
        var lease = await residency.AcquireAsync(model, options ?? new ModelOptions(), cancellationToken).ConfigureAwait(false);
        try
        {
            return await lease.Model.LogLikelihoodAsync(context, continuations, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            residency.Release(lease, null);
        }
    }

    public async Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default)
    {
        var lease = await residency.AcquireAsync(model, new ModelOptions(), cancellationToken).ConfigureAwait(false);
        try
        {
            return lease.Model.Tokenize(text, addSpecial, parseSpecial);
        }
        finally
        {
            residency.Release(lease, null);
        }
    }

    public async Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default)
    {
        var lease = await residency.AcquireAsync(model, new ModelOptions(), cancellationToken).ConfigureAwait(false);
        try
        {
            return lease.Model.Detokenize(tokens);
        }
        finally
        {
            residency.Release(lease, null);
        }
    }

    public async Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        var lease = await residency.AcquireAsync(model, options ?? new ModelOptions(), cancellationToken).ConfigureAwait(false);
        var info = residency.Info(lease.Entry) with { LoadDuration = lease.LoadDuration };
        residency.Release(lease, keepAlive);
        return info;
    }

    public Task<bool> UnloadAsync(string model) => Task.FromResult(residency.Unload(model));

    public InferenceSnapshot Snapshot() => residency.Snapshot();

    public async ValueTask DisposeAsync()
    {
        await Task.Run(Dispose).ConfigureAwait(false);
    }

    public void Dispose() => residency.Dispose();
}
