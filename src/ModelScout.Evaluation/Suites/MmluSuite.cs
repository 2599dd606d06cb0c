using System.Globalization;
using System.Text;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Suites;

/// <summary>How MMLU answers are read.</summary>
public enum MmluMode
{
    /// <summary>Hendrycks' method: one generated token, the most probable of A-D among its top logprobs.</summary>
    Logprob,

    /// <summary>Zero-shot chain of thought ending in "Answer: X", read from the text.</summary>
    Generative,

    /// <summary>Exact log-likelihood of " A".." D" after the prompt, in-process; sends no requests.</summary>
    LogLikelihood,
}

/// <summary>MMLU settings.</summary>
/// <param name="Shots">Dev examples per prompt, 0..5; null means 5 for the logprob modes and 0 for generative.</param>
/// <param name="TopLogprobs">Alternatives asked for in logprob mode: <see cref="DefaultTopLogprobs"/>, or fewer where the
/// endpoint's probe found a lower cap (a letter missing from fewer alternatives is less likely than every one listed).</param>
/// <param name="MaxTokens">Generative mode's budget for the reasoning.</param>
public sealed record MmluOptions(
    MmluMode Mode = MmluMode.Logprob,
    int? Shots = null,
    int TopLogprobs = MmluOptions.DefaultTopLogprobs,
    int MaxTokens = 512,
    double Temperature = 0,
    SampleSelection? Selection = null)
{
    /// <summary>The alternatives logprob mode asks for when the endpoint allows: 20, OpenAI's and vLLM's cap.</summary>
    public const int DefaultTopLogprobs = 20;
}

/// <summary>MMLU: four-choice questions in 57 subjects; Subject is the subject, Group its category.</summary>
public sealed class MmluSuite : DatasetSuite<MmluQuestion>
{
    private static readonly string[] Continuations = [" A", " B", " C", " D"];
    private readonly MmluDataset _data;
    private readonly MmluOptions _options;
    private readonly ILogLikelihoodModel? _logLikelihood;
    private readonly int _shots;

