using System.Globalization;

namespace ModelScout.Prompting.Grammar;

/// <summary>
/// Checks a user-written GBNF grammar before llama.cpp sees it: llama.cpp aborts the process on a grammar it cannot
/// parse, and loops or overflows its stack on some it does accept. The checker compiles the grammar the way llama.cpp
/// does (<see cref="GbnfParser"/>) and refuses everything llama.cpp would refuse, plus the shapes that break it later.
/// </summary>
public static class GbnfChecker
{
    /// <summary>Longest grammar text accepted, in UTF-16 characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Most rules the grammar may compile to in llama.cpp (named rules, groups and repetition steps).</summary>
    public const int MaxRules = 20_000;

    /// <summary>Most grammar elements it may compile to (about 8 bytes each in llama.cpp).</summary>
    public const int MaxElements = 1_000_000;

    /// <summary>Deepest nesting of parentheses (llama.cpp parses groups recursively on the caller's stack).</summary>
    public const int MaxNesting = 64;

    /// <summary>
    /// Longest chain of rules llama.cpp may enter before it reaches a character (each level is one native stack frame
    /// when it advances the grammar).
    /// </summary>
    public const int MaxLeftDepth = 1000;

    /// <summary>
    /// Most ways llama.cpp's grammar step may reach a character from one position (for example 40 optional items in a
    /// row are 41 ways). Its work per sampled token grows faster than this number; 100 optional items in a row already
    /// cost about a second per token on a 512-token vocabulary.
    /// </summary>
    public const int MaxBranching = 64;

    private const uint MaxCodePoint = 0x10FFFF;

    /// <summary>Returns <paramref name="gbnf"/> when it is safe to hand to llama.cpp; otherwise throws an InvalidRequest error.</summary>
    /// <exception cref="InvalidRequestException">The grammar is refused; the message gives the line, column and the fault.</exception>
    public static string Check(string gbnf)
    {
        if (gbnf is null) throw Refuse("no grammar was given");
        if (gbnf.Length > MaxLength) throw Refuse($"the grammar is {gbnf.Length} characters long; the limit is {MaxLength}");
        var nul = gbnf.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0) throw Refuse(gbnf, nul, "the grammar contains a NUL character (write \\x00 inside a literal if you mean it)");

        GbnfParser parser;
        try
        {
            parser = GbnfParser.Parse(gbnf, MaxRules, MaxElements, MaxNesting);
        }
        catch (GbnfSyntaxException e)
        {
            throw Refuse(gbnf, e.Offset, e.Message);
        }

