using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;
using ModelScout.Core.Planning;
using ModelScout.Core.Recommend;
using ModelScout.Gguf;

namespace ModelScout.Core.Tests;

/// <summary>The planning service behind fit, recommend, runtimes and inspect: plans come back with their run commands.</summary>
public class DeploymentPlannerTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private readonly DeploymentPlanner planner = new(Catalog);

    private static FitOptions Options(long context = 8192) => new(context, KvSettings.Default);

    [Fact]
    public void A_model_that_fits_on_a_GPU_gets_a_command_for_every_runtime_and_Ollama_for_one_user()
    {
        var model = Catalog.FindModel("qwen2.5-coder:7b")!.Model;
        var plan = planner.Plan(model, TestMachines.WithGpus("rtx-4090", 1, 64), Options());
        Assert.True(plan.Fits);
        Assert.Same(model, plan.Model);
        Assert.Equal(["ollama", "llama.cpp", "vllm"], plan.Commands.Select(c => c.Runtime));
        Assert.Equal("ollama run qwen2.5-coder:7b", plan.Commands[0].Command);
        Assert.StartsWith("llama-server -m Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf -c 8192 -ngl 99", plan.Commands[1].Command, StringComparison.Ordinal);
        Assert.Equal("vllm serve Qwen/Qwen2.5-Coder-7B-Instruct --tensor-parallel-size 1 --max-model-len 8192", plan.Commands[2].Command);
        Assert.True(plan.Vllm!.Fits);
        Assert.Equal("ollama", plan.Runtime!.Runtime.Id);
        Assert.Same(plan.Commands[0], plan.Runtime.Command);
    }

    [Fact]
    public void Many_users_on_a_GPU_pick_vLLM_with_its_command()
    {
        var model = Catalog.FindModel("qwen2.5-coder:7b")!.Model;
        var plan = planner.Plan(model, TestMachines.WithGpus("rtx-4090", 1, 64), Options(), new RuntimeNeeds(Users: 8));
        Assert.Equal("vllm", plan.Runtime!.Runtime.Id);
        Assert.StartsWith("8 concurrent users: ", plan.Runtime.Reason, StringComparison.Ordinal);
        Assert.Equal(plan.Commands.Single(c => c.Runtime == "vllm"), plan.Runtime.Command);
    }

    [Fact]
    public void Without_a_GPU_there_is_no_vLLM_plan_and_many_users_get_llama_server_with_parallel_slots()
    {
        var model = Catalog.FindModel("llama3.1:8b")!.Model;
        var plan = planner.Plan(model, TestMachines.CpuOnly(32, 28), Options(), new RuntimeNeeds(Users: 4));
        Assert.True(plan.Fits);
        Assert.Null(plan.Vllm);
        Assert.DoesNotContain(plan.Commands, c => c.Runtime == "vllm");
        Assert.Equal("llama.cpp", plan.Runtime!.Runtime.Id);
        // llama-server splits -c among its slots: 4 users at 8K each need -c 32768, and the cache is planned for all four.
        Assert.StartsWith("llama-server -m Llama-3.1-8B-Instruct-Q4_K_M.gguf -c 32768 --parallel 4 ", plan.Runtime.Command!.Command, StringComparison.Ordinal);
        Assert.Contains(plan.Runtime.Command.Notes, n => n.Contains("each of the 4 concurrent requests gets 8K of context", StringComparison.Ordinal));
        Assert.Contains("each slot with its own 8K of context", plan.Runtime.Reason, StringComparison.Ordinal);
        Assert.Equal(4, plan.Fit.Best!.Placement.Kv.Sequences);
        var alone = planner.Plan(model, TestMachines.CpuOnly(32, 28), Options());
        Assert.Equal(4 * alone.Fit.Best!.Memory.KvCache, plan.Fit.Best.Memory.KvCache);
    }

    [Fact]
    public void Slots_given_explicitly_are_kept_and_one_user_gets_no_parallel_flag()
    {
        var model = Catalog.FindModel("llama3.1:8b")!.Model;
        var two = planner.Plan(model, TestMachines.CpuOnly(32, 28), new FitOptions(8192, KvSettings.Default with { Sequences = 2 }), new RuntimeNeeds(Users: 8));
        Assert.StartsWith("llama-server -m Llama-3.1-8B-Instruct-Q4_K_M.gguf -c 16384 --parallel 2 ", two.Runtime!.Command!.Command, StringComparison.Ordinal);
        var one = planner.Plan(model, TestMachines.CpuOnly(32, 28), Options());
        Assert.DoesNotContain("--parallel", one.Commands.Single(c => c.Runtime == "llama.cpp").Command, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_that_does_not_fit_gets_no_commands_no_vLLM_and_no_runtime()
    {
        var model = Catalog.FindModel("llama3.1:405b")!.Model;
        var plan = planner.Plan(model, TestMachines.WithGpus("rtx-4090", 1, 64), Options());
        Assert.False(plan.Fits);
        Assert.Empty(plan.Commands);
        Assert.Null(plan.Vllm);
        Assert.Null(plan.Runtime);
        Assert.NotEmpty(plan.Fit.Why);
    }

    [Fact]
    public void A_forced_level_and_preference_reach_the_fit()
    {
        var model = Catalog.FindModel("llama3.1:8b")!.Model;
        var machine = TestMachines.WithGpus("rtx-4090", 1, 64);
        Assert.Equal("Q8_0", planner.Plan(model, machine, Options() with { Quant = "Q8_0" }).Fit.Best!.Level.Id);
        var quality = planner.Plan(model, machine, Options() with { Preference = QuantPreference.Quality });
        Assert.Equal(new FitPlanner(Catalog).Plan(model, machine, Options() with { Preference = QuantPreference.Quality }).Best!.Level.Id, quality.Fit.Best!.Level.Id);
        Assert.Contains(quality.Fit.Best.Level.Id, quality.Commands[1].Command, StringComparison.Ordinal);
    }

    [Fact]
    public void Recommendations_carry_the_same_plan_as_planning_the_model_alone()
    {
        var u = Catalog.FindUseCase("coding")!;
        var machine = TestMachines.WithGpus("rtx-4090", 1, 64);
        var needs = new RuntimeNeeds(Users: 8);
        var r = planner.Recommend([u], new RecommendRequest(null, KvSettings.Default, LicenseMode.Commercial, null, needs), _ => machine).Single();
        Assert.NotEmpty(r.Ranked);
        foreach (var c in r.Ranked)
        {
            var alone = planner.Plan(c.Model, machine, new FitOptions(u.Context, KvSettings.Default), needs);
            Assert.Equal(alone.Commands.Select(x => (x.Runtime, x.Command, string.Join('|', x.Notes))), c.Commands.Select(x => (x.Runtime, x.Command, string.Join('|', x.Notes))));
            Assert.Equal(alone.Vllm?.Reason, c.Vllm?.Reason);
            Assert.Equal(alone.Fit.Best!.Level.Id, c.Fit.Level.Id);
            Assert.Equal(alone.Runtime!.Runtime.Id, c.Plan.Runtime!.Runtime.Id);
        }
        Assert.Same(r.Ranked[0].Plan.Runtime, r.Runtime);
    }

    [Fact]
    public void Use_cases_that_name_their_own_target_plan_on_it_and_the_rest_share_one_machine()
    {
        var asked = new List<string?>();
        Machine For(string? profile)
        {
            asked.Add(profile);
            return profile is null ? TestMachines.WithGpus("rtx-4090", 1, 64) : TestMachines.Profile(profile);
        }
        var useCases = new[] { "coding", "edge", "general" }.Select(id => Catalog.FindUseCase(id)!).ToList();
        var results = planner.Recommend(useCases, new RecommendRequest(null, KvSettings.Default, LicenseMode.Commercial, null, new RuntimeNeeds()), For);
        Assert.Equal(new string?[] { null, "edge-4gb" }, asked);
        Assert.Same(results[0].Options.Machine, results[2].Options.Machine);
        Assert.Equal("profile edge-4gb", results[1].Options.Machine.Source);
        Assert.Equal([8192L, 2048L, 8192L], results.Select(r => r.Options.Context));
    }

    [Fact]
    public void A_described_machine_keeps_every_use_case_on_it_and_guide_hardware_moves_every_one_to_its_profile()
    {
        var edge = Catalog.FindUseCase("edge")!;
        var coding = Catalog.FindUseCase("coding")!;
        var asked = new List<string?>();
        Machine For(string? profile)
        {
            asked.Add(profile);
            return TestMachines.Profile(profile ?? "rtx-4090");
        }
        var request = new RecommendRequest(4096, KvSettings.Default, LicenseMode.Any, null, new RuntimeNeeds(), MachineDescribed: true);
        var described = planner.Recommend([edge, coding], request, For);
        Assert.Equal(new string?[] { null }, asked);
        Assert.All(described, r => Assert.Equal(4096, r.Options.Context));
        Assert.All(described, r => Assert.Equal(LicenseMode.Any, r.Options.License));

        asked.Clear();
        planner.Recommend([edge, coding], request with { OnGuideHardware = true }, For);
        Assert.Equal(new string?[] { "edge-4gb", "laptop-6gb" }, asked);
    }

    [Fact]
    public void A_file_is_planned_at_its_trained_context_when_none_is_asked_with_commands_that_name_the_file()
    {
        var file = FileModelTests.Read(FileModelTests.TinyLlama());
        var machine = TestMachines.WithGpus("rtx-4090", 1, 32);
        var planned = planner.PlanFile(file, "/models/Tiny Model.Q4_K_M.gguf", machine, null, KvSettings.Default);
        Assert.Equal(4096, planned.Context);
        Assert.Equal("Tiny Model.Q4_K_M.gguf", planned.File.Entry.Id);
        Assert.Equal(4096, planned.Plan.Fit.Best!.Placement.Context);
        Assert.Null(planned.Plan.Vllm);
        Assert.Null(planned.Plan.Runtime);
        Assert.Equal(["ollama", "llama.cpp"], planned.Plan.Commands.Select(c => c.Runtime));
        Assert.Contains("ollama create tiny-model.q4_k_m -f Modelfile", planned.Plan.Commands[0].Command, StringComparison.Ordinal);
        Assert.StartsWith("llama-server -m \"/models/Tiny Model.Q4_K_M.gguf\" -c 4096 -ngl 99", planned.Plan.Commands[1].Command, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_at_an_asked_context_or_from_a_URL_keeps_what_was_asked()
    {
        var file = FileModelTests.Read(FileModelTests.TinyLlama());
        var planned = planner.PlanFile(file, "https://example.com/files/tiny.gguf/", TestMachines.CpuOnly(16, 12), 1024, KvSettings.Default);
        Assert.Equal(1024, planned.Context);
        Assert.Equal("tiny.gguf", planned.File.Entry.Id);
        Assert.Equal(FitKind.CpuOnly, planned.Plan.Fit.Best!.Kind);
        Assert.Contains("ollama create tiny -f Modelfile", planned.Plan.Commands[0].Command, StringComparison.Ordinal);
        Assert.StartsWith("llama-server -m https://example.com/files/tiny.gguf/ -c 1024 -ngl 0", planned.Plan.Commands[1].Command, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_a_memory_plan_gets_no_commands()
    {
        var w = new GgufWriter().Add("general.architecture", "llama");
        w.AddZeroTensor("x", [32], GgmlType.F32);
        var planned = planner.PlanFile(FileModelTests.Read(w), "broken.gguf", TestMachines.CpuOnly(16, 12), null, KvSettings.Default);
        Assert.False(planned.Plan.Fits);
        Assert.Empty(planned.Plan.Commands);
        Assert.StartsWith("no memory plan: ", planned.Plan.Fit.Why, StringComparison.Ordinal);
    }
}
