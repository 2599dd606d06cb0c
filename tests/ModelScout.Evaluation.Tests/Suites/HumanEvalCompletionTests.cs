using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Evaluation.Tests.Suites;

public class HumanEvalCompletionTests
{
    private static readonly HumanEvalProblem Problem = new(
        "T/0", "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n", "    return a + b\n",
        "def check(candidate):\n    assert candidate(1, 2) == 3\n", "add");

    [Fact]
    public void Fenced_whole_function_replaces_the_stub()
    {
        var reply = "Here you go:\n```python\nimport math\n\ndef add(a, b):\n    return a + b\n```\nThat adds them.";
        var c = HumanEvalCompletion.Extract(reply, Problem);
        Assert.True(c.WholeFunction);
        Assert.True(c.FromFence);
        Assert.Equal("import math\n\ndef add(a, b):\n    return a + b", c.Code);
        Assert.Equal(
            Problem.Prompt + "\nimport math\n\ndef add(a, b):\n    return a + b\n" + Problem.Test + "\ncheck(add)\n",
            HumanEvalCompletion.BuildProgram(Problem, c));
    }

    [Fact]
    public void Fenced_body_is_the_completion_and_a_flush_left_body_is_indented()
    {
        var indented = HumanEvalCompletion.Extract("```\n    return a + b\n```", Problem);
        Assert.False(indented.WholeFunction);
        Assert.Equal("    return a + b", indented.Code);
        var flush = HumanEvalCompletion.Extract("```py\nresult = a + b\nreturn result\n```", Problem);
        Assert.Equal("    result = a + b\n    return result", flush.Code);
    }

    [Fact]
    public void The_python_block_wins_over_an_earlier_other_block()
    {
        var c = HumanEvalCompletion.Extract("```text\nadd(1, 2) -> 3\n```\n```python\ndef add(a, b):\n    return a + b\n```", Problem);
        Assert.Equal("def add(a, b):\n    return a + b", c.Code);
    }

    [Fact]
    public void Unclosed_fence_takes_the_rest()
    {
        var c = HumanEvalCompletion.Extract("```python\ndef add(a, b):\n    return a + b\n", Problem);
        Assert.True(c.WholeFunction);
        Assert.Equal("def add(a, b):\n    return a + b", c.Code);
    }

    [Theory]
    [InlineData("    return a + b\n\ndef other():\n    pass", "    return a + b\n")]
    [InlineData("    return a + b\nclass X: pass", "    return a + b")]
    [InlineData("    return a + b\nif __name__ == '__main__':\n    main()", "    return a + b")]
    [InlineData("    return a + b\nprint(add(1, 2))", "    return a + b")]
    [InlineData("    return a + b\n# tests below", "    return a + b")]
    [InlineData("    # comment stays\n    return a + b", "    # comment stays\n    return a + b")]
    public void Completion_replies_stop_at_stop_sequences(string reply, string expected)
    {
        var c = HumanEvalCompletion.Extract(reply, Problem);
        Assert.False(c.FromFence);
        Assert.Equal(expected, c.Code);
    }

    [Fact]
    public void Unfenced_whole_function_keeps_its_body_and_drops_what_follows()
    {
        var c = HumanEvalCompletion.Extract("def add(a, b):\n    return a + b\n\nprint(add(2, 3))", Problem);
        Assert.True(c.WholeFunction);
        Assert.Equal("def add(a, b):\n    return a + b", c.Code);
    }

    [Fact]
    public void Program_is_prompt_completion_test_and_check() =>
        Assert.Equal(
            "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)\n",
            HumanEvalCompletion.BuildProgram(Problem, new HumanEvalCompletionText("    return a + b\n", false, false)));
}
