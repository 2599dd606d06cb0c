using System.Text.RegularExpressions;
using ModelScout.Evaluation.Datasets;

namespace ModelScout.Evaluation.Suites;

/// <summary>How a reply was turned into code.</summary>
/// <param name="Code">What goes after the prompt.</param>
/// <param name="WholeFunction">True when the reply restated the whole function (it then replaces the prompt's stub).</param>
/// <param name="FromFence">True when the code came out of a fenced block (a chat reply).</param>
public sealed record HumanEvalCompletionText(string Code, bool WholeFunction, bool FromFence);

/// <summary>HumanEval post-processing: code-fence extraction for chat replies, stop sequences for completion-style replies, and the program to run.</summary>
public static partial class HumanEvalCompletion
{
    /// <summary>Where a completion-style reply ends: the next top-level definition, script code or comment.</summary>
    public static IReadOnlyList<string> StopSequences { get; } = ["\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#"];

    [GeneratedRegex(@"```[ \t]*([A-Za-z0-9_+\-]*)[^\n]*\n(.*?)(?:```|\z)", RegexOptions.Singleline)]
    private static partial Regex Fence();

    /// <summary>Turns a model reply into the code that follows the problem's prompt.</summary>
    public static HumanEvalCompletionText Extract(string reply, HumanEvalProblem problem)
    {
        var defPattern = new Regex(@"^[ \t]*def[ \t]+" + Regex.Escape(problem.EntryPoint) + @"[ \t]*\(", RegexOptions.Multiline);
        var fences = Fence().Matches(reply);
        if (fences.Count > 0)
        {
            // The first python block, else the first block of any language.
            var chosen = fences.FirstOrDefault(m => m.Groups[1].Value.ToLowerInvariant() is "python" or "py" or "python3") ?? fences[0];
            var block = chosen.Groups[2].Value.TrimEnd();
            if (defPattern.IsMatch(block)) return new HumanEvalCompletionText(block, true, true);
            return new HumanEvalCompletionText(IndentBody(block), false, true);
        }
        var def = defPattern.Match(reply);
        if (def.Success)
        {
            // A whole function without a fence: stop at the first stop sequence after its header.
            var headerEnd = reply.IndexOf('\n', def.Index);
            var code = headerEnd < 0 ? reply : reply[..(headerEnd + Truncate(reply[headerEnd..]).Length)];
            return new HumanEvalCompletionText(code.TrimEnd(), true, false);
        }
        return new HumanEvalCompletionText(Truncate(reply), false, false);
    }

    /// <summary>The text up to the earliest stop sequence.</summary>
    public static string Truncate(string completion)
    {
        var end = completion.Length;
        foreach (var stop in StopSequences)
        {
            var at = completion.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < end) end = at;
        }
        return completion[..end];
    }

    /// <summary>prompt + completion + "\n" + test + "\ncheck(entry_point)\n"; a whole function is placed after the prompt, redefining its stub.</summary>
    public static string BuildProgram(HumanEvalProblem problem, HumanEvalCompletionText completion)
    {
        var prompt = problem.Prompt.EndsWith('\n') ? problem.Prompt : problem.Prompt + "\n";
        var code = completion.WholeFunction ? "\n" + completion.Code : completion.Code;
        return prompt + code + "\n" + problem.Test + $"\ncheck({problem.EntryPoint})\n";
    }

    // Chat models sometimes write the body flush left inside the fence; it belongs inside the function.
    private static string IndentBody(string block)
    {
        var lines = block.Split('\n');
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0);
        if (first is null || first.StartsWith(' ') || first.StartsWith('\t')) return block;
        if (first.StartsWith("import ", StringComparison.Ordinal) || first.StartsWith("from ", StringComparison.Ordinal)) return block;
        return string.Join('\n', lines.Select(l => l.Length == 0 ? l : "    " + l));
    }
}