        if (parser.SymbolCount == 0) throw Refuse("the grammar is empty; it needs at least a rule 'root ::= ...'");
        CheckDefined(gbnf, parser);
        if (!parser.TryGetSymbol("root", out var root) || parser.Rules[(int)root] is null)
            throw Refuse("the grammar has no rule named 'root'; generation starts from 'root ::= ...'");
        CheckCharacters(gbnf, parser);
        var order = CheckLeftRecursion(gbnf, parser);
        CheckWork(gbnf, parser, order);
        return gbnf;
    }

    /// <summary>"line L, column C" of <paramref name="offset"/> in <paramref name="text"/> (both from 1).</summary>
    internal static string Position(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        int line = 1, lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                line++;
                lineStart = i + 1;
            }
        }
        return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {offset - lineStart + 1}");
    }

    private static void CheckDefined(string text, GbnfParser parser)
    {
        var missing = Enumerable.Range(0, parser.SymbolCount)
            .Where(id => parser.Rules[id] is null)
            .OrderBy(id => parser.FirstMention[id])
            .FirstOrDefault(-1);
        if (missing >= 0)
        {
            var name = parser.SymbolNames[missing];
            throw Refuse(text, parser.FirstMention[missing], $"the rule '{name}' is used but never defined; add a line '{name} ::= ...'");
        }
    }

    // A character test that no Unicode scalar value passes leaves llama.cpp with no token to allow; it then accepts
    // whatever was sampled and aborts the process (seen with "\x00"). Code points llama.cpp never decodes (0, surrogates,
    // above U+10FFFF) are treated as unmatchable.
    private static void CheckCharacters(string text, GbnfParser parser)
    {
        for (var id = 0; id < parser.SymbolCount; id++)
        {
            var rule = parser.Rules[id]!;
            for (var i = 0; i < rule.Count; i++)
            {
                var kind = rule[i].Kind;
                if (kind is not (GbnfElementKind.Char or GbnfElementKind.CharNot)) continue;
                var ranges = new List<(uint Low, uint High)>();
                var j = i;
                do
                {
                    var low = rule[j].Value;
                    var high = low;
                    if (j + 1 < rule.Count && rule[j + 1].Kind == GbnfElementKind.CharRangeUpper)
                    {
                        high = rule[j + 1].Value;
                        j++;
                    }
                    ranges.Add((low, high));
                    j++;
                }
                while (j < rule.Count && rule[j].Kind == GbnfElementKind.CharAlternative);
                var matchesSomething = kind == GbnfElementKind.Char
                    ? ranges.Any(r => Overlaps(r.Low, r.High))
                    : !CoversAllScalars(ranges);
                if (!matchesSomething)
                {
                    throw Refuse(text, parser.FirstMention[id], $"a literal or character class in rule '{parser.SymbolNames[id]}' matches no character a model can produce " +
                        "(NUL, a UTF-16 surrogate, a code point above U+10FFFF, an empty range, or a negated class that covers everything); llama.cpp would abort on it");
                }
                i = j - 1;
            }
        }
    }

    private static bool Overlaps(uint low, uint high)
    {
        if (low > high) return false;
        // Valid scalars other than NUL: 1..D7FF and E000..10FFFF.
        return (low <= 0xD7FF && high >= 1) || (low <= MaxCodePoint && high >= 0xE000);
    }

    private static bool CoversAllScalars(List<(uint Low, uint High)> ranges)
    {
        uint next = 1;
        foreach (var (low, high) in ranges.Where(r => r.Low <= r.High).OrderBy(r => r.Low))
        {
            if (next is >= 0xD800 and <= 0xDFFF) next = 0xE000;
            if (low > next) return false;
            if (high >= next) next = high == uint.MaxValue ? uint.MaxValue : high + 1;
            if (next > MaxCodePoint) return true;
        }
        if (next is >= 0xD800 and <= 0xDFFF) next = 0xE000;
        return next > MaxCodePoint;
    }

    // llama.cpp refuses left recursion but judges "may be empty" by direct empty alternatives only; a rule that is empty
    // through another rule slips past it and then recurses without end when the grammar advances. This check follows
    // emptiness through rules, so it refuses everything llama.cpp refuses and those too. Returns the rules in an order
    // where every rule comes after the rules it can start with.
    private static List<int> CheckLeftRecursion(string text, GbnfParser parser)
    {
        var n = parser.SymbolCount;
        var nullable = Nullable(parser);
        var starts = new List<int>[n];
        for (var id = 0; id < n; id++)
        {
            starts[id] = [];
            var atStart = true;
            foreach (var e in parser.Rules[id]!)
            {
                if (e.Kind is GbnfElementKind.Alternative or GbnfElementKind.End)
                {
                    atStart = true;
                }
                else if (atStart && e.Kind == GbnfElementKind.RuleReference)
                {
                    starts[id].Add((int)e.Value);
                    atStart = nullable[e.Value];
                }
                else if (e.Kind is not (GbnfElementKind.CharAlternative or GbnfElementKind.CharRangeUpper))
                {
                    atStart = false;
                }
            }
        }

        // Iterative depth-first search: grammars may have thousands of rules and the checker runs on small stacks too.
        var state = new byte[n]; // 0 new, 1 on the path, 2 done
        var depth = new int[n];
        var order = new List<int>(n);
        var path = new Stack<(int Rule, int Next)>();
        for (var first = 0; first < n; first++)
        {
            if (state[first] != 0) continue;
            path.Push((first, 0));
            state[first] = 1;
            while (path.Count > 0)
            {
                var (rule, next) = path.Pop();
                if (next < starts[rule].Count)
                {
                    path.Push((rule, next + 1));
                    var target = starts[rule][next];
                    if (state[target] == 1)
                    {
                        var cycle = path.Select(p => p.Rule).TakeWhile(r => r != target).Reverse().Prepend(target).Append(target)
                            .Select(r => parser.SymbolNames[r]).Distinct(StringComparer.Ordinal).ToList();
                        var names = string.Join(" -> ", cycle.Append(cycle[0]));
                        throw Refuse(text, parser.FirstMention[target], $"left recursion ({names}): rule '{cycle[0]}' can reach itself before reading any character, " +
                            "which llama.cpp cannot run; rewrite it so the recursion comes after something that reads input (e.g. list ::= item (\",\" item)*)");
                    }
                    if (state[target] == 0)
                    {
                        state[target] = 1;
                        path.Push((target, 0));
                    }
                }
                else
                {
                    state[rule] = 2;
                    depth[rule] = 1 + starts[rule].Select(s => depth[s]).DefaultIfEmpty(0).Max();
                    if (depth[rule] > MaxLeftDepth)
                        throw Refuse(text, parser.FirstMention[rule], $"rule '{parser.SymbolNames[rule]}' starts a chain of more than {MaxLeftDepth} rules before any character; flatten it");
                    order.Add(rule);
                }
            }
        }
        return order;
    }

    private static bool[] Nullable(GbnfParser parser)
    {
        var nullable = new bool[parser.SymbolCount];
        for (var changed = true; changed;)
        {
            changed = false;
            for (var id = 0; id < parser.SymbolCount; id++)
            {
                if (nullable[id]) continue;
                var alternativeEmpty = true;
                foreach (var e in parser.Rules[id]!)
                {
                    if (e.Kind is GbnfElementKind.Alternative or GbnfElementKind.End)
                    {
                        if (alternativeEmpty)
                        {
                            nullable[id] = changed = true;
                            break;
                        }
                        alternativeEmpty = true;
                    }
                    else if (e.Kind != GbnfElementKind.RuleReference || !nullable[e.Value])
                    {
                        alternativeEmpty = false;
                    }
                }
            }
        }
        return nullable;
    }

    // llama.cpp advances the grammar by expanding every way from a position to the next character, without memory, and
    // then compares its stacks pairwise and per token. For each rule: Reach = ways to a character, Through = ways to
    // come out empty. Those of a sequence compose left to right; the largest Reach from any position bounds the work.
    private static void CheckWork(string text, GbnfParser parser, List<int> order)
    {
        var reach = new double[parser.SymbolCount];
        var through = new double[parser.SymbolCount];
        foreach (var id in order)
        {
            double r = 0, t = 0, accReach = 0, accThrough = 1;
            foreach (var e in parser.Rules[id]!)
            {
                switch (e.Kind)
                {
                    case GbnfElementKind.Alternative or GbnfElementKind.End:
                        r += accReach;
                        t += accThrough;
                        accReach = 0;
                        accThrough = 1;
                        break;
                    case GbnfElementKind.RuleReference when accThrough > 0:
                        accReach += accThrough * reach[e.Value];
                        accThrough *= through[e.Value];
                        break;
                    case GbnfElementKind.Char or GbnfElementKind.CharNot or GbnfElementKind.CharAny when accThrough > 0:
                        accReach += accThrough;
                        accThrough = 0;
                        break;
                }
            }
            reach[id] = r;
            through[id] = t;
        }

        // From any position inside a sequence, right to left, with every rule's numbers known.
        for (var id = 0; id < parser.SymbolCount; id++)
        {
            var rule = parser.Rules[id]!;
            double suffixReach = 0, suffixThrough = 1;
            for (var i = rule.Count - 1; i >= 0; i--)
            {
                var e = rule[i];
                switch (e.Kind)
                {
                    case GbnfElementKind.Alternative or GbnfElementKind.End:
                        suffixReach = 0;
                        suffixThrough = 1;
                        break;
                    case GbnfElementKind.RuleReference:
                        suffixReach = reach[e.Value] + through[e.Value] * suffixReach;
                        suffixThrough *= through[e.Value];
                        break;
                    case GbnfElementKind.Char or GbnfElementKind.CharNot or GbnfElementKind.CharAny:
                        suffixReach = 1;
                        suffixThrough = 0;
                        break;
                }
                if (suffixReach > MaxBranching)
                {
                    throw Refuse(text, parser.FirstMention[id], $"rule '{parser.SymbolNames[id]}' has a point with more than {MaxBranching} ways to the next character " +
                        "(long runs of optional items, or alternatives that can each be empty); llama.cpp's work per token grows faster than that number. " +
                        "Group the optional items, e.g. (a (b (c)?)?)? instead of a? b? c?");
                }
            }
        }
    }

    private static InvalidRequestException Refuse(string message) =>
        new("grammar: " + message) { Param = "grammar" };

    private static InvalidRequestException Refuse(string text, int offset, string message) =>
        new($"grammar error at {Position(text, offset)}: {message}") { Param = "grammar" };
}
