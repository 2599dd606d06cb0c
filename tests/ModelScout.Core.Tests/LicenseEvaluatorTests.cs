using ModelScout.Core.Licensing;

namespace ModelScout.Core.Tests;

public class LicenseEvaluatorTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    private static LicenseReport Single(string model, LicenseQuery q) => Assert.Single(LicenseEvaluator.Evaluate(Catalog, Catalog.FindModel(model)!.Model, q));

    private static LicenseAnswer Answer(LicenseReport r, string question) => r.Answers.Single(a => a.Question == question);

    [Fact]
    public void Llama_above_the_MAU_threshold_needs_Meta_and_names_the_clause()
    {
        var limit = Catalog.License("llama-3.1-community")!.Mau!.Limit;
        var under = Single("llama3.1:8b", new LicenseQuery(Commercial: true, MonthlyActiveUsers: limit - 1));
        Assert.Equal(LicenseVerdict.Allowed, Answer(under, "mau").Verdict);
        var over = Single("llama3.1:8b", new LicenseQuery(Commercial: true, MonthlyActiveUsers: limit + 1));
        Assert.Equal(LicenseVerdict.NotAllowed, over.Overall);
        Assert.Equal("§2", Answer(over, "mau").Clause);
        Assert.Contains("release date", Answer(over, "mau").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Kimi_K2_above_its_threshold_stays_allowed_with_the_attribution_duty()
    {
        var limit = Catalog.License("modified-mit-kimi")!.Mau!;
        Assert.Equal("conditions", limit.Above);
        var under = Single("kimi-k2", new LicenseQuery(MonthlyActiveUsers: limit.Limit - 1));
        Assert.Equal(LicenseVerdict.Allowed, Answer(under, "mau").Verdict);
        var over = Single("kimi-k2", new LicenseQuery(MonthlyActiveUsers: limit.Limit * 2));
        var answer = Answer(over, "mau");
        Assert.Equal(LicenseVerdict.Conditions, answer.Verdict);
        Assert.Equal(LicenseVerdict.Conditions, over.Overall);
        Assert.Equal(limit.Conditions, answer.Conditions);
        Assert.Contains("Kimi K2", answer.Conditions[0], StringComparison.Ordinal);
        // Unasked, the row says duties apply above the threshold, not that a separate licence is needed.
        var unasked = Answer(Single("kimi-k2", new LicenseQuery(Commercial: true)), "mau");
        Assert.Equal(LicenseVerdict.Conditions, unasked.Verdict);
        Assert.DoesNotContain("separate licence", unasked.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Llama_31_allows_training_other_models_under_the_naming_rule_but_Llama_3_did_not()
    {
        var r = Single("llama3.1:70b", new LicenseQuery(TrainOtherModels: true));
        var a = Answer(r, "trainOtherModels");
        Assert.Equal(LicenseVerdict.Conditions, a.Verdict);
        Assert.Contains(a.Conditions, c => c.Contains("Llama", StringComparison.Ordinal));
        Assert.Contains(r.Corrections, c => c.Contains("Llama 3", StringComparison.Ordinal));
        var old = Catalog.License("meta-llama-3")!;
        Assert.Equal("not-allowed", old.Terms["trainOtherModels"].Verdict);
    }

    [Fact]
    public void Llama_33_shares_the_31_terms()
    {
        var r = Single("llama3.3:70b", new LicenseQuery(Commercial: true, Saas: true));
        Assert.Equal("llama-3.3-community", r.License.Id);
        Assert.Equal(Catalog.License("llama-3.1-community")!.Terms["saas"].Text, Answer(r, "saas").Text);
    }

    [Fact]
    public void Mistral_Large_is_research_only_for_business_hosting_and_outputs()
    {
        var r = Single("mistral-large:123b", new LicenseQuery(Commercial: true, Saas: true, TrainOtherModels: true));
        Assert.Equal(LicenseVerdict.NotAllowed, r.Overall);
        Assert.All(new[] { "commercial", "saas", "trainOtherModels" }, q => Assert.Equal(LicenseVerdict.NotAllowed, Answer(r, q).Verdict));
    }

    [Fact]
    public void MIT_and_Apache_models_need_nothing_for_commercial_hosting()
    {
        foreach (var m in new[] { "phi4:14b", "phi4-mini", "qwen2.5-coder:7b", "mistral-small3.1:24b" })
        {
            var r = Single(m, new LicenseQuery(Commercial: true, Saas: true, MonthlyActiveUsers: 2_000_000_000));
            Assert.Equal(LicenseVerdict.Allowed, r.Overall);
        }
    }

    [Fact]
    public void Qwen_72B_is_not_Apache_and_has_its_own_user_threshold()
    {
        var r = Single("qwen2.5:72b", new LicenseQuery(Commercial: true, MonthlyActiveUsers: 150_000_000));
        Assert.Equal("qwen", r.License.Id);
        Assert.Equal(LicenseVerdict.NotAllowed, Answer(r, "mau").Verdict);
        Assert.Contains("Apache 2.0", r.GuideSays!, StringComparison.Ordinal);
        Assert.Contains("Qwen", r.GuideSays!, StringComparison.Ordinal);
    }

    [Fact]
    public void DeepSeek_V3_is_keyed_by_checkpoint_and_only_0324_is_MIT()
    {
        var reports = LicenseEvaluator.Evaluate(Catalog, Catalog.FindModel("deepseek-v3:671b")!.Model, new LicenseQuery(Commercial: true));
        Assert.Equal(2, reports.Count);
        var dec = reports.Single(r => r.Checkpoint == "DeepSeek-V3");
        var mar = reports.Single(r => r.Checkpoint == "DeepSeek-V3-0324");
        Assert.Equal(LicenseVerdict.Conditions, dec.Overall);
        Assert.Contains(Answer(dec, "commercial").Conditions, c => c.Contains("Attachment A", StringComparison.Ordinal));
        Assert.Equal(LicenseVerdict.Allowed, mar.Overall);
        Assert.Equal("mit", LicenseEvaluator.Best(Catalog, Catalog.ModelById("deepseek-v3-671b")!, new LicenseQuery(Commercial: true))!.License.Id);
    }

    [Fact]
    public void Gemma_2_derivatives_from_outputs_inherit_the_terms()
    {
        var r = Single("gemma2:9b", new LicenseQuery(TrainOtherModels: true));
        Assert.Equal(LicenseVerdict.Conditions, r.Overall);
        Assert.Contains("Model Derivative", Answer(r, "trainOtherModels").Text, StringComparison.Ordinal);
        Assert.Contains("Apache 2.0", r.GuideSays!, StringComparison.Ordinal);
    }

    [Fact]
    public void Asking_nothing_answers_the_common_questions()
    {
        var r = Single("llama3.1:8b", new LicenseQuery());
        Assert.Equal(new[] { "commercial", "saas", "fineTune", "trainOtherModels", "mau" }, r.Answers.Select(a => a.Question));
    }
}
