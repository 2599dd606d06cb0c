using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Prompting.Grammar;

namespace ModelScout.Prompting.Tools;

/// <summary>
/// GBNF grammars that force a reply to be tool calls in a family's syntax, with arguments that validate against each
/// tool's JSON Schema (through <see cref="Grammar.JsonSchemaGrammar"/>): <c>tool_choice</c> required or a named function.
/// </summary>
/// <remarks>
/// What each family's grammar produces (one call; <c>parallel</c> allows more in the family's way):
/// GenericJson <c>{"name": N, "arguments": A}</c> (parallel: a JSON array of them); Hermes
/// <c>&lt;tool_call&gt;\n{"name": N, "arguments": A}&lt;/tool_call&gt;</c> (parallel: blocks separated by newlines);
/// Llama3 <c>{"name": N, "parameters": A}</c> (parallel: separated by <c>;</c>); Mistral
/// <c>[TOOL_CALLS][{"name": N, "arguments": A}]</c>; Phi4Mini <c>&lt;|tool_call|&gt;[...]&lt;|/tool_call|&gt;</c>;
/// DeepSeek <c>&lt;｜tool▁calls▁begin｜&gt;&lt;｜tool▁call▁begin｜&gt;function&lt;｜tool▁sep｜&gt;N\n```json\nA\n```&lt;｜tool▁call▁end｜&gt;...&lt;｜tool▁calls▁end｜&gt;</c>.
/// Every reply the grammar allows is parsed by <see cref="ReplyParser"/> into calls. Numeric bounds other than a
/// lower bound of zero are not enforced by the grammar (see <see cref="Grammar.JsonSchemaGrammar"/>).
/// </remarks>
public static class ToolCallGrammar
{
    /// <summary>
    /// The most calls a parallel grammar allows in one reply. Without a bound a weak model can go on adding calls until
    /// its token limit cuts the last one in half.
    /// </summary>
    public const int MaxParallelCalls = 8;

    /// <summary>
    /// The grammar (root rule <c>root</c>) for <paramref name="choice"/> (<see cref="ToolChoice.Required"/> or a
    /// <see cref="ToolChoice.Named"/>) over <paramref name="tools"/> in <paramref name="format"/>'s syntax; with
    /// <paramref name="parallel"/>, one or more calls, else exactly one. Null for Auto and None. A schema the converter
    /// cannot enforce is an <see cref="InvalidRequestException"/> naming the tool.
    /// </summary>
    /// <param name="reasoning">
    /// Whether a reasoning block may (<see cref="ReasoningBeforeCalls.Optional"/>) or must
    /// (<see cref="ReasoningBeforeCalls.AlreadyOpen"/>: the prompt ended with the opening tag) come before the calls;
    /// ignored for a format without think tags.
    /// </param>
    public static string? Build(ChatFormat format, IReadOnlyList<ToolDefinition> tools, ToolChoice choice, bool parallel, ReasoningBeforeCalls reasoning = ReasoningBeforeCalls.None)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(choice);
        if (choice is ToolChoice.AutoChoice or ToolChoice.NoneChoice) return null;
        if (format.ToolSyntax == ToolCallSyntax.None)
            throw new InvalidRequestException("this model's chat template has no way to call tools; use a model whose template supports tools, or send the request without tools") { Param = "tools" };
        if (tools.Count == 0)
            throw new InvalidRequestException("tool_choice asks for a tool call but no tools were given; add them under 'tools' or leave tool_choice out") { Param = "tools" };

        var chosen = tools;
        if (choice is ToolChoice.Named named)
        {
            var match = tools.FirstOrDefault(t => t.Name == named.Name)
                ?? throw new InvalidRequestException($"tool_choice names the function '{named.Name}', which is not among the tools ({string.Join(", ", tools.Select(t => t.Name))})") { Param = "tool_choice" };
            chosen = [match];
        }

        var b = new StringBuilder();
        var argsRules = new StringBuilder();
        var alternatives = new List<(string Key, string After)>();
        for (var i = 0; i < chosen.Count; i++)
        {
            var tool = chosen[i];
            var prefix = "tool" + i.ToString(CultureInfo.InvariantCulture) + "-";
            string root, rules;
            try
            {
                (root, rules) = TakesNoArguments(tool.ParametersJson)
                    ? (prefix + "root", prefix + "root ::= \"{\" ws \"}\" ws\n")
                    : JsonSchemaGrammar.ConvertRules(tool.ParametersJson, prefix);
            }
            catch (JsonSchemaException e)
            {
                throw new InvalidRequestException($"the parameters of tool '{tool.Name}' cannot be enforced with a grammar: {e.Message}", e) { Param = "tools" };
            }
            argsRules.Append(rules);
            alternatives.Add(NamedCall(format.ToolSyntax, tool.Name, root));
            if (alternatives.Take(alternatives.Count - 1).Any(a => a.Key == alternatives[^1].Key))
                throw new InvalidRequestException($"two tools are named '{tool.Name}'; give every tool its own name") { Param = "tools" };
        }

