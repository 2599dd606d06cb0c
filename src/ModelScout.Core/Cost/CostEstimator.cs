using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;

namespace ModelScout.Core.Cost;

/// <summary>Inputs for the hosted-versus-self-hosted comparison.</summary>
/// <param name="TokensPerDay">Input plus output tokens per day.</param>
/// <param name="InputShare">Share of tokens that are input (prompt) tokens.</param>
/// <param name="Apis">Price lists to compare (catalog ids).</param>
/// <param name="SelfHost">The self-hosted plan (model placed on a machine).</param>
/// <param name="Gpus">GPUs per self-hosted machine.</param>
/// <param name="GpuSpecId">Catalog id of the card, for its assumed hourly rate.</param>
/// <param name="GpuHourUsd">Price of one GPU hour; null to take the catalog's assumed rate for the card.</param>
/// <param name="BatchingGain">Aggregate throughput of a batched server relative to one stream.</param>
public sealed record CostQuery(double TokensPerDay, double InputShare, IReadOnlyList<ApiPrice> Apis, QuantFit SelfHost, int Gpus, string? GpuSpecId, double? GpuHourUsd, double BatchingGain);

/// <summary>Cost per day of one option.</summary>
public sealed record CostLine(string Option, double UsdPerDay, double UsdPerMillionTokens, string Basis);

/// <summary>The comparison with its break-even point.</summary>
public sealed record CostReport(IReadOnlyList<CostLine> Lines, double? BreakEvenTokensPerDay, int MachinesNeeded, double CapacityTokensPerDay, IReadOnlyList<string> Notes);

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

        var hourly = q.GpuHourUsd ?? (q.GpuSpecId is { } id ? catalog.Document.Cost.GpuHourUsd.GetValueOrDefault(id) : 0);
        if (hourly <= 0) notes.Add("No GPU-hour price known for this card; pass --gpu-hour.");
        var single = q.SelfHost.Speed?.Mid ?? 0;
        var capacity = single * q.BatchingGain * SecondsPerDay;
        var machines = capacity > 0 ? (int)Math.Ceiling(q.TokensPerDay / capacity) : 0;
        var selfDay = machines * q.Gpus * hourly * 24;
        if (capacity > 0)
        {
            lines.Add(new CostLine($"Self-hosted {q.SelfHost.Weights.FileType} on {machines} machine(s) of {q.Gpus} GPU(s)", selfDay, selfDay / q.TokensPerDay * 1e6,
                $"${hourly:0.00} per GPU-hour; each machine decodes ~{single:0} tok/s per stream x {q.BatchingGain:0.#} with batching = {capacity / 1e6:0.#}M tokens/day"));
        }
        double? breakEven = null;
        var reference = lines.FirstOrDefault(l => l.Option.Contains("gpt-4o", StringComparison.OrdinalIgnoreCase)) ?? lines.FirstOrDefault();
        if (reference is not null && reference.UsdPerMillionTokens > 0 && hourly > 0 && capacity > 0)
        {
            var perMachineDay = q.Gpus * hourly * 24;
            breakEven = perMachineDay / reference.UsdPerMillionTokens * 1e6;
            if (breakEven > capacity) notes.Add($"One machine cannot reach break-even against {reference.Option}: it costs more per day than the API would charge for its full capacity.");
        }
        notes.Add($"Self-hosting assumes GPUs rented by the hour ({catalog.Document.Cost.GpuHourSource}) and a batching gain of {q.BatchingGain:0.#}x ({catalog.Document.Cost.BatchingGain.Source}).");
        return new CostReport(lines, breakEven, machines, capacity, notes);
    }
}
