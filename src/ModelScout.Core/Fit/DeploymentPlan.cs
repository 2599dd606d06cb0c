using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;

namespace ModelScout.Core.Fit;

/// <summary>A model planned for a machine: where it fits, the commands that start it, vLLM's sizing and the runtime to use.</summary>
/// <param name="Fit">The chosen quantization and placement, with every level tried.</param>
/// <param name="Commands">One command per runtime that can run the plan; empty when it does not fit.</param>
/// <param name="Vllm">vLLM's sizing on the machine's GPUs; null without GPUs, for files, or when it does not fit.</param>
/// <param name="Runtime">The runtime the guide's advice picks for the needs; null for files or when it does not fit.</param>
public sealed record DeploymentPlan(ModelFit Fit, IReadOnlyList<RunCommand> Commands, VllmPlan? Vllm, RuntimeChoice? Runtime)
{
    /// <summary>True when some level runs on the machine.</summary>
    public bool Fits => Fit.Fits;

    /// <summary>What was planned (for a file, the catalog-shaped entry read from its header).</summary>
    public ModelEntry Model => Fit.Model;

    /// <summary>
    /// Completes a catalog model's fit: vLLM's sizing when the machine has GPUs, the command for every runtime and the
    /// runtime the needs call for. A fit that fails gets none of them.
    /// </summary>
    public static DeploymentPlan For(Catalog.Catalog catalog, ModelFit fit, Machine machine, long context, RuntimeNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(machine);
        if (!fit.Fits) return new DeploymentPlan(fit, [], null, null);
        var vllm = machine.HasGpu ? VllmPlanner.Plan(fit.Model, machine, context, catalog.Document.Estimator.Speed) : null;
        var commands = RunCommands.For(catalog, fit.Model, fit.Best!, context, vllm);
        return new DeploymentPlan(fit, commands, vllm, RuntimeAdvisor.Choose(catalog, machine, fit.Best, vllm, commands, needs));
    }
}
