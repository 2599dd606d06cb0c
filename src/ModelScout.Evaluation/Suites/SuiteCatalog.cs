using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Datasets;

namespace ModelScout.Evaluation.Suites;

/// <summary>Options for every suite a run may build; each has its defaults.</summary>
public sealed record SuiteSettings(
    MmluOptions? Mmlu = null,
    HumanEvalOptions? HumanEval = null,
    Gsm8kOptions? Gsm8k = null,
    MathOptions? Math = null,
    MtBenchOptions? MtBench = null,
    BfclOptions? Bfcl = null);

/// <summary>What some suites need from outside: the sandbox (HumanEval), the judge (MT-Bench), an in-process model (MMLU log-likelihood).</summary>
public sealed record SuiteServices(ICodeRunner? CodeRunner = null, IChatClient? Judge = null, ILogLikelihoodModel? LogLikelihood = null);

/// <summary>A suite ready to run and the dataset files it read (for the reproducibility record).</summary>
/// <param name="FromSamples">True when the data is ModelScout's own small sample set rather than the public dataset.</param>
public sealed record BuiltSuite(IEvalSuite Suite, IReadOnlyList<DatasetFile> Files, bool FromSamples);

/// <summary>Builds suites by name from a data directory (<c>--data DIR</c>) or from the shipped samples.</summary>
public static class SuiteCatalog
{
    /// <summary>Suite names as the CLI spells them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mmlu", "humaneval", "gsm8k", "math", "mtbench", "bfcl"];

    /// <summary>Builds one suite.</summary>
    /// <param name="dataDirectory">Null for the shipped samples; otherwise the folder holding mmlu/, humaneval/, ...</param>
    /// <exception cref="ArgumentException">Unknown name, or a service the suite needs is missing.</exception>
    /// <exception cref="DatasetFormatException">The suite's folder is missing from <paramref name="dataDirectory"/>, or a file in it is malformed.</exception>
    public static BuiltSuite Build(string name, string? dataDirectory, SuiteSettings? settings = null, SuiteServices? services = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        settings ??= new SuiteSettings();
        services ??= new SuiteServices();
        var key = name.Trim().ToLowerInvariant();
        if (!Names.Contains(key))
            throw new ArgumentException($"unknown suite \"{name}\"; choose from {string.Join(", ", Names)}", nameof(name));
        var source = dataDirectory is null ? DatasetSource.Samples : DatasetSource.FromDirectory(dataDirectory);
        if (dataDirectory is not null && !source.FolderExists(key))
            throw new DatasetFormatException(source.Describe(key), 0,
                $"no {key}/ folder in the data directory; add the dataset there, or leave out --data to use the built-in samples");
        return key switch
        {
            "mmlu" => Wrap(new MmluSuite(MmluLoader.Load(source), settings.Mmlu, services.LogLikelihood), s => s.Files, source),
            "humaneval" => Wrap(new HumanEvalSuite(HumanEvalLoader.Load(source),
                services.CodeRunner ?? throw new ArgumentException("HumanEval needs a code runner (the sandbox)", nameof(services)),
                settings.HumanEval), s => s.Files, source),
            "gsm8k" => Wrap(new Gsm8kSuite(Gsm8kLoader.Load(source), settings.Gsm8k, SampleExemplars()), s => s.Files, source),
            "math" => Wrap(new MathSuite(MathLoader.Load(source), settings.Math), s => s.Files, source),
            "bfcl" => Wrap(new BfclSuite(BfclLoader.Load(source), settings.Bfcl), s => s.Files, source),
            _ => Wrap(new MtBenchSuite(MtBenchLoader.Load(source),
                services.Judge ?? throw new ArgumentException("MT-Bench needs a judge (--judge-endpoint, --judge-model)", nameof(services)),
                settings.MtBench), s => s.Files, source),
        };
    }

    /// <summary>Our eight worked GSM8K examples, used for 8-shot prompts when a data directory has no train.jsonl.</summary>
    public static IReadOnlyList<Datasets.Gsm8kProblem> SampleExemplars() =>
        Gsm8kLoader.ReadFile(DatasetSource.Samples, "gsm8k/train.jsonl", "train", []);

    private static BuiltSuite Wrap<T>(T suite, Func<T, IReadOnlyList<DatasetFile>> files, DatasetSource source) where T : IEvalSuite =>
        new(suite, files(suite), ReferenceEquals(source, DatasetSource.Samples));
}
