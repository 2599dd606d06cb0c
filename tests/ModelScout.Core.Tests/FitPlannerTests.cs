using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Tests;

public class FitPlannerTests
{
    private const double MiB = 1024 * 1024;
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private readonly FitPlanner planner = new(Catalog);

    private static ModelEntry Model(string id) => Catalog.ModelById(id)!;

    [Fact]
    public void Ollama_qwen_coder_32b_totals_are_within_five_percent_at_every_context()
    {
        var truth = Catalog.Document.Measurements.Single(m => m.Id == "qwen25-coder-32b-ollama");
        var model = Model(truth.Model!);
        var weights = planner.WeightsOf(model, Catalog.Quantization(truth.Quant!)!);
        var overhead = (long)(Catalog.Document.Estimator.BackendOverheadMiB["cuda"] * MiB);
        foreach (var point in truth.Points)
        {
            // Ollama's own placement: one GPU while the model fits, split over two above that.
            var split = Enumerable.Repeat(1.0, point.Gpus).ToList();
            var placement = new Placement(point.Context, new KvSettings(Ubatch: truth.Ubatch!.Value, FlashAttention: false),
                model.Architecture!.Layers + 1, split, split.Select((_, i) => $"cuda{i}").ToList(), overhead, 0);
            var gpus = MemoryEstimator.Estimate(weights, placement).GpuTotal / MiB;
            Assert.True(Math.Abs(gpus - point.NvidiaSmiMiB) / point.NvidiaSmiMiB < 0.05,
                $"ctx {point.Context}: estimated {gpus:F0} MiB, nvidia-smi {point.NvidiaSmiMiB} MiB");
        }
    }

    [Fact]
    public void Two_40GB_cards_hold_qwen_coder_32b_at_128K_and_the_planner_uses_one_card_when_it_can()
    {
        var machine = TestMachines.WithGpus("a100-40gb", 2, 256);
        var small = planner.Plan(Model("qwen2.5-coder-32b"), machine, new FitOptions(8192, KvSettings.Default, "Q4_K_M"));
        Assert.Equal(FitKind.FullGpu, small.Best!.Kind);
        Assert.Equal(1, small.Best.Memory.Gpus.Count(g => g.Total > 0));

        var big = planner.Plan(Model("qwen2.5-coder-32b"), machine, new FitOptions(131072, KvSettings.Default with { FlashAttention = false }, "Q4_K_M"));
        Assert.Equal(FitKind.FullGpu, big.Best!.Kind);
        Assert.Equal(2, big.Best.Memory.Gpus.Count(g => g.Total > 0));
    }

    [Fact]
    public void No_verdict_places_more_weights_on_a_device_than_the_device_has()
    {
        // The failure of a peer tool: a 43 GB 70B listed as a fit on a 24 GB card, 38 GB of Mixtral recommended on a 24 GB machine.
        foreach (var profile in Catalog.Document.Profiles.Where(p => p.Apple is null))
        {
            var machine = TestMachines.Profile(profile.Id);
            foreach (var model in Catalog.OpenModels)
            {
                var fit = planner.Plan(model, machine, new FitOptions(8192, KvSettings.Default));
                foreach (var level in fit.Levels.Where(l => l.Fits))
                {
                    Assert.True(level.Memory.Host.Weights <= machine.Ram.AvailableBytes, $"{model.Id} {level.Level.Id} on {profile.Id}: host weights exceed RAM");
                    for (var g = 0; g < machine.Gpus.Count; g++)
                    {
                        Assert.True(level.Memory.Gpus[g].Weights <= machine.Gpus[g].FreeBytes, $"{model.Id} {level.Level.Id} on {profile.Id}: GPU {g} weights exceed VRAM");
                    }
                    Assert.True(level.Weights.TotalBytes <= machine.Ram.AvailableBytes + machine.Gpus.Sum(g => g.FreeBytes),
                        $"{model.Id} {level.Level.Id} on {profile.Id}: the file is bigger than all memory");
                }
            }
        }
    }

