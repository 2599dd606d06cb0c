using System.Globalization;

namespace ModelScout.Prompting.Grammar;

/// <summary>The element kinds of llama.cpp's compiled grammar (llama_gretype), in the same roles.</summary>
internal enum GbnfElementKind : byte
{
    End,
    Alternative,
    RuleReference,
    Char,
    CharNot,
    CharRangeUpper,
    CharAlternative,
    CharAny,
}

internal readonly record struct GbnfElement(GbnfElementKind Kind, uint Value);

/// <summary>A grammar error at a character offset of the grammar text.</summary>
internal sealed class GbnfSyntaxException(int offset, string message) : Exception(message)
{
    public int Offset { get; } = offset;
}

/// <summary>
/// Compiles GBNF the way llama.cpp's grammar parser does, element for element: the same rules, the same synthesized
/// rules for groups and repetitions, the same symbol numbering. Being the same is the point: llama.cpp's limits
/// (the repetition guard counts symbols) and its left-recursion check act on that compiled form, so the checker can
/// only predict them by building it. Token references (&lt;...&gt;) are refused because they depend on a model's vocabulary.
/// </summary>
internal sealed class GbnfParser
{
    // llama.cpp's MAX_REPETITION_THRESHOLD: a count above it, or symbols-in-item x count reaching it, fails.
    public const ulong RepetitionThreshold = 2000;

    private readonly string text;
    private readonly int maxSymbols;
    private readonly int maxElements;
    private readonly int maxNesting;
    private readonly Dictionary<string, uint> namedSymbols = new(StringComparer.Ordinal);
    private int pos;
    private int nesting;
    private long elementCount;

    private GbnfParser(string text, int maxSymbols, int maxElements, int maxNesting)
    {
        this.text = text;
        this.maxSymbols = maxSymbols;
        this.maxElements = maxElements;
        this.maxNesting = maxNesting;
    }

    /// <summary>Rules by symbol id; null where a symbol was referenced but never defined.</summary>
    public List<List<GbnfElement>?> Rules { get; } = [];

    /// <summary>Per symbol id: the user rule it is (or was synthesized inside), for messages.</summary>
    public List<string> SymbolNames { get; } = [];

    /// <summary>Per symbol id: where it was first mentioned.</summary>
    public List<int> FirstMention { get; } = [];

    /// <summary>Per symbol id: whether the user named it (as opposed to a rule llama.cpp synthesizes).</summary>
    public List<bool> IsNamed { get; } = [];

    public int SymbolCount => SymbolNames.Count;

    public long ElementCount => elementCount;

    public bool TryGetSymbol(string name, out uint id) => namedSymbols.TryGetValue(name, out id);

    public static GbnfParser Parse(string text, int maxSymbols, int maxElements, int maxNesting)
    {
        var parser = new GbnfParser(text, maxSymbols, maxElements, maxNesting);
        parser.ParseGrammar();
        return parser;
    }

    // The C parser reads a NUL-terminated string; the checker refuses NUL up front, so '\0' here only means the end.
    private char At(int i) => i < text.Length ? text[i] : '\0';

    private char Current => At(pos);

    private bool AtEnd => pos >= text.Length;

    private void ParseGrammar()
    {
        SkipSpace(newlines: true);
        while (!AtEnd) ParseRule();
    }

    private void ParseRule()
    {
        var nameStart = pos;
        var name = ParseName("a rule name (letters, digits and '-')");
        SkipSpace(newlines: false);
        var id = NamedSymbol(name, nameStart);
        if (!(Current == ':' && At(pos + 1) == ':' && At(pos + 2) == '='))
            throw Error(pos, $"expecting '::=' after the rule name '{name}' (on the same line)");
        pos += 3;
        SkipSpace(newlines: true);
        ParseAlternatives(name, id, nested: false);
        if (Current == '\r') pos += At(pos + 1) == '\n' ? 2 : 1;
        else if (Current == '\n') pos++;
        else if (!AtEnd) throw Error(pos, Current == ')' ? "')' without a matching '('" : $"unexpected '{Current}'; a rule ends at the end of its line (continue it inside parentheses or after '|')");
        SkipSpace(newlines: true);
    }

    private void ParseAlternatives(string ruleName, uint ruleId, bool nested)
    {
        var rule = new List<GbnfElement>();
        ParseSequence(ruleName, rule, nested);
        while (Current == '|')
        {
            Add(rule, GbnfElementKind.Alternative, 0);
            pos++;
            SkipSpace(newlines: true);
            ParseSequence(ruleName, rule, nested);
        }
        Add(rule, GbnfElementKind.End, 0);
        SetRule(ruleId, rule);
    }

