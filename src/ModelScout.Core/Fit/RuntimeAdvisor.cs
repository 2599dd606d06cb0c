using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;

namespace ModelScout.Core.Fit;

/// <summary>What the deployment needs from a runtime.</summary>
/// <param name="Users">People using it at the same time.</param>
/// <param name="Gui">A desktop GUI is wanted.</param>
/// <param name="Fastest">The fastest single stream matters most.</param>
public sealed record RuntimeNeeds(int Users = 1, bool Gui = false, bool Fastest = false);

/// <summary>The runtime picked for a situation, and why.</summary>
public sealed record RuntimeChoice(RuntimeEntry Runtime, string Reason, RunCommand? Command);

/// <summary>Picks a runtime by situation, as the guide advises: one developer → Ollama; fastest stream → llama.cpp; many users → vLLM; GUI → text-generation-webui.</summary>
public static class RuntimeAdvisor
{
    /// <summary>Users at which concurrent serving matters more than simplicity.</summary>
    public const int ManyUsers = 4;

    /// <summary>Chooses a runtime for a planned model.</summary>
    public static RuntimeChoice Choose(Catalog.Catalog catalog, Machine machine, QuantFit? fit, VllmPlan? vllm, IReadOnlyList<RunCommand> commands, RuntimeNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(needs);
        RuntimeEntry R(string id) => catalog.Runtime(id)!;
        RunCommand? C(string id) => commands.FirstOrDefault(c => c.Runtime == id);

        if (needs.Gui)
        {
            var tg = R("text-generation-webui");
            return new RuntimeChoice(tg, $"a desktop GUI was asked for: {tg.Guide.Text}", null);
        }
        if (needs.Users >= ManyUsers)
        {
            var v = R("vllm");
            if (vllm is { Fits: true })
                return new RuntimeChoice(v, $"{needs.Users} concurrent users: {v.Guide.ThroughputClaim?.Text ?? v.Guide.Text} (the guide's claim; measure it with scout bench)", C("vllm"));
            var lc = R("llama.cpp");
            var why = vllm is null ? "" : $"vLLM does not fit ({vllm.Reason}); ";
            var slots = fit?.Placement.Kv.Sequences ?? 1;
            var perSlot = slots > 1
                ? $"llama-server batches parallel requests with --parallel {slots}, each slot with its own {FitPlanner.Tokens(fit!.Placement.Context)} of context"
                : $"llama-server batches parallel requests with --parallel; this plan has 1 slot (pass --parallel {needs.Users} to plan the cache for {needs.Users})";
            return new RuntimeChoice(lc, $"{needs.Users} concurrent users: {why}{perSlot}", C("llama.cpp"));
        }
        if (needs.Fastest)
        {
            var lc = R("llama.cpp");
            return new RuntimeChoice(lc, $"fastest single stream: {lc.Guide.SpeedClaim?.Text ?? lc.Guide.Text} (the guide's claim; measure it with scout bench)", C("llama.cpp"));
        }
        var ollama = R("ollama");
        if (C("ollama") is null)
        {
            var lc = R("llama.cpp");
            return new RuntimeChoice(lc, "the model has no Ollama library tag; llama.cpp loads any GGUF", C("llama.cpp"));
        }
        return new RuntimeChoice(ollama, $"one user: {ollama.Guide.Tagline.ToLowerInvariant()}, best for {ollama.Guide.BestFor.ToLowerInvariant()}; OpenAI-compatible API at {ollama.Api}", C("ollama"));
    }
}
