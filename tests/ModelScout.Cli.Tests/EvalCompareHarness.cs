using Microsoft.Extensions.AI;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Cli.Tests;

/// <summary>
/// A model whose answers the test controls: right on every MMLU and GSM8K sample item except the ids in
/// <paramref name="wrong"/>, and failing outright (an error row, no score) on the ids in <paramref name="failing"/>.
/// It finds the item by the question text at the end of the prompt.
/// </summary>
internal sealed class ScriptedEvalClient(IReadOnlySet<string> wrong, IReadOnlySet<string>? failing = null) : IChatClient
{
    private static readonly IReadOnlyList<MmluQuestion> Mmlu = MmluLoader.Load(DatasetSource.Samples).Test;
    private static readonly IReadOnlyList<Gsm8kProblem> Gsm8k = Gsm8kLoader.Load(DatasetSource.Samples).Test;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
        var mmlu = Mmlu.Where(q => prompt.Contains(q.Question, StringComparison.Ordinal)).MaxBy(q => prompt.LastIndexOf(q.Question, StringComparison.Ordinal));
        string id, text;
        IReadOnlyList<IReadOnlyList<TokenChoice>>? logprobs = null;
        if (mmlu is not null)
        {
            id = "mmlu:" + mmlu.Id;
            var letter = wrong.Contains(id) ? (char)('A' + (mmlu.Answer - 'A' + 1) % 4) : mmlu.Answer;
            text = $"Reasoning done.\nAnswer: {letter}";
            if (options?.AdditionalProperties?.ContainsKey(ModelReplies.TopLogprobsKey) == true)
            {
                text = " " + letter;
                logprobs = [[new TokenChoice(" " + letter, -0.1), new TokenChoice(" " + (char)('A' + (letter - 'A' + 2) % 4), -3)]];
            }
        }
        else
        {
            var problem = Gsm8k.Single(p => prompt.Contains(p.Question, StringComparison.Ordinal));
            id = "gsm8k:" + problem.Id;
            text = wrong.Contains(id) ? "I think it is\n#### 999999" : $"Working it out.\n#### {problem.Gold}";
        }
        if (failing?.Contains(id) == true) throw new InvalidOperationException("scripted failure for " + id);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 3 },
            AdditionalProperties = [],
        };
        if (logprobs is not null) response.AdditionalProperties[ModelReplies.LogprobsKey] = logprobs;
        return Task.FromResult(response);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    public static IReadOnlyList<MmluQuestion> MmluQuestions => Mmlu;

    public static IReadOnlyList<Gsm8kProblem> Gsm8kProblems => Gsm8k;
}

/// <summary>A temp results file with runs made by the real runner and suites, and a way to call the eval subcommands on it.</summary>
internal sealed class EvalFixture : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-evalcmp-").FullName;

    public string Db => Path.Combine(dir, "eval.db");

    public string Dir => dir;

    public async Task RunAsync(string name, IChatClient client, string[] suites, MmluMode mmluMode = MmluMode.Generative, string model = "test-model",
        string? quant = null, string endpoint = "http://127.0.0.1:9/v1", MmluOptions? mmlu = null)
    {
        using var store = EvalStore.Open(Db);
        var settings = new SuiteSettings(Mmlu: mmlu ?? new MmluOptions(Mode: mmluMode));
        var built = suites.Select(s => SuiteCatalog.Build(s, null, settings).Suite).ToList();
        var record = new ReproducibilityRecord
        {
            Endpoint = endpoint,
            Model = model,
            Quantization = quant,
            Seed = 7,
            ScoringModes = built.ToDictionary(s => s.Name, s => s.ScoringMode),
        };
        var run = store.OpenRun(name, new RunKey(endpoint, model, null, quant), record);
        var result = await new EvalRunner(client, store).RunAsync(run, built);
        Assert.False(result.Cancelled);
    }

    /// <summary>Runs <c>scout eval ARGS</c> through the real ScoutApp (the tests pass <c>--db</c>).</summary>
    public static CliRun Scout(params string[] args) => Tests.Scout.Run(["eval", .. args]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