    public MmluSuite(MmluDataset data, MmluOptions? options = null, ILogLikelihoodModel? logLikelihood = null)
        : base("mmlu")
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        _options = options ?? new MmluOptions();
        _shots = _options.Shots ?? (_options.Mode == MmluMode.Generative ? 0 : 5);
        if (_shots is < 0 or > 5) throw new ArgumentOutOfRangeException(nameof(options), _shots, "MMLU shots must be 0..5 (the dev split has five per subject)");
        if (_options.Mode == MmluMode.LogLikelihood && logLikelihood is null)
            throw new ArgumentException("MMLU log-likelihood mode needs an in-process model (--local)", nameof(logLikelihood));
        _logLikelihood = logLikelihood;
        Choose(data.Files, data.Test, _options.Selection, q => q.Id, q => new EvalItem(Name, q.Id, q.Subject, MmluSubjects.CategoryOf(q.Subject)));
        ScoringMode = $"mmlu:{_options.Mode.ToString().ToLowerInvariant()}:{_shots}-shot";
    }

    public override string ScoringMode { get; }

    public override ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies)
    {
        var question = Problem(item);
        if (replies.Count > 0) return null;
        return Request(question, ShotsFor(question));
    }

    /// <summary>
    /// Hendrycks' rule for a prompt that does not fit the context: the same question with one dev example fewer; null at
    /// zero shots, or when <paramref name="tooLong"/> is not one of this question's prompts.
    /// </summary>
    public override ModelRequest? Shorten(EvalItem item, ModelRequest tooLong)
    {
        ArgumentNullException.ThrowIfNull(tooLong);
        var question = Problem(item);
        // The shot count is read back by matching the prompt, so a resumed run needs nothing stored to walk the same chain.
        var text = tooLong.Messages.Count > 0 ? tooLong.Messages[^1].Text : null;
        for (var k = ShotsFor(question); k > 0; k--)
        {
            if (Request(question, k) is { } request && string.Equals(request.Messages[^1].Text, text, StringComparison.Ordinal))
                return Request(question, k - 1) is { } shorter ? shorter with { Step = tooLong.Step } : null;
        }
        return null;
    }

    private ModelRequest? Request(MmluQuestion question, int shots) => _options.Mode switch
    {
        MmluMode.Logprob => new ModelRequest(0, SuiteSupport.User(Prompt(question, shots)), MaxTokens: 1, Temperature: 0, TopLogprobs: _options.TopLogprobs),
        MmluMode.Generative => new ModelRequest(0, SuiteSupport.User(GenerativePrompt(question, shots)), _options.MaxTokens, _options.Temperature),
        _ => null,
    };

    // The dev examples a full prompt for this question shows: the configured count, or fewer where the subject has fewer.
    private int ShotsFor(MmluQuestion question) =>
        _shots == 0 ? 0 : Math.Min(_shots, _data.Dev.GetValueOrDefault(question.Subject)?.Count ?? 0);

    public override async Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var question = Problem(item);
        MmluExtraction extraction;
        var shots = ShotsFor(question);
        switch (_options.Mode)
        {
            case MmluMode.LogLikelihood:
                IReadOnlyList<double> scores;
                (scores, shots) = await LogLikelihoodAsync(question, shots, cancellationToken).ConfigureAwait(false);
                if (scores.Count != 4) throw new InvalidOperationException($"the model scored {scores.Count} continuations, expected 4");
                var letters = new Dictionary<char, double>();
                for (var i = 0; i < 4; i++) letters[(char)('A' + i)] = scores[i];
                extraction = new MmluExtraction(letters.MaxBy(kv => kv.Value).Key, null, letters);
                break;
            case MmluMode.Logprob:
                SuiteSupport.RequireReplies(replies, 1, item);
                extraction = MmluAnswer.FromLogprobs(replies[0].Logprobs);
                shots -= replies[0].Shortened;
                break;
            default:
                SuiteSupport.RequireReplies(replies, 1, item);
                extraction = MmluAnswer.FromText(replies[0].Text);
                shots -= replies[0].Shortened;
                break;
        }
        var correct = extraction.Letter == question.Answer;
        var detail = extraction.Failure ?? (extraction.LetterLogprobs is { Count: > 0 } lp
            ? string.Join(' ', lp.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value.ToString("0.###", CultureInfo.InvariantCulture)}"))
            : null);
        // Per item, so the report's mean shots tells a reader when a "5-shot" run was not 5-shot throughout.
        var metrics = new Dictionary<string, double> { [SideScores.Shots] = shots };
        return new SampleScore(correct ? 1 : 0, extraction.Letter?.ToString(), extraction.Letter is null, metrics, detail);
    }

    // The in-process form of Hendrycks' rule: drop one dev example at a time while the model says the context does not fit.
    private async Task<(IReadOnlyList<double> Scores, int Shots)> LogLikelihoodAsync(MmluQuestion question, int shots, CancellationToken ct)
    {
        for (var k = shots; ; k--)
        {
            try
            {
                return (await _logLikelihood!.ScoreContinuationsAsync(Prompt(question, k), Continuations, ct).ConfigureAwait(false), k);
            }
            catch (EndpointException e) when (e.PromptTooLong)
            {
                if (k == 0) throw new ScoringException($"the question does not fit the model's context even with no examples: {e.Message}", e);
            }
        }
    }

    /// <summary>The Hendrycks-style prompt: a header naming the subject, the dev examples with their answers, the question ending in "Answer:".</summary>
    internal string Prompt(MmluQuestion question) => Prompt(question, ShotsFor(question));

    private string Prompt(MmluQuestion question, int shots) =>
        Compose(question, shots, "Below are multiple choice questions about ", ", each followed by the letter of its correct answer.\n\n", AppendQuestion);

    // Both prompt styles: a header naming the subject, the dev examples with their answers, then the question.
    private string Compose(MmluQuestion question, int shots, string lead, string rest, Action<StringBuilder, MmluQuestion> appendQuestion)
    {
        var sb = new StringBuilder();
        sb.Append(lead).Append(MmluSubjects.DisplayName(question.Subject)).Append(rest);
        AppendShots(sb, question, shots);
        appendQuestion(sb, question);
        return sb.ToString();
    }

    // The dev examples, each with its answer letter, as both prompt styles show them.
    private void AppendShots(StringBuilder sb, MmluQuestion question, int shots)
    {
        foreach (var shot in shots == 0 ? [] : _data.Dev.GetValueOrDefault(question.Subject)?.Take(shots) ?? [])
        {
            AppendQuestion(sb, shot);
            sb.Append(' ').Append(shot.Answer).Append("\n\n");
        }
    }

    internal string GenerativePrompt(MmluQuestion question) => GenerativePrompt(question, ShotsFor(question));

    private string GenerativePrompt(MmluQuestion question, int shots) =>
        Compose(question, shots, "Answer this multiple choice question about ",
            ". Reason through it step by step, then end your reply with a line of the form \"Answer: X\", where X is A, B, C or D.\n\n",
            (sb, q) => AppendChoices(sb, q, ") "));

    private static void AppendQuestion(StringBuilder sb, MmluQuestion q) => AppendChoices(sb, q, ". ").Append("\nAnswer:");

    // The question and its four choices, each on its own line after its letter.
    private static StringBuilder AppendChoices(StringBuilder sb, MmluQuestion q, string afterLetter)
    {
        sb.Append(q.Question);
        for (var i = 0; i < 4; i++) sb.Append('\n').Append((char)('A' + i)).Append(afterLetter).Append(q.Choices[i]);
        return sb;
    }
}
