using ModelScout.Core.Catalog;

namespace ModelScout.Core.Licensing;

/// <summary>An answer to "may I do this with the weights?".</summary>
public enum LicenseVerdict
{
    /// <summary>Allowed without conditions.</summary>
    Allowed,
    /// <summary>Allowed if the listed conditions are met.</summary>
    Conditions,
    /// <summary>Not allowed under this licence.</summary>
    NotAllowed,
}

/// <summary>What the user plans to do.</summary>
/// <param name="Commercial">Use in a commercial product or internal business use.</param>
/// <param name="Saas">Offer the model, or a product on it, as a hosted service.</param>
/// <param name="MonthlyActiveUsers">Monthly active users of the product, when known.</param>
/// <param name="TrainOtherModels">Use outputs to train or distil other models.</param>
/// <param name="FineTune">Fine-tune and distribute derived weights.</param>
/// <param name="Distribute">Redistribute the weights themselves.</param>
public sealed record LicenseQuery(bool Commercial = false, bool Saas = false, long? MonthlyActiveUsers = null, bool TrainOtherModels = false, bool FineTune = false, bool Distribute = false)
{
    /// <summary>True when no question was asked, in which case every common question is answered.</summary>
    public bool IsEmpty => !Commercial && !Saas && MonthlyActiveUsers is null && !TrainOtherModels && !FineTune && !Distribute;
}

/// <summary>One answered question.</summary>
/// <param name="Question">commercial, saas, mau, fineTune, trainOtherModels or distribution.</param>
/// <param name="Verdict">The answer.</param>
/// <param name="Clause">The clause of the licence behind it.</param>
/// <param name="Text">What the clause says, in our words.</param>
/// <param name="Conditions">What you must do for the answer to hold.</param>
public sealed record LicenseAnswer(string Question, LicenseVerdict Verdict, string Clause, string Text, IReadOnlyList<string> Conditions);

/// <summary>The licence position of one checkpoint of a model.</summary>
public sealed record LicenseReport(
    ModelEntry Model,
    string Checkpoint,
    LicenseEntry License,
    IReadOnlyList<LicenseAnswer> Answers,
    LicenseVerdict Overall,
    string? GuideSays,
    IReadOnlyList<string> Corrections);

/// <summary>Answers licence questions from the structured terms in the catalog.</summary>
public static class LicenseEvaluator
{
    private static readonly string[] DefaultQuestions = ["commercial", "saas", "fineTune", "trainOtherModels"];

    /// <summary>Human labels for question ids.</summary>
    public static string Label(string question) => question switch
    {
        "commercial" => "Commercial use",
        "saas" => "Hosted service (SaaS)",
        "mau" => "User-count limit",
        "fineTune" => "Fine-tune and share derivatives",
        "trainOtherModels" => "Train other models on outputs",
        "distribution" => "Redistribute the weights",
        _ => question,
    };

