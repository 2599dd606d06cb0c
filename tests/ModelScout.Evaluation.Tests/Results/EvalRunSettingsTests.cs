using ModelScout.Evaluation.Results;

namespace ModelScout.Evaluation.Tests.Results;

/// <summary>The default run name and the recorded sampling settings: what makes "run the same command again" resume.</summary>
public class EvalRunSettingsTests
{
    private static readonly RunKey Endpoint = RunKey.ForEndpoint(new Uri("http://127.0.0.1:11434/v1/"), "qwen3:8b", "sha256:" + new string('a', 64), "Q4_K_M");

    private static EvalRunSettings Settings(params string[] suites) => new() { Suites = suites, MmluMode = "auto", Limit = 2 };

    [Fact]
    public void The_run_name_is_the_model_the_suites_and_a_hash_that_stays_the_same_from_version_to_version()
    {
        // Stored runs are found again by this name: a change to how it is derived would orphan every one of them.
        Assert.Equal("qwen3-8b-gsm8k+mmlu-594a6baa26", Settings("gsm8k", "mmlu").RunName(Endpoint));
        var local = new EvalRunSettings
        {
            Suites = ["mtbench"], MmluMode = "generative", Seed = 7, Fraction = 0.25, Temperature = 0.7, MaxTokens = 256,
            JudgeEndpoint = new Uri("http://judge:8080/v1"), JudgeModel = "big-judge",
        };
        Assert.Equal("my-model.q4_k_m-mtbench-606d4ec702", local.RunName(new RunKey(RunKey.InProcess, "/models/My Model.Q4_K_M.gguf")));
    }

    [Fact]
    public void Any_setting_the_digest_or_the_target_changes_the_name_and_the_order_of_the_suites_only_its_label()
    {
        var name = Settings("gsm8k", "mmlu").RunName(Endpoint);
        Assert.Equal(name, Settings("gsm8k", "mmlu").RunName(Endpoint));
        Assert.NotEqual(name, (Settings("gsm8k", "mmlu") with { Limit = 3 }).RunName(Endpoint));
        Assert.NotEqual(name, (Settings("gsm8k", "mmlu") with { Gsm8kEightShot = true }).RunName(Endpoint));
        Assert.NotEqual(name, (Settings("gsm8k", "mmlu") with { DataDirectory = "data" }).RunName(Endpoint));
        Assert.NotEqual(name, Settings("gsm8k", "mmlu").RunName(Endpoint with { ModelDigest = "sha256:" + new string('b', 64) }));
        Assert.NotEqual(name, Settings("gsm8k", "mmlu").RunName(Endpoint with { Endpoint = "http://127.0.0.1:8080/v1/" }));
        var swapped = Settings("mmlu", "gsm8k").RunName(Endpoint);
        Assert.Equal(name[^10..], swapped[^10..]);
        Assert.StartsWith("qwen3-8b-mmlu+gsm8k-", swapped, StringComparison.Ordinal);
    }

    [Fact]
    public void The_judge_counts_only_when_MT_Bench_runs()
    {
        var judged = Settings("gsm8k") with { JudgeEndpoint = new Uri("http://judge/v1"), JudgeModel = "j" };
        Assert.Equal(Settings("gsm8k").RunName(Endpoint), judged.RunName(Endpoint));
        Assert.DoesNotContain("judge", judged.Sampling.Keys);
        Assert.Equal("http://judge/v1 j", (judged with { Suites = ["mtbench"] }).Sampling["judge"]);
    }

    [Fact]
    public void Sampling_keeps_the_set_settings_in_order_without_the_data_folder_or_the_digest()
    {
        var s = Settings("mmlu") with { Shots = 0, Temperature = 0.1, DataDirectory = "data", Gsm8kEightShot = true };
        Assert.Equal(["limit", "seed", "shots", "mmlu", "gsm8k", "samples", "temperature"], s.Sampling.Keys);
        Assert.Equal(["2", "0", "0", "auto", "8shot", "1", "0.1"], s.Sampling.Values);
    }

    [Fact]
    public void Model_names_become_short_safe_slugs()
    {
        static string Slug(string model) => Settings("math").RunName(new RunKey("e", model)).Split("-math-")[0];
        Assert.Equal("stories", Slug("/srv/models/Stories.GGUF"));
        Assert.Equal("llama3.1-8b", Slug("llama3.1:8b"));
        Assert.Equal(40, Slug(new string('x', 60)).Length);
        Assert.Equal("model", Slug("///"));
    }

    [Fact]
    public void Run_keys_name_the_endpoint_or_say_in_process()
    {
        Assert.Equal(new RunKey("http://127.0.0.1:11434/v1/", "qwen3:8b", "sha256:" + new string('a', 64), "Q4_K_M"), Endpoint);
        Assert.Equal(new RunKey("local", "stories:latest", "sha256:00", "F32"), RunKey.ForLocal("stories:latest", "sha256:00", "F32"));
    }
}
