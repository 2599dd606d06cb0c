namespace ModelScout.Evaluation.Datasets;

/// <summary>MMLU's 57 subjects and the four categories results are reported under, grouped as Hendrycks et al. group them.</summary>
public static class MmluSubjects
{
    public const string Stem = "STEM";
    public const string Humanities = "humanities";
    public const string SocialSciences = "social sciences";
    public const string Other = "other";

    /// <summary>The group for a subject outside the 57 (a user's own CSV).</summary>
    public const string Uncategorised = "uncategorised";

    // subject, category: one row per subject.
    private static readonly (string Subject, string Category)[] Table =
    [
        ("abstract_algebra", Stem),
        ("anatomy", Other),
        ("astronomy", Stem),
        ("business_ethics", Other),
        ("clinical_knowledge", Other),
        ("college_biology", Stem),
        ("college_chemistry", Stem),
        ("college_computer_science", Stem),
        ("college_mathematics", Stem),
        ("college_medicine", Other),
        ("college_physics", Stem),
        ("computer_security", Stem),
        ("conceptual_physics", Stem),
        ("econometrics", SocialSciences),
        ("electrical_engineering", Stem),
        ("elementary_mathematics", Stem),
        ("formal_logic", Humanities),
        ("global_facts", Other),
        ("high_school_biology", Stem),
        ("high_school_chemistry", Stem),
        ("high_school_computer_science", Stem),
        ("high_school_european_history", Humanities),
        ("high_school_geography", SocialSciences),
        ("high_school_government_and_politics", SocialSciences),
        ("high_school_macroeconomics", SocialSciences),
        ("high_school_mathematics", Stem),
        ("high_school_microeconomics", SocialSciences),
        ("high_school_physics", Stem),
        ("high_school_psychology", SocialSciences),
        ("high_school_statistics", Stem),
        ("high_school_us_history", Humanities),
        ("high_school_world_history", Humanities),
        ("human_aging", Other),
        ("human_sexuality", SocialSciences),
        ("international_law", Humanities),
        ("jurisprudence", Humanities),
        ("logical_fallacies", Humanities),
        ("machine_learning", Stem),
        ("management", Other),
        ("marketing", Other),
        ("medical_genetics", Other),
        ("miscellaneous", Other),
        ("moral_disputes", Humanities),
        ("moral_scenarios", Humanities),
        ("nutrition", Other),
        ("philosophy", Humanities),
        ("prehistory", Humanities),
        ("professional_accounting", Other),
        ("professional_law", Humanities),
        ("professional_medicine", Other),
        ("professional_psychology", SocialSciences),
        ("public_relations", SocialSciences),
        ("security_studies", SocialSciences),
        ("sociology", SocialSciences),
        ("us_foreign_policy", SocialSciences),
        ("virology", Other),
        ("world_religions", Humanities),
    ];

    private static readonly Dictionary<string, string> ByName = Table.ToDictionary(r => r.Subject, r => r.Category, StringComparer.Ordinal);

    /// <summary>All subjects, alphabetical.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Table.Select(r => r.Subject)];

    /// <summary>The category of a subject; <see cref="Uncategorised"/> for one outside the table.</summary>
    public static string CategoryOf(string subject) => ByName.GetValueOrDefault(subject, Uncategorised);

    /// <summary>"high_school_us_history" → "high school us history", as prompts name the subject.</summary>
    public static string DisplayName(string subject) => subject.Replace('_', ' ');
}
