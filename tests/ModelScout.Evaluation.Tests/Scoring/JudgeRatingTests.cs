using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Scoring;

public class JudgeRatingTests
{
    [Theory]
    [InlineData("Good answer. [[8]]", 8.0)]
    [InlineData("Rating: [[8.5]]", 8.5)]
    [InlineData("Rating: [[ 7 ]]", 7.0)]
    [InlineData("Mostly right. Rating: [6]", 6.0)]
    [InlineData("Format is [[rating]]. My verdict: [[3]]", 3.0)]
    [InlineData("[[10]]", 10.0)]
    [InlineData("[[1]]", 1.0)]
    public void Reads_the_rating(string reply, double expected) => Assert.Equal(expected, JudgeRating.Parse(reply));

    [Theory]
    [InlineData("I would give it eight out of ten.")]
    [InlineData("Rating: [[11]]")]
    [InlineData("Rating: [[0]]")]
    [InlineData("Rating: [[-3]]")]
    [InlineData("")]
    public void Missing_or_out_of_range_is_a_failure(string reply) => Assert.Null(JudgeRating.Parse(reply));
}
