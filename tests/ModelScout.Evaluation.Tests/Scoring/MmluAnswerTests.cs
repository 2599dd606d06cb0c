using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Scoring;

public class MmluAnswerTests
{
    [Theory]
    [InlineData("Let me think. 2+2 is 4.\nAnswer: B", 'B')]
    [InlineData("The answer is (C).", 'C')]
    [InlineData("**Answer:** D", 'D')]
    [InlineData("**Answer: A**", 'A')]
    [InlineData("answer: b", 'B')]
    [InlineData("B", 'B')]
    [InlineData("(c)", 'C')]
    [InlineData("d.", 'D')]
    [InlineData("B. Paris is the capital", 'B')]
    [InlineData("The correct answer is: $\\boxed{C}$", 'C')]
    [InlineData("Final Answer: \\text{A}", 'A')]
    [InlineData("I first thought Answer: A, but no.\nAnswer: C", 'C')]
    [InlineData("### Answer: D", 'D')]
    public void Reads_the_letter(string reply, char expected)
    {
        var result = MmluAnswer.FromText(reply);
        Assert.Equal(expected, result.Letter);
        Assert.Null(result.Failure);
    }

    [Theory]
    [InlineData("Answer: A or B")]
    [InlineData("The answer is B/C")]
    [InlineData("Answer: a, c")]
    [InlineData("A or B")]
    [InlineData("I am not sure about this one.")]
    [InlineData("The answer is a tricky one to find")]
    [InlineData("Answer: E")]
    [InlineData("")]
    public void Ambiguous_or_missing_answers_fail(string reply)
    {
        var result = MmluAnswer.FromText(reply);
        Assert.Null(result.Letter);
        Assert.NotNull(result.Failure);
    }

    [Fact]
    public void Logprobs_pick_the_most_probable_letter_among_variants()
    {
        IReadOnlyList<IReadOnlyList<TokenChoice>> lp =
        [
            [new(" The", -0.2), new(" B", -1.5), new("A", -2.0), new("(C", -1.2), new(" A", -0.9), new("▁D", -3.0), new(" a", -0.1)],
        ];
        var result = MmluAnswer.FromLogprobs(lp);
        Assert.Equal('A', result.Letter);
        Assert.Equal(-0.9, result.LetterLogprobs!['A']);
        Assert.Equal(-1.2, result.LetterLogprobs['C']);
        Assert.Equal(4, result.LetterLogprobs.Count);
    }

    [Fact]
    public void With_few_alternatives_a_missing_letter_is_neither_chosen_nor_given_a_probability()
    {
        // An endpoint capped at top_logprobs 1: only the chosen token is known. The letters absent from the list are less
        // likely than it, so it wins; they get no made-up log-probability in the detail.
        var one = MmluAnswer.FromLogprobs([[new(" C", -1.7)]]);
        Assert.Equal('C', one.Letter);
        Assert.Null(one.Failure);
        Assert.Equal(['C'], one.LetterLogprobs!.Keys);

        // A capped list without any letter is an extraction failure, not a wrong answer scored as if read.
        var none = MmluAnswer.FromLogprobs([[new(" Once", -0.3), new(" The", -1.1)]]);
        Assert.Null(none.Letter);
        Assert.Contains("none of A, B, C, D", none.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Logprobs_without_any_letter_or_without_logprobs_fail()
    {
        Assert.Null(MmluAnswer.FromLogprobs([[new(" The", -0.1), new(" E", -0.3)]]).Letter);
        Assert.NotNull(MmluAnswer.FromLogprobs([[new(" The", -0.1)]]).Failure);
        Assert.NotNull(MmluAnswer.FromLogprobs(null).Failure);
        Assert.NotNull(MmluAnswer.FromLogprobs([]).Failure);
    }

    [Theory]
    [InlineData(" A", 'A')]
    [InlineData("B", 'B')]
    [InlineData("(C", 'C')]
    [InlineData("D)", 'D')]
    [InlineData("ĠA", 'A')]
    [InlineData(" a", null)]
    [InlineData("AB", null)]
    [InlineData("E", null)]
    public void Token_normalisation(string token, char? expected) => Assert.Equal(expected, MmluAnswer.LetterOf(token));
}