    [Fact]
    public void A_70B_model_is_never_a_fit_for_one_24GB_card_alone()
    {
        var machine = TestMachines.WithGpus("rtx-4090", 1, 16);
        var fit = planner.Plan(Model("llama3.3-70b"), machine, new FitOptions(8192, KvSettings.Default, "Q4_K_M"));
        Assert.Equal(FitKind.DoesNotFit, fit.Best!.Kind);
        var withRam = planner.Plan(Model("llama3.3-70b"), TestMachines.WithGpus("rtx-4090", 1, 64), new FitOptions(8192, KvSettings.Default, "Q4_K_M"));
        Assert.Equal(FitKind.PartialOffload, withRam.Best!.Kind);
        Assert.True(withRam.Best.Speed!.High < 10, "a 70B split over a 4090 and system RAM decodes at a few tokens per second");
    }

    [Fact]
    public void Cpu_only_24GB_machine_gets_no_model_whose_file_exceeds_its_memory()
    {
        var machine = TestMachines.CpuOnly(24, 22);
        foreach (var model in Catalog.OpenModels)
        {
            var fit = planner.Plan(model, machine, new FitOptions(8192, KvSettings.Default));
            if (fit.Fits) Assert.True(fit.Best!.Memory.Total <= machine.Ram.AvailableBytes, model.Id);
        }
        Assert.False(planner.Plan(Model("llama3.1-70b"), machine, new FitOptions(8192, KvSettings.Default)).Fits);
    }

    [Fact]
    public void DeepSeek_on_one_GPU_and_a_big_server_keeps_experts_in_RAM()
    {
        var machine = TestMachines.WithGpus("h200", 1, 768, 300);
        var fit = planner.Plan(Model("deepseek-v3-671b"), machine, new FitOptions(32768, KvSettings.Default, "Q4_K_M"));
        Assert.Equal(FitKind.ExpertsOnCpu, fit.Best!.Kind);
        Assert.True(fit.Best.Memory.Gpus[0].Weights < 40L << 30, "attention and shared experts are a small part of the model");
    }

    [Fact]
    public void Decode_estimate_brackets_the_published_RTX_3080_figure()
    {
        var cal = Catalog.Document.Estimator.Speed.Calibration.Single(c => c.Model is not null);
        var machine = TestMachines.WithGpus(cal.Gpu, 1, 32);
        var fit = planner.Plan(Model(cal.Model!), machine, new FitOptions(4096, KvSettings.Default, cal.Quant));
        Assert.Equal(FitKind.FullGpu, fit.Best!.Kind);
        Assert.InRange(cal.TokensPerSecond, fit.Best.Speed!.Low, fit.Best.Speed.High);
    }

