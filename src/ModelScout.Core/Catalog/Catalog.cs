using System.Text.Json;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Catalog;

/// <summary>A model named by the user, resolved against the catalog, with the quantization the name implied if any.</summary>
public sealed record ModelRef(ModelEntry Model, string? Quant);

/// <summary>
/// The validated catalog with lookups. Built from the embedded data file, optionally overlaid with a user file whose
/// entries replace embedded ones with the same id and add the rest.
/// </summary>
public sealed class Catalog
{
    private const string ResourceName = "ModelScout.Core.catalog.json";
    private static readonly Lazy<Catalog> EmbeddedCatalog = new(() => FromDocument(ReadEmbedded(), "embedded catalog"));

    private readonly Dictionary<string, ModelEntry> modelsById;
    private readonly Dictionary<string, ModelEntry> modelNames;
    private readonly Dictionary<string, LicenseEntry> licenses;

    private Catalog(CatalogDocument doc)
    {
        Document = doc;
        modelsById = doc.Models.ToDictionary(m => m.Id, StringComparer.OrdinalIgnoreCase);
        licenses = doc.Licenses.ToDictionary(l => l.Id, StringComparer.OrdinalIgnoreCase);
        modelNames = new Dictionary<string, ModelEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in doc.Models)
        {
            foreach (var name in NamesOf(m)) modelNames.TryAdd(Normalize(name), m);
        }
    }

    /// <summary>The raw document.</summary>
    public CatalogDocument Document { get; }

    /// <summary>The catalog compiled into ModelScout.Core.</summary>
    public static Catalog Embedded => EmbeddedCatalog.Value;

    /// <summary>Every model, open ones first, in file order.</summary>
    public IEnumerable<ModelEntry> Models => Document.Models;

    /// <summary>Open-weight models only.</summary>
    public IEnumerable<ModelEntry> OpenModels => Document.Models.Where(m => m.IsOpen);

    /// <summary>Loads the embedded catalog, overlaid with <paramref name="overrideFile"/> when given.</summary>
    public static Catalog Load(string? overrideFile)
    {
        if (string.IsNullOrEmpty(overrideFile)) return Embedded;
        if (!File.Exists(overrideFile)) throw new CatalogException($"catalog file '{overrideFile}' does not exist");
        CatalogDocument overlay;
        try
        {
            using var stream = File.OpenRead(overrideFile);
            overlay = JsonSerializer.Deserialize(stream, CatalogJson.Default.CatalogDocument)
                ?? throw new CatalogException($"catalog file '{overrideFile}' is empty");
        }
        catch (JsonException e)
        {
            throw new CatalogException($"catalog file '{overrideFile}' is not valid JSON: {e.Message}", e);
        }
        return FromDocument(Merge(ReadEmbedded(), overlay), overrideFile);
    }

    /// <summary>Validates a document and builds a catalog over it.</summary>
    public static Catalog FromDocument(CatalogDocument doc, string origin)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var problems = CatalogValidator.Check(doc);
        if (problems.Count > 0) throw new CatalogException($"{origin} has {problems.Count} problem(s)", problems);
        return new Catalog(doc);
    }

    internal static CatalogDocument ReadEmbedded()
    {
        using var stream = typeof(Catalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new CatalogException("the embedded catalog is missing from ModelScout.Core");
        return JsonSerializer.Deserialize(stream, CatalogJson.Default.CatalogDocument)
            ?? throw new CatalogException("the embedded catalog is empty");
    }

    private static CatalogDocument Merge(CatalogDocument baseDoc, CatalogDocument overlay) => baseDoc with
    {
        Models = Overlay(baseDoc.Models, overlay.Models, m => m.Id),
        Licenses = Overlay(baseDoc.Licenses, overlay.Licenses, l => l.Id),
        Gpus = Overlay(baseDoc.Gpus, overlay.Gpus, g => g.Id),
        Profiles = Overlay(baseDoc.Profiles, overlay.Profiles, p => p.Id),
        UseCases = Overlay(baseDoc.UseCases, overlay.UseCases, u => u.Id),
        Runtimes = Overlay(baseDoc.Runtimes, overlay.Runtimes, r => r.Id),
        Glossary = Overlay(baseDoc.Glossary, overlay.Glossary, g => g.Id),
        QuantLoss = Overlay(baseDoc.QuantLoss, overlay.QuantLoss, q => q.Id),
        Sources = new Dictionary<string, string>(baseDoc.Sources.Concat(overlay.Sources).GroupBy(p => p.Key).Select(g => g.Last())),
        Cost = overlay.Cost.Api.Count > 0 ? baseDoc.Cost with { Api = Overlay(baseDoc.Cost.Api, overlay.Cost.Api, a => a.Id) } : baseDoc.Cost,
    };

    private static List<T> Overlay<T>(List<T> items, List<T> overrides, Func<T, string> id)
    {
        var result = new List<T>(items);
        foreach (var o in overrides)
        {
            var i = result.FindIndex(x => string.Equals(id(x), id(o), StringComparison.OrdinalIgnoreCase));
            if (i >= 0) result[i] = o;
            else result.Add(o);
        }
        return result;
    }

    /// <summary>Every name a model answers to.</summary>
    public static IEnumerable<string> NamesOf(ModelEntry m)
    {
        ArgumentNullException.ThrowIfNull(m);
        yield return m.Id;
        yield return m.Name;
        foreach (var a in m.Aliases) yield return a;
        if (m.Ollama is { } o) foreach (var t in o.Tags) yield return t;
        if (m.HuggingFace is { } hf)
        {
            yield return hf;
            yield return hf[(hf.IndexOf('/', StringComparison.Ordinal) + 1)..];
        }
        if (m.Guide?.Name is { } g && m.Guide.MentionedIn is null) yield return g;
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace(' ', '-');

    /// <summary>Finds a model by id, Ollama tag (including quantized tags), alias, Hugging Face id or display name.</summary>
    public ModelRef? FindModel(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Normalize(name);
        if (modelNames.TryGetValue(key, out var m)) return new ModelRef(m, null);
        foreach (var model in Document.Models)
        {
            if (model.Ollama?.QuantTag is not { } pattern) continue;
            var at = pattern.IndexOf("{quant}", StringComparison.Ordinal);
            if (at < 0 || !key.StartsWith(pattern[..at], StringComparison.OrdinalIgnoreCase)) continue;
            var quant = QuantRecipe.Find(key[at..].Replace("fp16", "f16", StringComparison.Ordinal));
            if (quant is not null) return new ModelRef(model, quant.Name);
        }
        return null;
    }

    /// <summary>Close names for an unknown one, best first.</summary>
    public IReadOnlyList<string> Suggest(string name, int max = 3)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Normalize(name);
        var candidates = Document.Models
            .SelectMany(m => NamesOf(m).Select(n => (Name: n, Model: m)))
            .Where(c => !c.Name.Contains(' ', StringComparison.Ordinal))
            .Select(c => (c.Name, c.Model, Score: NameDistance.Score(key, Normalize(c.Name))))
            .Where(c => c.Score <= Math.Max(2, key.Length / 3) || Normalize(c.Name).Contains(key, StringComparison.Ordinal))
            .OrderBy(c => c.Score)
            .ThenBy(c => c.Name.Length);
        var seen = new HashSet<string>();
        var result = new List<string>();
        foreach (var c in candidates)
        {
            if (!seen.Add(c.Model.Id)) continue;
            result.Add(c.Model.Ollama?.Tags.FirstOrDefault() ?? c.Model.Id);
            if (result.Count == max) break;
        }
        return result;
    }

    /// <summary>A model by exact id.</summary>
    public ModelEntry? ModelById(string id) => modelsById.GetValueOrDefault(id);

    /// <summary>A licence by id, with <c>sameTermsAs</c> resolved and overrides applied.</summary>
    public LicenseEntry? License(string id)
    {
        if (!licenses.TryGetValue(id, out var l)) return null;
        if (l.SameTermsAs is null || !licenses.TryGetValue(l.SameTermsAs, out var basis)) return l;
        var terms = new Dictionary<string, LicenseTerm>(basis.Terms);
        foreach (var (k, v) in l.Overrides) terms[k] = v;
        return basis with
        {
            Id = l.Id,
            Name = l.Name,
            Date = l.Date ?? basis.Date,
            Url = l.Url ?? basis.Url,
            Terms = terms,
            Note = l.Note,
            Source = l.Source ?? basis.Source,
            Corrections = l.Corrections.Count > 0 ? l.Corrections : basis.Corrections,
            SameTermsAs = l.SameTermsAs,
        };
    }

    /// <summary>The catalog entry for a quantization level.</summary>
    public QuantizationLevel? Quantization(string id) =>
        Document.Quantizations.FirstOrDefault(q => string.Equals(q.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Published loss measurements shown for <paramref name="model"/>: the sets measured on its family.</summary>
    public IReadOnlyList<QuantLossSet> PublishedLoss(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Family is not { } family ? [] : Document.QuantLoss
            .Where(s => s.Kind == QuantLossSet.Measured && s.Families.Contains(family, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>The published column the guide's single "quality loss" figure per level resembles.</summary>
    public QuantLossSet? GuideLossResembles => Document.QuantLoss.FirstOrDefault(s => s.Kind == QuantLossSet.GuideResembles);

    /// <summary>A use case by id or alias.</summary>
    public UseCase? FindUseCase(string name) => Document.UseCases.FirstOrDefault(u =>
        string.Equals(u.Id, name, StringComparison.OrdinalIgnoreCase) || u.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase));

    /// <summary>A hardware profile by id.</summary>
    public HardwareProfile? Profile(string id) =>
        Document.Profiles.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>A runtime by id.</summary>
    public RuntimeEntry? Runtime(string id) =>
        Document.Runtimes.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>A benchmark by id.</summary>
    public BenchmarkInfo? Benchmark(string id) =>
        Document.Benchmarks.FirstOrDefault(b => string.Equals(b.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>A GPU spec by id.</summary>
    public GpuSpec? GpuById(string id) =>
        Document.Gpus.FirstOrDefault(g => string.Equals(g.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Matches a GPU name as a driver prints it ("NVIDIA GeForce RTX 4090", "AMD Radeon RX 7900 XTX") to a spec.</summary>
    public GpuSpec? FindGpu(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (GpuById(name) is { } byId) return byId;
        var tokens = GpuTokens(name);
        GpuSpec? best = null;
        var bestScore = 0;
        foreach (var g in Document.Gpus)
        {
            foreach (var pattern in g.Match)
            {
                var want = GpuTokens(pattern);
                if (want.Count == 0 || !want.All(tokens.Contains)) continue;
                // A laptop part is a different card (less memory, less bandwidth): never let it match a desktop spec.
                if (MobileTokens.Any(tokens.Contains) && !MobileTokens.Any(want.Contains)) continue;
                if (want.Count > bestScore)
                {
                    best = g;
                    bestScore = want.Count;
                }
            }
        }
        return best;
    }

    private static readonly string[] MobileTokens = ["laptop", "mobile"];

    private static HashSet<string> GpuTokens(string s)
    {
        var cleaned = new string(s.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray());
        var noise = new HashSet<string> { "nvidia", "geforce", "amd", "radeon", "intel", "tm", "graphics", "tesla", "instinct", "generation" };
        return cleaned.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => !noise.Contains(t)).ToHashSet();
    }

    /// <summary>An Apple chip by id ("m3", "m3-max") or name ("Apple M3 Max").</summary>
    public AppleChip? FindAppleChip(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = Normalize(name).Replace("apple-", "", StringComparison.Ordinal);
        return Document.AppleChips.FirstOrDefault(c => c.Id == key || Normalize(c.Name) == Normalize(name));
    }

    /// <summary>A glossary entry by id, title or alias.</summary>
    public GlossaryEntry? FindTerm(string term)
    {
        ArgumentNullException.ThrowIfNull(term);
        var key = Normalize(term);
        return Document.Glossary.FirstOrDefault(g => Normalize(g.Id) == key || Normalize(g.Title) == key || g.Aliases.Any(a => Normalize(a) == key));
    }

    /// <summary>Close glossary terms for an unknown one.</summary>
    public IReadOnlyList<string> SuggestTerms(string term)
    {
        ArgumentNullException.ThrowIfNull(term);
        var key = Normalize(term);
        return Document.Glossary
            .Select(g => (g.Id, Score: new[] { g.Id }.Concat(g.Aliases).Min(n => NameDistance.Score(key, Normalize(n)))))
            .Where(x => x.Score <= Math.Max(2, key.Length / 3))
            .OrderBy(x => x.Score)
            .Take(3)
            .Select(x => x.Id)
            .ToList();
    }

    /// <summary>The title of a source key, or the key itself when it is free text.</summary>
    public string SourceTitle(string key) => Document.Sources.GetValueOrDefault(key) ?? key;
}
