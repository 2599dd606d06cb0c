using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;

namespace ModelScout.Core.Cost;

/// <summary>Inputs for the hosted-versus-self-hosted comparison.</summary>
/// <param name="TokensPerDay">Input plus output tokens per day.</param>
/// <param name="InputShare">Share of tokens that are input (prompt) tokens.</param>
/// <param name="Apis">Price lists to compare (catalog ids).</param>
/// <param name="SelfHost">The self-hosted plan (model placed on a machine).</param>
/// <param name="MachineName">The self-hosted machine as the output names it everywhere ("8x H100 SXM 80GB").</param>
/// <param name="Gpus">GPUs per self-hosted machine: all are rented, whether or not the model uses them all.</param>
/// <param name="GpuSpecId">Catalog id of the card, for its assumed hourly rate.</param>
/// <param name="GpuHourUsd">Price of one GPU hour; null to take the catalog's assumed rate for the card.</param>
/// <param name="BatchingGain">Aggregate throughput of a batched server relative to one stream.</param>
public sealed record CostQuery(double TokensPerDay, double InputShare, IReadOnlyList<ApiPrice> Apis, QuantFit SelfHost, string MachineName, int Gpus, string? GpuSpecId, double? GpuHourUsd, double BatchingGain);

/// <summary>Cost per day of one option.</summary>
public sealed record CostLine(string Option, double UsdPerDay, double UsdPerMillionTokens, string Basis);

/// <summary>The comparison with its break-even point.</summary>
/// <param name="BreakEvenTokensPerDay">Daily volume at which one machine costs what the reference API charges; null when no volume does (a machine at full capacity costs more per token than the API) or when a price is unknown.</param>
/// <param name="MachinesNeeded">Machines the volume needs.</param>
/// <param name="CapacityTokensPerDay">What one machine can serve per day.</param>
/// <param name="BreakEven">The break-even statement, consistent with the machine count; null when it cannot be computed.</param>
public sealed record CostReport(IReadOnlyList<CostLine> Lines, double? BreakEvenTokensPerDay, int MachinesNeeded, double CapacityTokensPerDay, string? BreakEven, IReadOnlyList<string> Notes);

/// <summary>Hosted API cost against renting GPUs for a self-hosted model.</summary>
public static class CostEstimator
{
    private const double SecondsPerDay = 86400;

    public static CostReport Compare(Catalog.Catalog catalog, CostQuery q)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(q);
        var notes = new List<string>();
        var lines = new List<CostLine>();
        foreach (var api in q.Apis)
        {
            var perM = q.InputShare * api.InputUsdPerMTok + (1 - q.InputShare) * api.OutputUsdPerMTok;
            lines.Add(new CostLine($"{api.Provider} {api.Model} API", perM * q.TokensPerDay / 1e6, perM,
                $"${api.InputUsdPerMTok:0.00} in / ${api.OutputUsdPerMTok:0.00} out per 1M tokens, {q.InputShare * 100:0}% input (prices as of {catalog.Document.Cost.AsOf})"));
        }

        var hourly = q.GpuHourUsd ?? (q.GpuSpecId is { } id ? GpuHourRate(catalog, id) ?? 0 : 0);
        if (hourly <= 0) notes.Add("No GPU-hour price known for this card; pass --gpu-hour.");
        var single = q.SelfHost.Speed?.Mid ?? 0;
        var capacity = single * q.BatchingGain * SecondsPerDay;
        var machines = capacity > 0 ? (int)Math.Ceiling(q.TokensPerDay / capacity) : 0;
        var perMachineDay = q.Gpus * hourly * 24;
        var selfDay = machines * perMachineDay;
        if (capacity > 0)
        {
            var each = machines > 1 ? " each" : "";
            lines.Add(new CostLine($"Self-hosted {q.SelfHost.Weights.FileType} on {Count(machines, "machine")} ({q.MachineName}{each})", selfDay, selfDay / q.TokensPerDay * 1e6,
                $"${hourly:0.00} per GPU-hour x {Count(q.Gpus, "GPU")} per machine; each machine decodes ~{single:0} tok/s per stream x {q.BatchingGain:0.#} with batching = {capacity / 1e6:0.#}M tokens/day"));
            var used = q.SelfHost.Memory.Gpus.Count(g => g.Total > 0);
            if (used > 0 && used < q.Gpus)
                notes.Add($"{q.SelfHost.Weights.FileType} uses {used} of the {q.Gpus} GPUs of each machine; all {q.Gpus} are priced. To price {used}, describe a {used}-GPU machine (--gpu {used}x{q.GpuSpecId ?? "CARD"}).");
        }
        double? breakEven = null;
        string? statement = null;
        var reference = lines.FirstOrDefault(l => l.Option.Contains("gpt-4o", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault();
        if (reference is not null && reference.UsdPerMillionTokens > 0 && hourly > 0 && capacity > 0)
        {
            var volume = reference.UsdPerMillionTokens * q.TokensPerDay / 1e6;
            var even = perMachineDay / reference.UsdPerMillionTokens * 1e6;
            var fullCostPerM = perMachineDay / capacity * 1e6;
            var verdict = selfDay < volume ? "self-hosting is cheaper" : "the API is cheaper";
            if (even > capacity)
            {
                statement = $"Self-hosting never breaks even with {reference.Option} at these prices: one machine ({q.MachineName}, ${perMachineDay:N0}/day) "
                    + $"at its full capacity of ~{capacity / 1e6:N0}M tokens/day costs ${fullCostPerM:0.###} per 1M tokens against the API's ${reference.UsdPerMillionTokens:0.###}, "
                    + "and more machines add cost in step with capacity.";
            }
            else
            {
                breakEven = even;
                var need = machines == 1 ? "1 machine" : $"{machines} machines";
                statement = $"One machine ({q.MachineName}) breaks even with {reference.Option} at about {even / 1e6:N0}M tokens/day (its capacity is ~{capacity / 1e6:N0}M tokens/day); "
                    + $"at {q.TokensPerDay / 1e6:N0}M tokens/day ({need}) {verdict}.";
            }
        }
        notes.Add($"Self-hosting assumes GPUs rented by the hour ({catalog.Document.Cost.GpuHourSource}) and a batching gain of {q.BatchingGain:0.#}x ({catalog.Document.Cost.BatchingGain.Source}).");
        return new CostReport(lines, breakEven, machines, capacity, statement, notes);
    }

    /// <summary>The catalog's assumed price of one GPU hour for a card (the rate <c>scout cost</c> and <c>scout plan</c> use); null when unknown.</summary>
    public static double? GpuHourRate(Catalog.Catalog catalog, string gpuSpecId)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Document.Cost.GpuHourUsd.TryGetValue(gpuSpecId, out var usd) ? usd : null;
    }

    /// <summary>"1 machine", "3 machines".</summary>
    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
