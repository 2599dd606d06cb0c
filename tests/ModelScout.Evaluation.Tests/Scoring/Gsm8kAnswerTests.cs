using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Scoring;

public class Gsm8kAnswerTests
{
    [Theory]
    [InlineData("so 5 + 7 = 12\n#### 12", "12")]
    [InlineData("#### 1,234", "1234")]
    [InlineData("####-7", "-7")]
    [InlineData("#### $3.50.", "3.5")]
    [InlineData("#### 10 apples, and later #### 11", "10")]
    [InlineData("The answer is 12", null)]
    public void Strict_reads_only_after_hashes(string text, string? expected) => Assert.Equal(expected, Gsm8kAnswer.Strict(text));

    [Theory]
    [InlineData("First 3 then 4, so the answer is 42.", "42")]
    [InlineData("It costs $1,250.", "1250")]
    [InlineData("The temperature is -7 degrees", "-7")]
    [InlineData("He saved $3.50 in total", "3.5")]
    [InlineData("Answer: 18.\n", "18")]
    [InlineData("no digits here", null)]
    [InlineData("costs 5 dollars, final total $.", "5")]
    public void Flexible_takes_the_last_number(string text, string? expected) => Assert.Equal(expected, Gsm8kAnswer.Flexible(text));

    [Theory]
    [InlineData("3.50", "3.5", true)]
    [InlineData("007", "7", true)]
    [InlineData("1,000", "1000", true)]
    [InlineData("-3", "3", false)]
    [InlineData(null, "3", false)]
    public void Numbers_compare_by_value(string? extracted, string gold, bool same) => Assert.Equal(same, Gsm8kAnswer.Same(extracted, gold));
}
