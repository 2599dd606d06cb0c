using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Prompting.Tools;
using ModelScout.Store;

namespace ModelScout.Engine;

/// <summary>One model in memory: llama.cpp weights, a batched context with its scheduler, and (on first use) an embedding context.</summary>
internal sealed partial class LoadedModel : IDisposable
{
    private readonly EngineSettings settings;
    private readonly ILogger logger;
    private readonly SemaphoreSlim embedGate = new(1, 1);
    private LLamaContext? embedContext;
    private bool templateFailed;

    private LoadedModel(ResolvedModel model, LLamaWeights weights, LLamaContext context, Scheduler scheduler, int numCtx, EngineSettings settings,
        ILogger logger, bool hasGgufTemplate, long fileBytes, TimeSpan loadDuration, int gpuLayers)
    {
        GpuLayers = gpuLayers;
        Model = model;
        Weights = weights;
        Context = context;
        Scheduler = scheduler;
        NumCtx = numCtx;
        this.settings = settings;
        this.logger = logger;
        HasGgufTemplate = hasGgufTemplate;
        GgufTemplate = hasGgufTemplate && weights.Metadata.TryGetValue("tokenizer.chat_template", out var jinja) ? jinja : null;
        Format = ChatFormats.Detect(model.Template, GgufTemplate);
        FileBytes = fileBytes;
        LoadDuration = loadDuration;
    }

    public ResolvedModel Model { get; }
    public LLamaWeights Weights { get; }
    public LLamaContext Context { get; }
    public Scheduler Scheduler { get; }
    public int NumCtx { get; }
    public bool HasGgufTemplate { get; }

    /// <summary>The GGUF's Jinja chat template, when it has one.</summary>
    public string? GgufTemplate { get; }

    /// <summary>What the model's templates say about tools and reasoning.</summary>
    public ChatFormat Format { get; }
    public long FileBytes { get; }
    public TimeSpan LoadDuration { get; }

    /// <summary>The -ngl the weights were loaded with.</summary>
    public int GpuLayers { get; }

    /// <summary>llama.cpp's parameters for a serving context: <paramref name="numCtx"/> cells for each of the settings' parallel slots.</summary>
    internal static ModelParams ContextParameters(string path, int numCtx, GgufModelInfo info, EngineSettings settings, int gpuLayers = 0)
    {
        var parallel = Math.Max(1, settings.Parallel);
        var p = new ModelParams(path)
        {
            ContextSize = (uint)(numCtx * parallel),
            SeqMax = (uint)parallel,
            BatchSize = (uint)settings.BatchSize,
            UBatchSize = (uint)settings.BatchSize,
            Threads = settings.Threads,
            BatchThreads = settings.Threads,
            GpuLayerCount = gpuLayers,
        };
        var h = info.Hyper;
        var headDimension = h.KeyLength ?? (h.EmbeddingLength / h.HeadCount);
        if (EngineSettings.FlashAttentionFor(headDimension, settings.FlashAttention) is { } fa) p.FlashAttention = fa;
        // LLamaSharp asks llama.cpp for one KV buffer shared by all slots unless told otherwise; per-slot buffers keep each
        // sequence's attention to its own cells, which is what a server of independent requests wants.
        p.KVUnified = settings.KvUnified ?? false;
        return p;
    }

