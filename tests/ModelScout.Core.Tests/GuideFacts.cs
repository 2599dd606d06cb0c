using System.Text.Json;
using ModelScout.Testing;

namespace ModelScout.Core.Tests;

/// <summary>
/// The figures of the guide the catalog was built from (open-source-llms-2026-guide.txt), as facts the tests own:
/// Fixtures/guide-facts.json. The guide itself is not ours to commit; <see cref="GuideFactsMatchTheGuideTests"/> holds
/// this file to the guide's text wherever the guide is beside the clone.
/// </summary>
internal sealed record GuideFacts(
    string About,
    IReadOnlyList<GuideModelRow> Models,
    IReadOnlyList<GuideQuantizationRow> Quantizations,
    IReadOnlyList<GuideLicenceRow> Licences,
    IReadOnlyList<GuideUseCase> UseCases,
    IReadOnlyList<GuideBenchmarkBullet> Benchmarks,
    double Coder32BHumanEval,
    IReadOnlyList<string> FamiliesNamedWithoutARow,
    IReadOnlyList<string> Numbers)
{
    public static string FilePath => Path.Combine(RepoPaths.Root, "tests", "ModelScout.Core.Tests", "Fixtures", "guide-facts.json");

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly Lazy<GuideFacts> Loaded = new(() =>
        JsonSerializer.Deserialize<GuideFacts>(File.ReadAllText(FilePath), Options) ?? throw new InvalidDataException(FilePath + " is empty"));

    public static GuideFacts Value => Loaded.Value;
}

/// <summary>A row of the guide's "Full Model Comparison Table"; MMLU and HumanEval in percent.</summary>
internal sealed record GuideModelRow(string Name, string Params, string Context, string License, double Mmlu, double HumanEval, string MinMemory, string BestFor);

/// <summary>A row of the guide's quantization table (a 7B model).</summary>
internal sealed record GuideQuantizationRow(string Label, string Bits, string Size7B, string QualityLoss, string MinVram7B, string BestFor);

/// <summary>A row of the guide's licence table; its cells joined by single spaces are the row as printed.</summary>
internal sealed record GuideLicenceRow(string Type, string Models, string CommercialUse, string KeyRestriction, string SafeForSaas)
{
    public string Printed => $"{Type} {Models} {CommercialUse} {KeyRestriction} {SafeForSaas}";
}

/// <summary>One of the guide's "Ranked Recommendations by Use Case": heading, one-line description, and the pick after the arrow.</summary>
internal sealed record GuideUseCase(string Heading, string Description, string Pick);

/// <summary>
/// A bullet of "What the Benchmarks Actually Measure" and every figure in it, except model names (GPT-4), the pass@1
/// metric name and the 1-10 scale.
/// </summary>
internal sealed record GuideBenchmarkBullet(string Bullet, IReadOnlyList<double> Figures);
