using System.Text.Json;

namespace ModelScout.Evaluation.Scoring;

/// <summary>The BFCL categories scout eval runs: one call, one of several functions, several calls, several of several.</summary>
public enum BfclCategory
{
    Simple,
    Multiple,
    Parallel,
    ParallelMultiple,
}

/// <summary>A function the model is offered, as BFCL documents it: <c>parameters</c> in BFCL's types ("dict", "float", ...).</summary>
public sealed record BfclFunction(string Name, string Description, JsonElement Parameters);

/// <summary>One call of a possible answer: the function and, per parameter, the values accepted ("" in the list: may be left out).</summary>
public sealed record BfclExpectedCall(string Name, IReadOnlyDictionary<string, IReadOnlyList<JsonElement>> Allowed);

/// <summary>One BFCL question with its functions and its possible answer.</summary>
/// <param name="Messages">The conversation as (role, content) pairs, in order.</param>
/// <param name="Expected">The calls a right answer makes; order does not matter for the parallel categories.</param>
public sealed record BfclCase(
    string Id,
    BfclCategory Category,
    IReadOnlyList<(string Role, string Content)> Messages,
    IReadOnlyList<BfclFunction> Functions,
    IReadOnlyList<BfclExpectedCall> Expected);
