using ModelScout.Core.Catalog;
using ModelScout.Gguf;

namespace ModelScout.Core.Fit;

/// <summary>A command line for one runtime, with notes that keep it honest.</summary>
/// <param name="Runtime">Runtime id.</param>
/// <param name="Command">What to type.</param>
/// <param name="Notes">Caveats (unverified tag, context setting).</param>
public sealed record RunCommand(string Runtime, string Command, IReadOnlyList<string> Notes);

/// <summary>Builds the commands that run a planned model with each runtime.</summary>
public static class RunCommands
{
    /// <summary>Commands for every runtime that can run this plan.</summary>
    public static IReadOnlyList<RunCommand> For(Catalog.Catalog catalog, ModelEntry model, QuantFit fit, long context, VllmPlan? vllm)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fit);
        var list = new List<RunCommand>();
        if (Ollama(catalog, model, fit, context) is { } o) list.Add(o);
        list.Add(LlamaServer(model, fit, context));
        if (vllm is { Fits: true } v) list.Add(Vllm(v, context));
        return list;
    }

    /// <summary>Commands that run a GGUF file the user has.</summary>
    public static IReadOnlyList<RunCommand> ForFile(string path, string name, QuantFit fit, long context)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(fit);
        var server = LlamaServer(path, fit, context);
        var tag = new string(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray()).Trim('-');
        var ollama = new RunCommand("ollama", $"printf 'FROM {path}\\nPARAMETER num_ctx {context}\\n' > Modelfile && ollama create {tag} -f Modelfile && ollama run {tag}",
            ["Ollama imports a local GGUF through a Modelfile; the file is copied into its store"]);
        return [ollama, server];
    }

    /// <summary>The GGUF file name we suggest for a model and level.</summary>
    public static string FileName(ModelEntry model, string quant)
    {
        ArgumentNullException.ThrowIfNull(model);
        var basis = model.HuggingFace is { } hf ? hf[(hf.IndexOf('/', StringComparison.Ordinal) + 1)..] : model.Id;
        return $"{basis}-{quant}.gguf";
    }

    /// <summary>Ollama's spelling of a level in tags: lower case except the K-quant letters (q4_K_M, q6_K, q8_0, fp16).</summary>
    public static string OllamaQuant(string quant)
    {
        ArgumentNullException.ThrowIfNull(quant);
        var q = quant.ToLowerInvariant();
        if (q is "f16" or "bf16") return q == "f16" ? "fp16" : "bf16";
        return q.Replace("_k", "_K", StringComparison.Ordinal)
            .Replace("_K_m", "_K_M", StringComparison.Ordinal)
            .Replace("_K_s", "_K_S", StringComparison.Ordinal)
            .Replace("_K_l", "_K_L", StringComparison.Ordinal);
    }

    private static RunCommand? Ollama(Catalog.Catalog catalog, ModelEntry model, QuantFit fit, long context)
    {
        if (model.Ollama is not { Tags.Count: > 0 } o) return null;
        var notes = new List<string>();
        var quant = fit.Level.Id;
        string tag;
        if (o.QuantTag is { } pattern && (quant != catalog.Document.QuantizationGuidance.Default || o.QuantTagVerified))
        {
            tag = pattern.Replace("{quant}", OllamaQuant(quant), StringComparison.Ordinal);
            if (!o.QuantTagVerified) notes.Add($"tag follows Ollama's naming for {quant}; confirm it on the model's tags page");
        }
        else
        {
            tag = o.Tags[0];
            notes.Add($"the default tag's quantization is Ollama's choice{(o.SizeGb is { } gb ? $" ({gb:0.#} GB download)" : "")}; `ollama show {tag}` names it");
        }
        notes.Add($"Ollama sizes its context from VRAM; for {FitPlanner.Tokens(context)} run `/set parameter num_ctx {context}` or start the server with OLLAMA_CONTEXT_LENGTH={context}");
        if (fit.Placement.Kv.Sequences > 1)
            notes.Add($"serve {fit.Placement.Kv.Sequences} requests at once with OLLAMA_NUM_PARALLEL={fit.Placement.Kv.Sequences}; each gets its own {FitPlanner.Tokens(context)} context");
        if (fit.Placement.Kv.KeyType != GgmlType.F16) notes.Add($"set OLLAMA_KV_CACHE_TYPE={fit.Placement.Kv.KeyType.ToString().ToLowerInvariant()} and OLLAMA_FLASH_ATTENTION=1 for the quantized cache");
        return new RunCommand("ollama", $"ollama run {tag}", notes);
    }

    private static RunCommand LlamaServer(ModelEntry model, QuantFit fit, long context)
    {
        var command = LlamaServer(FileName(model, fit.Level.Id), fit, context);
        var notes = command.Notes.Append($"download {Article(fit.Level.Id)} {fit.Level.Id} GGUF of {model.HuggingFace ?? model.Name} (or make one with llama-quantize) and pass its path to -m").ToList();
        return command with { Notes = notes };
    }

    private static RunCommand LlamaServer(string file, QuantFit fit, long context)
    {
        // llama-server splits -c among its --parallel slots, so N slots of `context` tokens each need -c N x context.
        var slots = Math.Max(1, fit.Placement.Kv.Sequences);
        var parts = new List<string> { "llama-server", "-m", file.Contains(' ', StringComparison.Ordinal) ? $"\"{file}\"" : file, "-c", (context * slots).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var notes = new List<string>();
        if (slots > 1)
        {
            parts.AddRange(["--parallel", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            notes.Add($"-c is the total over the {slots} slots: each of the {slots} concurrent requests gets {FitPlanner.Tokens(context)} of context ({slots} x {context} = {context * slots})");
        }
        var ngl = fit.Kind switch
        {
            FitKind.FullGpu or FitKind.ExpertsOnCpu => 99,
            FitKind.PartialOffload => fit.Placement.GpuLayers,
            _ => 0,
        };
        parts.AddRange(["-ngl", ngl.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (fit.Kind == FitKind.ExpertsOnCpu) parts.Add("--cpu-moe");
        var used = fit.Memory.Gpus.Select((g, i) => (g, i)).Where(x => x.g.Total > 0).Select(x => x.i).ToList();
        if (fit.Memory.Gpus.Count > 1 && used.Count == 1)
        {
            parts.InsertRange(0, [$"CUDA_VISIBLE_DEVICES={used[0]}"]);
            notes.Add("one GPU holds it all; keeping the others out saves a compute buffer and runtime overhead per card");
        }
        if (!fit.Placement.Kv.FlashAttention) parts.AddRange(["-fa", "off"]);
        if (fit.Placement.Kv.KeyType != GgmlType.F16)
            parts.AddRange(["--cache-type-k", fit.Placement.Kv.KeyType.ToString().ToLowerInvariant(), "--cache-type-v", fit.Placement.Kv.ValueType.ToString().ToLowerInvariant()]);
        return new RunCommand("llama.cpp", string.Join(' ', parts), notes);
    }

    private static RunCommand Vllm(VllmPlan v, long context) =>
        new("vllm", $"vllm serve {v.Checkpoint} --tensor-parallel-size {v.TensorParallel} --max-model-len {context}", [v.Reason]);

    /// <summary>"a" or "an" before a level's name read letter by letter (an F16, an IQ4_XS, an MXFP4_MOE; a Q4_K_M).</summary>
    private static string Article(string level) => level.Length > 0 && "AEFHILMNORSX".Contains(char.ToUpperInvariant(level[0]), StringComparison.Ordinal) ? "an" : "a";
}