        var nameRules = new List<string>();
        var call = NameTrie(alternatives, nameRules);
        var thinking = Reasoning(format, reasoning);
        var calls = Root(format.ToolSyntax, parallel);
        if (thinking.Length > 0) calls = "calls" + calls["root".Length..];
        b.Append(thinking).Append(calls).Append('\n');
        b.Append(CallRule(format.ToolSyntax, call)).Append('\n');
        foreach (var rule in nameRules) b.Append(rule).Append('\n');
        b.Append(argsRules);
        b.Append(JsonSchemaGrammar.SharedRules);
        var gbnf = b.ToString();
        try
        {
            return GbnfChecker.Check(gbnf);
        }
        catch (InvalidRequestException e)
        {
            throw new InvalidRequestException($"the tools make a grammar llama.cpp cannot use ({e.Message}); offer fewer tools or simpler parameter schemas", e) { Param = "tools" };
        }
    }

    private static string Lit(string text) => GbnfText.Literal(text);

    // {"type":"object","properties":{}} (what a function without parameters sends): any object would validate, but
    // the function takes nothing, so the grammar writes {} instead of letting the model invent keys.
    private static bool TakesNoArguments(string schemaJson)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(schemaJson);
        }
        catch (JsonException)
        {
            return false; // the converter reports it
        }
        if (node is not JsonObject o) return false;
        foreach (var (key, value) in o)
        {
            var ok = key switch
            {
                "type" => value is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == "object",
                "properties" => value is JsonObject { Count: 0 },
                "required" => value is JsonArray { Count: 0 },
                "additionalProperties" => value is JsonValue a && a.GetValueKind() == JsonValueKind.False,
                "$schema" or "title" or "description" or "$comment" => true,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    // What follows the call's opening: the name as written (the key the names are told apart by) and what comes after
    // it, the arguments of this tool.
    private static (string Key, string After) NamedCall(ToolCallSyntax syntax, string name, string argsRule) => syntax switch
    {
        ToolCallSyntax.DeepSeek => (name + "\n```json\n", $"{argsRule} {Lit("\n```")}"),
        ToolCallSyntax.Llama3 => (JsonQuote(name), $"ws \",\" ws {Lit("\"parameters\"")} ws \":\" ws {argsRule}"),
        _ => (JsonQuote(name), $"ws \",\" ws {Lit("\"arguments\"")} ws \":\" ws {argsRule}"),
    };

    // A JSON string as a model writes it: only quotes, backslashes and control characters escaped.
    private static string JsonQuote(string text)
    {
        var b = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => b.Append("\\\""),
                '\\' => b.Append("\\\\"),
                < ' ' => b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => b.Append(c),
            };
        }
        return b.Append('"').ToString();
    }

    // The names as a trie, so that llama.cpp meets few alternatives at any character however many tools there are
    // (a flat list of 100 names is 100 ways to the first quote, which the grammar checker refuses).
    private static string NameTrie(List<(string Key, string After)> items, List<string> rules)
    {
        var alternatives = new List<string>();
        foreach (var (_, rest) in items.Where(i => i.Key.Length == 0)) alternatives.Add(rest);
        foreach (var group in items.Where(i => i.Key.Length > 0).GroupBy(i => i.Key[..(char.IsHighSurrogate(i.Key[0]) && i.Key.Length > 1 ? 2 : 1)], StringComparer.Ordinal))
        {
            var list = group.ToList();
            var prefix = CommonPrefix(list.Select(i => i.Key).ToList());
            var children = list.Select(i => (i.Key[prefix.Length..], i.After)).ToList();
            alternatives.Add(Lit(prefix) + " " + (children.Count == 1 && children[0].Item1.Length == 0 ? children[0].After : NameTrie(children, rules)));
        }
        if (alternatives.Count == 1) return alternatives[0];
        var name = "name-" + rules.Count.ToString(CultureInfo.InvariantCulture);
        rules.Add($"{name} ::= {string.Join(" | ", alternatives)}");
        return name;
    }

    private static string CommonPrefix(List<string> keys)
    {
        var length = keys.Min(k => k.Length);
        for (var i = 0; i < length; i++)
        {
            if (keys.Any(k => k[i] != keys[0][i]))
            {
                length = i;
                break;
            }
        }
        if (length > 0 && char.IsHighSurrogate(keys[0][length - 1])) length--;
        return keys[0][..length];
    }

    private static string CallRule(ToolCallSyntax syntax, string named) => syntax switch
    {
        ToolCallSyntax.DeepSeek => $"call ::= {Lit(DeepSeekMarkers.CallBegin + "function" + DeepSeekMarkers.Separator)} {named} {Lit(DeepSeekMarkers.CallEnd)}",
        _ => $"call ::= \"{{\" ws {Lit("\"name\"")} ws \":\" ws {named} \"}}\" ws",
    };

    // "root ::= think calls" with calls the family's rule below, or nothing when no reasoning comes first. The reasoning
    // text never holds the closing tag: its first character only when the second does not follow ("</" for "</think>").
    private static string Reasoning(ChatFormat format, ReasoningBeforeCalls reasoning)
    {
        if (reasoning == ReasoningBeforeCalls.None || format.ThinkOpen is not { Length: > 0 } open || format.ThinkClose is not { Length: >= 2 } close || close[0] == close[1])
            return "";
        var x = GbnfText.ClassChar(close[0]);
        var y = GbnfText.ClassChar(close[1]);
        var body = $"think-body ::= ( [^{x}] | {Lit(close[..1])} [^{x}{y}] )*";
        var block = reasoning == ReasoningBeforeCalls.AlreadyOpen
            ? $"think-body {Lit(close)} [ \\t\\n]{{0,4}}"
            : $"( {Lit(open)} think-body {Lit(close)} [ \\t\\n]{{0,4}} )?";
        return $"root ::= {block} calls\n{body}\n";
    }

    private static string Root(ToolCallSyntax syntax, bool parallel)
    {
        // More calls after the first: "( sep call ){0,7}" as its own rule, so the repetition counts one symbol.
        var more = parallel ? $" more{{0,{MaxParallelCalls - 1}}}" : "";
        return syntax switch
        {
            ToolCallSyntax.Hermes => parallel ? $"root ::= block{more}\nmore ::= \"\\n\" block\nblock ::= \"<tool_call>\\n\" call \"</tool_call>\"" : "root ::= \"<tool_call>\\n\" call \"</tool_call>\"",
            ToolCallSyntax.Llama3 => parallel ? $"root ::= call{more}\nmore ::= \";\" \" \"? call" : "root ::= call",
            ToolCallSyntax.Mistral => $"root ::= \"[TOOL_CALLS][\" call{more} \"]\"" + (parallel ? "\nmore ::= \",\" ws call" : ""),
            ToolCallSyntax.Phi4Mini => $"root ::= \"<|tool_call|>[\" call{more} \"]<|/tool_call|>\"" + (parallel ? "\nmore ::= \",\" ws call" : ""),
            ToolCallSyntax.DeepSeek => $"root ::= {Lit(DeepSeekMarkers.CallsBegin)} call{more} {Lit(DeepSeekMarkers.CallsEnd)}" + (parallel ? "\nmore ::= call" : ""),
            _ => $"root ::= " + (parallel ? $"\"[\" ws call{more} \"]\"\nmore ::= \",\" ws call" : "call"),
        };
    }
}

/// <summary>What may come before the calls in a reply forced by <see cref="ToolCallGrammar"/>.</summary>
public enum ReasoningBeforeCalls
{
    /// <summary>The calls start the reply.</summary>
    None,

    /// <summary>The model may open a reasoning block (the template's think tags) and close it before the calls.</summary>
    Optional,

    /// <summary>The prompt ended with the opening tag: the reply starts with reasoning and its closing tag.</summary>
    AlreadyOpen,
}

/// <summary>The markers DeepSeek V3 and R1 write around tool calls (fullwidth bars and the ▁ block, as in their vocabulary).</summary>
internal static class DeepSeekMarkers
{
    public const string CallsBegin = "<\uFF5Ctool\u2581calls\u2581begin\uFF5C>";
    public const string CallsEnd = "<\uFF5Ctool\u2581calls\u2581end\uFF5C>";
    public const string CallBegin = "<\uFF5Ctool\u2581call\u2581begin\uFF5C>";
    public const string CallEnd = "<\uFF5Ctool\u2581call\u2581end\uFF5C>";
    public const string Separator = "<\uFF5Ctool\u2581sep\uFF5C>";
}
