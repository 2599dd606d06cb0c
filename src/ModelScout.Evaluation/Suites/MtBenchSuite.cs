using System.Text;
using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Suites;

/// <summary>MT-Bench settings.</summary>
/// <param name="JudgeModel">Model id sent to the judge endpoint; null leaves it to the judge client.</param>
/// <param name="Temperature">One temperature for every category; null uses MT-Bench's per-category temperatures.</param>
public sealed record MtBenchOptions(
    int MaxTokens = 1024,
    string? JudgeModel = null,
    double? Temperature = null,
    int JudgeMaxTokens = 1024,
    SampleSelection? Selection = null);

/// <summary>
/// MT-Bench: two-turn conversations answered by the model under test and graded 1–10 per turn by a judge model.
/// Score is the mean of the turns the judge rated; Subject is the category. An item with no rated turn is not scored
/// (<see cref="ScoringException"/>): the run reports it as an error and judges it again next time.
/// </summary>
public sealed class MtBenchSuite : DatasetSuite<MtBenchQuestion>
{
    // Generation temperatures MT-Bench uses per category: creative work samples, exact work is greedy.
    private static readonly Dictionary<string, double> CategoryTemperature = new(StringComparer.OrdinalIgnoreCase)
    {
        ["writing"] = 0.7,
        ["roleplay"] = 0.7,
        ["extraction"] = 0.0,
        ["math"] = 0.0,
        ["coding"] = 0.0,
        ["reasoning"] = 0.0,
        ["stem"] = 0.1,
        ["humanities"] = 0.1,
    };

    private static readonly HashSet<string> ReferenceCategories = new(["math", "reasoning", "coding"], StringComparer.OrdinalIgnoreCase);

    private const string JudgeSystem =
        "You are an impartial, careful judge of answers written by an AI assistant. Weigh how helpful, relevant, accurate, "
        + "deep and well reasoned the answer is, and how much useful detail it gives. Be objective and do not let the length "
        + "of an answer sway you. First explain your assessment briefly, then give a rating from 1 to 10 written exactly in "
        + "this form: [[rating]], for example: Rating: [[6]].";

    private readonly MtBenchOptions _options;
    private readonly IChatClient _judge;

    public MtBenchSuite(LoadedDataset<MtBenchQuestion> data, IChatClient judge, MtBenchOptions? options = null)
        : base("mtbench")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(judge);
        _options = options ?? new MtBenchOptions();
        _judge = judge;
        Choose(data.Files, data.Items, _options.Selection, q => q.QuestionId, q => new EvalItem(Name, q.QuestionId, q.Category));
        ScoringMode = "mtbench:single-judge" + (_options.JudgeModel is { } m ? ":" + m : "");
    }

    public override string ScoringMode { get; }

    public override ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies)
    {
        var question = Problem(item);
        var step = replies.Count;
        if (step >= question.Turns.Count) return null;
        var messages = new List<ChatMessage>();
        for (var t = 0; t <= step; t++)
        {
            messages.Add(new ChatMessage(ChatRole.User, question.Turns[t]));
            if (t < step) messages.Add(new ChatMessage(ChatRole.Assistant, replies[t].Text));
        }
        var temperature = _options.Temperature ?? CategoryTemperature.GetValueOrDefault(question.Category, 0.7);
        return new ModelRequest(step, messages, _options.MaxTokens, temperature);
    }

    public override async Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var question = Problem(item);
        SuiteSupport.RequireReplies(replies, question.Turns.Count, item);
        var metrics = new Dictionary<string, double>();
        var failures = new List<string>();
        var ratings = new List<double>();
        for (var turn = 0; turn < question.Turns.Count; turn++)
        {
            var prompt = JudgePrompt(question, replies, turn);
            double? rating = null;
            // One retry: judges at temperature 0 still sometimes forget the [[ ]] form.
            for (var attempt = 0; attempt < 2 && rating is null; attempt++)
            {
                var response = await _judge.GetResponseAsync(
                    [new ChatMessage(ChatRole.System, JudgeSystem), new ChatMessage(ChatRole.User, prompt)],
                    new ChatOptions { Temperature = 0, MaxOutputTokens = _options.JudgeMaxTokens, ModelId = _options.JudgeModel },
                    cancellationToken);
                rating = JudgeRating.Parse(response.Text);
            }
            if (rating is { } r)
            {
                ratings.Add(r);
                metrics[$"turn{turn + 1}"] = r;
            }
            else
            {
                failures.Add($"turn {turn + 1}: the judge gave no [[rating]] from 1 to 10 in two tries");
            }
        }
        // FastChat leaves unrated judgments out of every mean; a zero would drag a 1–10 mean below the scale's floor.
        if (ratings.Count == 0) throw new ScoringException(string.Join("; ", failures));
        var score = ratings.Average();
        var extracted = string.Join(' ', metrics.Select(kv => $"{kv.Key}={SuiteSupport.Number(kv.Value)}"));
        return new SampleScore(score, extracted.Length > 0 ? extracted : null, failures.Count > 0, metrics,
            failures.Count > 0 ? string.Join("; ", failures) : null);
    }

    /// <summary>What the judge reads for one turn: the conversation so far, the answer to grade and, where it helps, the reference answer.</summary>
    internal static string JudgePrompt(MtBenchQuestion question, IReadOnlyList<ModelReply> replies, int turn)
    {
        var reference = ReferenceCategories.Contains(question.Category) && question.Reference is { } refs && turn < refs.Count ? refs : null;
        var sb = new StringBuilder();
        if (turn == 0)
        {
            sb.Append("Grade the assistant's answer to the user's question below.");
            if (reference is not null) sb.Append(" A reference answer is given; compare the assistant's answer with it and find any mistakes.");
            sb.Append("\n\n[Question]\n").Append(question.Turns[0]).Append("\n\n");
            if (reference is not null) sb.Append("[Reference answer]\n").Append(reference[0]).Append("\n\n");
            sb.Append("[The assistant's answer]\n").Append(replies[0].Text).Append("\n[End of answer]");
            return sb.ToString();
        }
        sb.Append("Below is a conversation between a user and an AI assistant. Grade only the assistant's answer to the user's ")
            .Append("last question; the earlier exchange is there for context.");
        if (reference is not null) sb.Append(" Reference answers are given; compare the assistant's last answer with the last reference and find any mistakes.");
        sb.Append("\n\n");
        for (var t = 0; t <= turn; t++)
        {
            sb.Append("[User]\n").Append(question.Turns[t]).Append("\n\n");
            if (reference is not null) sb.Append("[Reference answer]\n").Append(reference[t]).Append("\n\n");
            sb.Append("[Assistant]\n").Append(replies[t].Text).Append("\n\n");
        }
        sb.Append("[End of conversation]");
        return sb.ToString();
    }
}