    private void ParseSequence(string ruleName, List<GbnfElement> rule, bool nested)
    {
        var lastItemStart = rule.Count;
        ulong itemSymbols = 1;
        while (!AtEnd)
        {
            var c = Current;
            var itemAt = pos;
            if (c == '"')
            {
                pos++;
                lastItemStart = rule.Count;
                itemSymbols = 1;
                while (Current != '"')
                {
                    if (AtEnd) throw Error(itemAt, "this string literal has no closing '\"'");
                    Add(rule, GbnfElementKind.Char, ParseChar());
                }
                pos++;
                SkipSpace(nested);
            }
            else if (c == '[')
            {
                pos++;
                var first = GbnfElementKind.Char;
                if (Current == '^')
                {
                    pos++;
                    first = GbnfElementKind.CharNot;
                }
                lastItemStart = rule.Count;
                itemSymbols = 1;
                while (Current != ']')
                {
                    if (AtEnd) throw Error(itemAt, "this character class has no closing ']'");
                    var low = ParseChar();
                    Add(rule, lastItemStart < rule.Count ? GbnfElementKind.CharAlternative : first, low);
                    if (Current == '-' && At(pos + 1) != ']')
                    {
                        if (pos + 1 >= text.Length) throw Error(itemAt, "this character class has no closing ']'");
                        pos++;
                        Add(rule, GbnfElementKind.CharRangeUpper, ParseChar());
                    }
                }
                pos++;
                SkipSpace(nested);
            }
            else if (c is '<' or '!')
            {
                throw Error(pos, "token references (<...>, !<...>) are not supported here because they depend on the model's vocabulary; write the text as a \"literal\" instead");
            }
            else if (IsWordChar(c))
            {
                var name = ParseName("a rule name");
                var id = NamedSymbol(name, itemAt);
                SkipSpace(nested);
                lastItemStart = rule.Count;
                itemSymbols = 1;
                Add(rule, GbnfElementKind.RuleReference, id);
            }
            else if (c == '(')
            {
                if (++nesting > maxNesting) throw Error(pos, $"parentheses are nested more than {maxNesting} deep; use named rules instead");
                pos++;
                SkipSpace(newlines: true);
                var before = SymbolCount;
                var groupId = NewSymbol(ruleName, itemAt);
                ParseAlternatives(ruleName, groupId, nested: true);
                itemSymbols = (ulong)Math.Max(1, SymbolCount - before);
                lastItemStart = rule.Count;
                Add(rule, GbnfElementKind.RuleReference, groupId);
                if (Current != ')') throw Error(AtEnd ? itemAt : pos, AtEnd ? "this '(' has no matching ')'" : $"expecting ')' to close the group opened at {Where(itemAt)}, found '{Current}'");
                nesting--;
                pos++;
                SkipSpace(nested);
            }
            else if (c == '.')
            {
                lastItemStart = rule.Count;
                itemSymbols = 1;
                Add(rule, GbnfElementKind.CharAny, 0);
                pos++;
                SkipSpace(nested);
            }
            else if (c is '*' or '+' or '?')
            {
                pos++;
                SkipSpace(nested);
                var (min, max) = c switch { '*' => (0UL, (ulong?)null), '+' => (1UL, null), _ => (0UL, 1UL) };
                Repeat(ruleName, rule, lastItemStart, ref itemSymbols, min, max, itemAt);
            }
            else if (c == '{')
            {
                pos++;
                SkipSpace(nested);
                var min = ParseCount(itemAt);
                SkipSpace(nested);
                ulong? max;
                if (Current == '}')
                {
                    max = min;
                }
                else if (Current == ',')
                {
                    pos++;
                    SkipSpace(nested);
                    max = IsDigit(Current) ? ParseCount(itemAt) : null;
                    SkipSpace(nested);
                    if (Current != '}') throw Error(pos, "expecting '}' to close the repetition {m,n}");
                }
                else
                {
                    throw Error(pos, "expecting ',' or '}' in the repetition {m}, {m,} or {m,n}");
                }
                pos++;
                SkipSpace(nested);
                if (min > RepetitionThreshold || max > RepetitionThreshold)
                    throw Error(itemAt, $"llama.cpp refuses repetition counts above {RepetitionThreshold}; use '*' or '+' for long runs");
                if (max < min) throw Error(itemAt, $"the repetition maximum {max} is below its minimum {min}");
                Repeat(ruleName, rule, lastItemStart, ref itemSymbols, min, max, itemAt);
            }
            else
            {
                break;
            }
        }
    }

    // llama.cpp's rewrite of S{m,n}: m copies of S inline, then a chain of n-m synthesized optional rules
    // (S' ::= S S'' |); S{m,} ends in one self-recursive rule (S' ::= S S' |). Its guard multiplies the symbols the item
    // created by the count (the maximum, else the minimum, else 1) and fails at the threshold.
    private void Repeat(string ruleName, List<GbnfElement> rule, int lastItemStart, ref ulong itemSymbols, ulong min, ulong? max, int at)
    {
        if (lastItemStart == rule.Count)
            throw Error(at, $"'{text[at]}' has nothing before it to repeat (an empty \"\" or [] does not count)");
        var count = max is > 0 ? max.Value : min > 0 ? min : 1;
        if (itemSymbols * count >= RepetitionThreshold)
        {
            throw Error(at, $"this repetition expands to {itemSymbols} rule(s) x {count} = {itemSymbols * count} in llama.cpp, which refuses {RepetitionThreshold} or more; " +
                "lower the count, or move the repeated part into its own named rule so that it counts once");
        }
        var item = rule.GetRange(lastItemStart, rule.Count - lastItemStart);
        if (min == 0)
        {
            rule.RemoveRange(lastItemStart, rule.Count - lastItemStart);
        }
        else
        {
            Reserve((long)(min - 1) * item.Count, at);
            for (ulong i = 1; i < min; i++) rule.AddRange(item);
        }
        var optional = max is { } m ? m - min : 1;
        uint previous = 0;
        for (ulong i = 0; i < optional; i++)
        {
            var id = NewSymbol(ruleName, at);
            var synthesized = new List<GbnfElement>(item);
            Reserve(item.Count + 3, at);
            if (i > 0 || max is null) synthesized.Add(new(GbnfElementKind.RuleReference, max is null ? id : previous));
            synthesized.Add(new(GbnfElementKind.Alternative, 0));
            synthesized.Add(new(GbnfElementKind.End, 0));
            SetRule(id, synthesized);
            previous = id;
        }
        if (optional > 0) Add(rule, GbnfElementKind.RuleReference, previous);
        itemSymbols *= count;
    }

