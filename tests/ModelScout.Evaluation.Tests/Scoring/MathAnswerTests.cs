using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Scoring;

public class MathAnswerTests
{
    [Theory]
    [InlineData("so \\boxed{5}.", "5")]
    [InlineData("first \\boxed{1}, finally \\boxed{\\frac{1}{2}}", "\\frac{1}{2}")]
    [InlineData("\\boxed{\\sqrt{\\frac{3}{4}}}", "\\sqrt{\\frac{3}{4}}")]
    [InlineData("$\\boxed 5$", "5")]
    [InlineData("\\fbox{x+1}", "x+1")]
    [InlineData("\\boxed{(2,\\infty)} and done", "(2,\\infty)")]
    [InlineData("no box here", null)]
    [InlineData("\\boxed{unbalanced", null)]
    public void Last_boxed_with_brace_matching(string text, string? expected) => Assert.Equal(expected, MathAnswer.LastBoxed(text));

    [Theory]
    [InlineData("\\left( 2, 3 \\right)", "(2,3)")]
    [InlineData("\\dfrac{1}{2}", "\\frac{1}{2}")]
    [InlineData("\\tfrac{3}{4}", "\\frac{3}{4}")]
    [InlineData("\\frac12", "\\frac{1}{2}")]
    [InlineData("\\frac1{12}", "\\frac{1}{12}")]
    [InlineData("\\sqrt3", "\\sqrt{3}")]
    [InlineData("90^\\circ", "90")]
    [InlineData("90^{\\circ}", "90")]
    [InlineData("\\$5.50", "5.50")]
    [InlineData("50\\%", "50")]
    [InlineData("10 \\text{ cm}", "10")]
    [InlineData("\\text{(B)}", "(B)")]
    [InlineData("x = 5", "5")]
    [InlineData("k=\\frac{3}{4}", "\\frac{3}{4}")]
    [InlineData("3/4", "\\frac{3}{4}")]
    [InlineData("-3/4", "\\frac{-3}{4}")]
    [InlineData("5.", "5")]
    [InlineData(".5", "0.5")]
    [InlineData("1,000", "1000")]
    [InlineData("\\!1\\!000", "1000")]
    [InlineData("y = 2x + 1", "2x+1")]
    public void Normalises(string raw, string expected) => Assert.Equal(expected, MathAnswer.Normalize(raw));

    [Theory]
    [InlineData("0.5", "\\frac{1}{2}", true)]
    [InlineData("\\dfrac12", "\\frac{1}{2}", true)]
    [InlineData("1/2", "0.5", true)]
    [InlineData("-\\frac{3}{4}", "-0.75", true)]
    [InlineData("2\\sqrt{3}", "\\sqrt{12}", true)]
    [InlineData("5\\sqrt2", "5\\sqrt{2}", true)]
    [InlineData("540^\\circ", "540", true)]
    [InlineData("x=6", "6", true)]
    [InlineData("6.0", "6", true)]
    [InlineData("(2, \\infty)", "(2,\\infty)", true)]
    [InlineData("[2,\\infty)", "(2,\\infty)", false)]
    [InlineData("\\frac{1}{3}", "0.33", false)]
    [InlineData("7", "6", false)]
    [InlineData(null, "6", false)]
    public void Equivalence(string? candidate, string gold, bool same) => Assert.Equal(same, MathAnswer.IsEquivalent(candidate, gold));

    [Theory]
    [InlineData("\\frac{1}{0}")]
    [InlineData("x+1")]
    [InlineData("(1,2)")]
    [InlineData("")]
    public void Non_numbers_do_not_evaluate(string text) => Assert.False(MathAnswer.TryEvaluate(text, out _));
}
