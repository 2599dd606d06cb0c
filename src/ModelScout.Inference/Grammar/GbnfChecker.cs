using ModelScout.Inference.Engine;

namespace ModelScout.Inference.Grammar;

/// <summary>Checks a user-written GBNF grammar before llama.cpp sees it (llama.cpp aborts the process on a bad one).</summary>
public static class GbnfChecker
{
    /// <summary>Returns <paramref name="gbnf"/> when it is safe to hand to llama.cpp; otherwise throws an InvalidRequest error.</summary>
    public static string Check(string gbnf) =>
        throw new InferenceException(InferenceErrorKind.InvalidRequest, "raw GBNF grammars are not accepted yet; use a JSON schema") { Param = "grammar" };
}