    /// <summary>
    /// Validates the file in managed code, then lets llama.cpp load it; every failure becomes a ModelLoadFailed error.
    /// <paramref name="progress"/> hears llama.cpp's own load progress (its progress_callback, 0 to 1, through LLamaSharp).
    /// </summary>
    public static LoadedModel Load(ResolvedModel model, int numCtx, EngineSettings settings, ILogger logger, int gpuLayers = 0, IProgress<float>? progress = null)
    {
        var started = Stopwatch.GetTimestamp();
        GgufFile header;
        try
        {
            (header, _) = GgufValidator.ValidateFile(model.GgufPath);
        }
        catch (GgufFormatException e)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed,
                $"model '{model.Name}' cannot be loaded: {model.GgufPath} is not a valid GGUF file ({e.Message}); pull or import it again");
        }
        catch (IOException e)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"model '{model.Name}' cannot be loaded: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"model '{model.Name}' cannot be loaded: {e.Message}");
        }
        var info = GgufModelInfo.From(header);
        var trained = info.Hyper.ContextLength is { } c and > 0 ? (int)Math.Min(c, int.MaxValue) : int.MaxValue;
        if (numCtx > trained)
        {
            logger.LogInformation("{Model}: num_ctx {Asked} is above the trained context {Trained}; using {Trained}", model.Name, numCtx, trained, trained);
            numCtx = trained;
        }
        numCtx = Math.Max(numCtx, 16);
        var parallel = Math.Max(1, settings.Parallel);
        var p = ContextParameters(model.GgufPath, numCtx, info, settings, gpuLayers);
        LLamaWeights? weights = null;
        LLamaContext? context = null;
        try
        {
            // LoadFromFileAsync is LoadFromFile with llama.cpp's progress_callback wired to the reporter; this method already
            // runs off the request thread, so waiting for it here costs a pool thread for the length of the load only.
            weights = progress is null ? LLamaWeights.LoadFromFile(p) : LLamaWeights.LoadFromFileAsync(p, CancellationToken.None, progress).GetAwaiter().GetResult();
            context = weights.CreateContext(p, logger);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context?.Dispose();
            weights?.Dispose();
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"llama.cpp could not load model '{model.Name}' from {model.GgufPath}: {e.Message}", e);
        }
        var scheduler = new Scheduler(weights, context, parallel, numCtx, settings.BatchSize, settings.MaxQueue, logger, model.Name);
        var fileBytes = new FileInfo(model.GgufPath).Length;
        return new LoadedModel(model, weights, context, scheduler, numCtx, settings, logger, info.HasChatTemplate, fileBytes, Stopwatch.GetElapsedTime(started), gpuLayers);
    }

    /// <summary>Token ids of <paramref name="text"/>; special-token text (e.g. <c>&lt;|eot_id|&gt;</c>) is parsed when <paramref name="parseSpecial"/>.</summary>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        var tokens = Weights.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8);
        var ids = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++) ids[i] = (int)tokens[i];
        return ids;
    }

    public string Detokenize(IReadOnlyList<int> tokens)
    {
        var vocabSize = Weights.NativeHandle.Vocab.Count;
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, Weights);
        foreach (var t in tokens)
        {
            if (t < 0 || t >= vocabSize) throw new InferenceException(InferenceErrorKind.InvalidRequest, $"token id {t} is outside the vocabulary (0..{vocabSize - 1})") { Param = "tokens" };
            decoder.Add(t);
        }
        return decoder.Read();
    }

    /// <summary>
    /// The text the model reads. Chats go through, in order: the model's Ollama template (from its Modelfile), the GGUF's
    /// <c>tokenizer.chat_template</c> as llama.cpp's built-in template support understands it, and otherwise the
    /// messages' contents joined by blank lines (raw completion: a model without a template has no chat format).
    /// Tools, tool calls and a reasoning setting need a template that can show them: the Modelfile's own, or else the
    /// family template <see cref="ChatFormat.FallbackTemplate"/> (llama.cpp's template support renders no tools).
    /// </summary>
    public string RenderPrompt(GenerationRequest r)
    {
        var tools = r.OfferedTools;
        CheckCapabilities(r, tools);
        // think: false to a model that never reasons asks for what it does anyway.
        var think = Format.SupportsThinking ? r.Think : null;
        var system = r.System ?? Model.System;
        if (r.Messages is null)
        {
            var prompt = r.Prompt ?? "";
            if (r.Raw) return prompt;
            if (Model.Template is null && !HasGgufTemplate && think is null) return system is null ? prompt : system + "\n\n" + prompt;
            var turns = new List<ChatTurn>();
            if (!string.IsNullOrEmpty(system)) turns.Add(new ChatTurn("system", system));
            turns.AddRange(Model.Messages);
            turns.Add(new ChatTurn("user", prompt));
            return RenderChat(turns, tools, think);
        }
        var messages = Model.Messages.Concat(r.Messages).ToList();
        if (!string.IsNullOrEmpty(system) && !messages.Any(m => m.Role == "system")) messages.Insert(0, new ChatTurn("system", system));
        return RenderChat(messages, tools, think);
    }

    /// <summary>Refuses what the model's template cannot do, as Ollama does: tools without tool support, thinking switched on or off where it cannot be.</summary>
    private void CheckCapabilities(GenerationRequest r, IReadOnlyList<ToolDefinition> tools)
    {
        if (tools.Count > 0 && !Format.SupportsTools)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"{Model.Name} does not support tools: its chat template shows the model no tools; send the request without tools, or use a model whose template has them (scout show {Model.Name} --template)") { Param = "tools" };
        if (r.Think is not { } think) return;
        if (think.Enabled && !Format.SupportsThinking)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"{Model.Name} does not support thinking: its chat template has no reasoning block; leave think out") { Param = "think" };
        if (!think.Enabled && Format.SupportsThinking && !Format.CanDisableThinking)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"{Model.Name} always thinks: its chat template cannot turn reasoning off; leave think out or send think: true") { Param = "think" };
        if (think.Level is { } level && Format.ThinkLevels.Count > 0 && !Format.ThinkLevels.Contains(level, StringComparer.OrdinalIgnoreCase))
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"think level \"{level}\" is not one of {string.Join(", ", Format.ThinkLevels)} for {Model.Name}") { Param = "think" };
    }

    private string RenderChat(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition> tools, ThinkSetting? think)
    {
        if (Model.Template is { } ollamaTemplate) return OllamaTemplates.Render(ollamaTemplate, turns, tools, think);
        var needsFamily = tools.Count > 0 || think is not null || turns.Any(t => t.Role == "tool" || t.ToolCalls is { Count: > 0 } || t.Thinking is not null);
        if (needsFamily && Format.FallbackTemplate is { } family) return OllamaTemplates.Render(family, turns, tools, think);
        if (HasGgufTemplate && !templateFailed)
        {
            try
            {
                var t = new LLamaTemplate(Weights, strict: true) { AddAssistant = true };
                foreach (var m in turns) t.Add(m.Role, m.Content);
                return Encoding.UTF8.GetString(t.Apply());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                templateFailed = true;
                logger.LogWarning("{Model}: llama.cpp does not support this GGUF's chat template ({Error}); chats are sent as plain text", Model.Name, e.Message);
            }
        }
        return string.Join("\n\n", turns.Select(t => t.Content));
    }

    /// <summary>Mean-pooled embeddings, one input at a time on a dedicated embedding context.</summary>
    public async Task<(float[][] Vectors, int Tokens)> EmbedAsync(IReadOnlyList<string> inputs, bool truncate, bool normalize, CancellationToken ct)
    {
        await embedGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            embedContext ??= CreateEmbedContext();
            var vectors = new float[inputs.Count][];
            var total = 0;
            for (var i = 0; i < inputs.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var tokens = Tokenize(inputs[i], addSpecial: true, parseSpecial: false);
                if (tokens.Length > NumCtx)
                {
                    if (!truncate) throw new InferenceException(InferenceErrorKind.InvalidRequest, $"input {i} is {tokens.Length} tokens, longer than the context of {NumCtx}; shorten it, raise num_ctx, or set truncate") { Param = "input" };
                    tokens = tokens[..NumCtx];
                }
                total += tokens.Length;
                vectors[i] = EmbedOne(tokens, normalize);
            }
            return (vectors, total);
        }
        finally
        {
            embedGate.Release();
        }
    }

    private LLamaContext CreateEmbedContext()
    {
        var p = new ModelParams(Model.GgufPath)
        {
            ContextSize = (uint)NumCtx,
            BatchSize = (uint)NumCtx,
            UBatchSize = (uint)NumCtx,
            SeqMax = 1,
            Embeddings = true,
            PoolingType = LLamaPoolingType.Mean,
            Threads = settings.Threads,
            BatchThreads = settings.Threads,
            GpuLayerCount = GpuLayers,
        };
        return Weights.CreateContext(p, logger);
    }

    private float[] EmbedOne(int[] tokens, bool normalize)
    {
        var ctx = embedContext!;
        ctx.NativeHandle.MemoryClear(true);
        if (tokens.Length == 0) return new float[ctx.EmbeddingSize];
        var batch = new LLamaBatch();
        for (var i = 0; i < tokens.Length; i++) batch.Add((LLamaToken)tokens[i], (LLamaPos)i, LLamaSeqId.Zero, true);
        var result = ctx.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok) throw new InferenceException(InferenceErrorKind.Internal, $"llama.cpp could not compute the embedding ({result})");
        var vector = ctx.NativeHandle.GetEmbeddingsSeq(LLamaSeqId.Zero).ToArray();
        if (normalize)
        {
            double norm = 0;
            foreach (var v in vector) norm += v * v;
            norm = Math.Sqrt(norm);
            if (norm > 0) for (var i = 0; i < vector.Length; i++) vector[i] = (float)(vector[i] / norm);
        }
        return vector;
    }

    public void Dispose()
    {
        Scheduler.Dispose();
        embedContext?.Dispose();
        scoreContext?.Dispose();
        Context.Dispose();
        Weights.Dispose();
        embedGate.Dispose();
        scoreGate.Dispose();
        NativeHeap.Trim();
    }
}