    /// <summary>One report per checkpoint of the model (most models have one).</summary>
    public static IReadOnlyList<LicenseReport> Evaluate(Catalog.Catalog catalog, ModelEntry model, LicenseQuery query)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(query);
        if (!model.IsOpen || model.License is null) return [];
        var checkpoints = model.Checkpoints.Count > 0
            ? model.Checkpoints.Select(c => (c.Id, c.License))
            : [(model.HuggingFace ?? model.Name, model.License)];
        return checkpoints.Select(c => Report(catalog, model, c.Item1, catalog.License(c.Item2)!, query)).ToList();
    }

    /// <summary>The most permissive checkpoint for the query.</summary>
    public static LicenseReport? Best(Catalog.Catalog catalog, ModelEntry model, LicenseQuery query) =>
        Evaluate(catalog, model, query).OrderBy(r => r.Overall).FirstOrDefault();

    private static LicenseReport Report(Catalog.Catalog catalog, ModelEntry model, string checkpoint, LicenseEntry license, LicenseQuery query)
    {
        var questions = new List<string>();
        if (query.IsEmpty) questions.AddRange(DefaultQuestions);
        if (query.Commercial) questions.Add("commercial");
        if (query.Saas) questions.Add("saas");
        if (query.FineTune) questions.Add("fineTune");
        if (query.TrainOtherModels) questions.Add("trainOtherModels");
        if (query.Distribute) questions.Add("distribution");

        var answers = new List<LicenseAnswer>();
        foreach (var q in questions)
        {
            answers.Add(license.Terms.TryGetValue(q, out var term)
                ? new LicenseAnswer(q, Parse(term.Verdict), term.Clause, term.Text, term.Conditions)
                : new LicenseAnswer(q, LicenseVerdict.Conditions, "—", "The catalog has no structured term for this question; read the licence text.", ["read the licence"]));
        }
        if (query.MonthlyActiveUsers is { } mau || query.Commercial || query.Saas || query.IsEmpty)
        {
            answers.Add(MauAnswer(license, query.MonthlyActiveUsers));
        }
        var overall = answers.Count == 0 ? LicenseVerdict.Allowed : answers.Max(a => a.Verdict);
        var guide = GuideClaim(catalog, model, license);
        return new LicenseReport(model, checkpoint, license, answers, overall, guide, license.Corrections);
    }

    private static LicenseAnswer MauAnswer(LicenseEntry license, long? mau)
    {
        if (license.Mau is not { } limit)
            return new LicenseAnswer("mau", LicenseVerdict.Allowed, "—", "No limit on the number of users.", []);
        // Some licences need a separate licence above the threshold (Llama, Qwen); others only add duties (Kimi K2).
        var dutiesOnly = string.Equals(limit.Above, "conditions", StringComparison.OrdinalIgnoreCase);
        if (mau is null)
            return new LicenseAnswer("mau", LicenseVerdict.Conditions, limit.Clause,
                dutiesOnly
                    ? $"Above {limit.Limit:N0} monthly active users ({limit.Measured}) duties apply. {limit.Text}"
                    : $"Above {limit.Limit:N0} monthly active users ({limit.Measured}) you need a separate licence. {limit.Text}",
                dutiesOnly
                    ? [.. limit.Conditions.Select(c => $"above {limit.Limit:N0} monthly active users: {c}")]
                    : [$"stay at or under {limit.Limit:N0} monthly active users, or get a licence"]);
        if (mau.Value <= limit.Limit)
            return new LicenseAnswer("mau", LicenseVerdict.Allowed, limit.Clause,
                $"{mau.Value:N0} users is under the {limit.Limit:N0} threshold ({limit.Measured}).", []);
        return dutiesOnly
            ? new LicenseAnswer("mau", LicenseVerdict.Conditions, limit.Clause,
                $"{mau.Value:N0} users is above the {limit.Limit:N0} threshold ({limit.Measured}). {limit.Text}", limit.Conditions)
            : new LicenseAnswer("mau", LicenseVerdict.NotAllowed, limit.Clause,
                $"{mau.Value:N0} users is above the {limit.Limit:N0} threshold ({limit.Measured}). {limit.Text}", ["negotiate a separate licence"]);
    }

    private static string? GuideClaim(Catalog.Catalog catalog, ModelEntry model, LicenseEntry license)
    {
        var said = model.Guide?.License;
        if (said is null) return null;
        var named = catalog.License(license.SameTermsAs ?? license.Id)?.Names.Concat(license.Names) ?? license.Names;
        return named.Contains(said, StringComparer.OrdinalIgnoreCase)
            ? $"the guide says {said}: right"
            : $"the guide says {said}; these weights are under the {license.Name}";
    }

    private static LicenseVerdict Parse(string verdict) => verdict switch
    {
        "allowed" => LicenseVerdict.Allowed,
        "conditions" => LicenseVerdict.Conditions,
        _ => LicenseVerdict.NotAllowed,
    };

    /// <summary>Words for a verdict.</summary>
    public static string Words(LicenseVerdict v) => v switch
    {
        LicenseVerdict.Allowed => "allowed",
        LicenseVerdict.Conditions => "allowed with conditions",
        _ => "not allowed",
    };
}