    [Fact]
    public void Asking_for_more_context_than_the_model_has_is_refused_with_the_limit()
    {
        var fit = planner.Plan(Model("phi-4-14b"), TestMachines.WithGpus("h200", 1, 128), new FitOptions(65536, KvSettings.Default));
        Assert.False(fit.Fits);
        Assert.Contains("16K", fit.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Balanced_choice_is_the_guide_default_when_it_fits_and_steps_down_before_spilling()
    {
        var eight = planner.Plan(Model("llama3.1-8b"), TestMachines.Profile("desktop-8gb"), new FitOptions(8192, KvSettings.Default));
        Assert.Equal("Q4_K_M", eight.Best!.Level.Id);
        Assert.Equal(FitKind.FullGpu, eight.Best.Kind);

        var quality = planner.Plan(Model("llama3.1-8b"), TestMachines.WithGpus("rtx-4090", 1, 64), new FitOptions(8192, KvSettings.Default, Preference: QuantPreference.Quality));
        Assert.Equal("F16", quality.Best!.Level.Id);
    }
}

/// <summary>gpt-oss's GGUFs keep the experts in MXFP4, as released: llama.cpp's MXFP4_MOE file type, not the K-quant ladder.</summary>
public class MoeFileTypeTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private readonly FitPlanner planner = new(Catalog);

    [Theory]
    [InlineData("gpt-oss-20b")]
    [InlineData("gpt-oss-120b")]
    public void Gpt_oss_is_planned_only_as_MXFP4_MOE_with_experts_MXFP4_and_the_rest_Q8_0(string id)
    {
        var model = Catalog.ModelById(id)!;
        var fit = planner.Plan(model, TestMachines.WithGpus("h100-sxm", 2, 512), new FitOptions(8192, KvSettings.Default));
        var level = Assert.Single(fit.Levels).Level;
        Assert.Equal("MXFP4_MOE", level.Id);
        Assert.Equal("MXFP4_MOE", fit.Best!.Level.Id);
        Assert.Contains("its GGUFs come in", fit.Why, StringComparison.Ordinal);

        var weights = planner.WeightsOf(model, level);
        foreach (var t in weights.Tensors)
        {
            var expected = !t.Shape.Quantizable ? Gguf.GgmlType.F32 : t.Shape.Planes > 1 ? Gguf.GgmlType.MXFP4 : Gguf.GgmlType.Q8_0;
            Assert.True(expected == t.Type, $"{t.Shape.Name}: {t.Type}, expected {expected}");
        }
        // The experts hold nearly all the weights, so the file sits just above MXFP4's 4.25 bits per weight.
        var experts = weights.Tensors.Where(t => t.Type == Gguf.GgmlType.MXFP4).Sum(t => t.Shape.Elements);
        Assert.True(experts > 0.9 * weights.Parameters, $"experts {experts} of {weights.Parameters}");
        Assert.InRange(weights.BitsPerWeight, 4.25, 4.8);
    }

    [Fact]
    public void Other_models_never_get_the_model_specific_level_unless_it_is_asked_for()
    {
        foreach (var model in Catalog.Document.Models.Where(m => m.IsOpen && m.Architecture is not null && !m.NoGguf && m.GgufLevels.Count == 0))
        {
            Assert.DoesNotContain(planner.LevelsOf(model), l => l.ModelSpecific);
        }
        var mixtral = Catalog.Document.Models.First(m => m.Architecture?.Moe is not null && m.GgufLevels.Count == 0 && !m.NoGguf && m.IsOpen);
        var forced = planner.Plan(mixtral, TestMachines.WithGpus("h100-sxm", 2, 512), new FitOptions(8192, KvSettings.Default, "MXFP4_MOE"));
        Assert.Equal("MXFP4_MOE", forced.Best!.Level.Id);
    }
}

public class MoeFileTypeCatalogTests
{
    [Fact]
    public void The_validator_refuses_unknown_gguf_levels_a_level_with_nothing_to_rank_by_and_a_bad_user_threshold_kind()
    {
        var doc = ModelScout.Core.Catalog.Catalog.ReadEmbedded();
        doc.Models = doc.Models.Select(m => m.Id == "gpt-oss-20b" ? m with { GgufLevels = ["MXFP5"] } : m).ToList();
        doc.Quantizations = doc.Quantizations.Select(q => q.Id == "MXFP4_MOE" ? q with { QualityLoss = null } : q).ToList();
        doc.Licenses = doc.Licenses.Select(l => l.Id == "modified-mit-kimi" ? l with { Mau = l.Mau! with { Above = "conditions", Conditions = [] } }
            : l.Id == "llama-3.1-community" ? l with { Mau = l.Mau! with { Above = "maybe" } } : l).ToList();

        var problems = CatalogValidator.Check(doc);
        Assert.Contains("gpt-oss-20b: ggufLevels names unknown level 'MXFP5'", problems);
        Assert.Contains("quantization MXFP4_MOE: needs measuredBpw or qualityLoss (the recommender ranks by one of them)", problems);
        Assert.Contains("licence modified-mit-kimi: mau.above is conditions but it lists none", problems);
        Assert.Contains("licence llama-3.1-community: mau.above is 'maybe', not licence or conditions", problems);
    }
}