    private ulong ParseCount(int repetitionAt)
    {
        if (!IsDigit(Current)) throw Error(pos, "expecting a number in the repetition {m,n}");
        var start = pos;
        while (IsDigit(Current)) pos++;
        if (!ulong.TryParse(text.AsSpan(start, pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw Error(repetitionAt, $"llama.cpp refuses repetition counts above {RepetitionThreshold}; use '*' or '+' for long runs");
        return value;
    }

    private uint ParseChar()
    {
        var at = pos;
        if (Current == '\\')
        {
            var kind = At(pos + 1);
            pos += 2;
            switch (kind)
            {
                case 'x': return ParseHex(2, at);
                case 'u': return ParseHex(4, at);
                case 'U': return ParseHex(8, at);
                case 't': return '\t';
                case 'r': return '\r';
                case 'n': return '\n';
                case '\\' or '"' or '[' or ']': return kind;
                default:
                    pos = at;
                    throw Error(at, kind == '\0'
                        ? "the grammar ends in the middle of an escape"
                        : $"unknown escape '\\{kind}'; llama.cpp knows \\n \\r \\t \\\\ \\\" \\[ \\] \\xHH \\uHHHH \\UHHHHHHHH");
            }
        }
        if (char.IsHighSurrogate(Current) && char.IsLowSurrogate(At(pos + 1)))
        {
            var value = char.ConvertToUtf32(Current, At(pos + 1));
            pos += 2;
            return (uint)value;
        }
        return Current switch
        {
            _ when char.IsSurrogate(Current) => throw Error(pos, "an unpaired UTF-16 surrogate is not a character"),
            _ => text[pos++],
        };
    }

    private uint ParseHex(int digits, int at)
    {
        uint value = 0;
        for (var i = 0; i < digits; i++)
        {
            var c = Current;
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0) throw Error(at, $"'{text[at..Math.Min(text.Length, at + 2)]}' needs exactly {digits} hex digits");
            value = (value << 4) | (uint)digit;
            pos++;
        }
        return value;
    }

    private string ParseName(string what)
    {
        var start = pos;
        while (IsWordChar(Current)) pos++;
        if (pos == start) throw Error(pos, AtEnd ? $"expecting {what}, found the end" : $"expecting {what}, found '{Current}'");
        return text[start..pos];
    }

    private void SkipSpace(bool newlines)
    {
        while (!AtEnd)
        {
            var c = Current;
            if (c == '#')
            {
                while (!AtEnd && Current is not ('\r' or '\n')) pos++;
            }
            else if (c is ' ' or '\t' || (newlines && c is '\r' or '\n'))
            {
                pos++;
            }
            else
            {
                break;
            }
        }
    }

    private uint NamedSymbol(string name, int at)
    {
        if (namedSymbols.TryGetValue(name, out var id)) return id;
        id = NewSymbol(name, at);
        namedSymbols.Add(name, id);
        IsNamed[(int)id] = true;
        return id;
    }

    private uint NewSymbol(string owner, int at)
    {
        if (SymbolCount >= maxSymbols)
            throw Error(at, $"the grammar compiles to more than {maxSymbols} rules in llama.cpp (groups and each step of a repetition are rules); simplify it");
        SymbolNames.Add(owner);
        FirstMention.Add(at);
        IsNamed.Add(false);
        Rules.Add(null);
        return (uint)(SymbolCount - 1);
    }

    private void SetRule(uint id, List<GbnfElement> rule) => Rules[(int)id] = rule;

    private void Add(List<GbnfElement> rule, GbnfElementKind kind, uint value)
    {
        Reserve(1, pos);
        rule.Add(new(kind, value));
    }

    private void Reserve(long elements, int at)
    {
        elementCount += elements;
        if (elementCount > maxElements)
            throw Error(at, $"the grammar compiles to more than {maxElements} elements in llama.cpp (a repetition {{m}} copies its item m times); simplify it");
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsWordChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-';

    public string Where(int offset) => GbnfChecker.Position(text, offset);

    private static GbnfSyntaxException Error(int offset, string message) => new(offset, message);
}
