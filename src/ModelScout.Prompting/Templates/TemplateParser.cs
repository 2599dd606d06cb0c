using System.Globalization;
using System.Text;

namespace ModelScout.Prompting.Templates;

// Two passes: Split cuts the source into text and action token lists (applying trim markers and dropping comments),
// then a recursive descent over those items builds the tree and checks functions and variables as Go's parser does.
internal sealed class TemplateParser
{
    public static readonly IReadOnlySet<string> FunctionNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "slice", "index", "print", "println", "json",
        "currentDate", "yesterdayDate", "toTypeScriptType",
    };

    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal) { "define", "template", "block", "printf", "html", "js", "urlquery", "call" };

    private readonly string src;
    private readonly List<Item> items = [];
    private readonly HashSet<string> fields = new(StringComparer.Ordinal);
    private readonly List<List<string>> scopes = [["$"]];
    private int next;
    private int rangeDepth;

    private TemplateParser(string src) => this.src = src;

    public static (TemplateNode.List, IReadOnlySet<string>) Parse(string text)
    {
        var p = new TemplateParser(text);
        p.Split();
        var (list, stop) = p.ParseList();
        if (stop is not null) throw p.Error(stop.Offset, $"unexpected {{{{{stop.Tokens[0].Text}}}}}: there is no {{{{if}}}}, {{{{range}}}} or {{{{with}}}} for it to close");
        return (list, p.fields);
    }

    private TemplateException Error(int offset, string message) => TemplateException.At(src, offset, message);

    // ---- pass 1: text and actions -------------------------------------------------------------------------------

    private sealed record Item(int Offset, string? Text, List<Token> Tokens);

    private enum TokenKind
    {
        Ident,
        Field,
        Dot,
        Variable,
        String,
        Number,
        LeftParen,
        RightParen,
        Pipe,
        Declare,
        Assign,
        Comma,
    }

    private sealed record Token(TokenKind Kind, string Text, object? Value, int Start, int End);

    // The one-character tokens: the character, and nothing else to read.
    private static readonly Dictionary<char, (TokenKind Kind, string Text)> Punctuation = new()
    {
        ['('] = (TokenKind.LeftParen, "("),
        [')'] = (TokenKind.RightParen, ")"),
        ['|'] = (TokenKind.Pipe, "|"),
        [','] = (TokenKind.Comma, ","),
        ['='] = (TokenKind.Assign, "="),
    };

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private void Split()
    {
        var i = 0;
        while (i < src.Length)
        {
            var open = src.IndexOf("{{", i, StringComparison.Ordinal);
            var text = open < 0 ? src[i..] : src[i..open];
            if (open < 0)
            {
                if (text.Length > 0) items.Add(new Item(i, text, []));
                break;
            }

            var k = open + 2;
            if (k + 1 < src.Length && src[k] == '-' && IsSpace(src[k + 1]))
            {
                text = text.TrimEnd(' ', '\t', '\r', '\n');
                k++;
            }
            if (text.Length > 0) items.Add(new Item(i, text, []));

            var m = k;
            while (m < src.Length && IsSpace(src[m])) m++;
            bool trimRight;
            int end;
            if (string.CompareOrdinal(src, m, "/*", 0, 2) == 0)
            {
                var close = src.IndexOf("*/", m + 2, StringComparison.Ordinal);
                if (close < 0) throw Error(m, "comment is never closed: end it with */}}");
                (end, trimRight) = CloseAfterComment(close + 2, open);
            }
            else
            {
                var tokens = new List<Token>();
                (end, trimRight) = Tokenize(k, open, tokens);
                items.Add(new Item(open, null, tokens));
            }

            i = end;
            if (trimRight)
            {
                while (i < src.Length && IsSpace(src[i])) i++;
            }
        }
    }

    private (int End, bool TrimRight) CloseAfterComment(int p, int open)
    {
        if (string.CompareOrdinal(src, p, "}}", 0, 2) == 0) return (p + 2, false);
        var q = p;
        while (q < src.Length && IsSpace(src[q])) q++;
        if (q > p && string.CompareOrdinal(src, q, "-}}", 0, 3) == 0) return (q + 3, true);
        if (string.CompareOrdinal(src, q, "}}", 0, 2) == 0) return (q + 2, false);
        throw Error(open, "a comment must end right before }} (write {{/* text */}})");
    }

    private (int End, bool TrimRight) Tokenize(int p, int open, List<Token> tokens)
    {
        while (true)
        {
            if (p >= src.Length) throw Error(open, "action is never closed: add }}");
            var c = src[p];
            if (IsSpace(c))
            {
                var q = p;
                while (q < src.Length && IsSpace(src[q])) q++;
                if (string.CompareOrdinal(src, q, "-}}", 0, 3) == 0) return (q + 3, true);
                p = q;
                continue;
            }
            if (c == '}')
            {
                if (p + 1 < src.Length && src[p + 1] == '}') return (p + 2, false);
                throw Error(open, "action is never closed: end it with }}");
            }
            var start = p;
            if (Punctuation.TryGetValue(c, out var punctuation))
            {
                tokens.Add(new Token(punctuation.Kind, punctuation.Text, null, p, ++p));
                continue;
            }
            switch (c)
            {
                case ':':
                    if (p + 1 < src.Length && src[p + 1] == '=')
                    {
                        tokens.Add(new Token(TokenKind.Declare, ":=", null, p, p += 2));
                        continue;
                    }
                    throw Error(p, "expected := after ':'");
                case '"':
                    tokens.Add(QuotedString(ref p));
                    continue;
                case '`':
                    var close = src.IndexOf('`', p + 1);
                    if (close < 0) throw Error(p, "raw string is never closed: add `");
                    tokens.Add(new Token(TokenKind.String, src[p..(close + 1)], src[(p + 1)..close], p, close + 1));
                    p = close + 1;
                    continue;
                case '\'':
                    tokens.Add(CharConstant(ref p));
                    continue;
                case '$':
                    p++;
                    while (p < src.Length && IsWordChar(src[p])) p++;
                    tokens.Add(new Token(TokenKind.Variable, src[start..p], null, start, p));
                    continue;
                case '.':
                    if (p + 1 < src.Length && (char.IsLetter(src[p + 1]) || src[p + 1] == '_'))
                    {
                        p++;
                        while (p < src.Length && IsWordChar(src[p])) p++;
                        tokens.Add(new Token(TokenKind.Field, src[(start + 1)..p], null, start, p));
                        continue;
                    }
                    if (p + 1 < src.Length && char.IsAsciiDigit(src[p + 1]))
                    {
                        tokens.Add(Number(ref p));
                        continue;
                    }
                    tokens.Add(new Token(TokenKind.Dot, ".", null, p, ++p));
                    continue;
            }
            if (char.IsAsciiDigit(c) || (c is '-' or '+' && p + 1 < src.Length && (char.IsAsciiDigit(src[p + 1]) || src[p + 1] == '.')))
            {
                tokens.Add(Number(ref p));
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (p < src.Length && IsWordChar(src[p])) p++;
                tokens.Add(new Token(TokenKind.Ident, src[start..p], null, start, p));
                continue;
            }
            throw Error(p, $"unexpected '{c}' in action");
        }
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private Token QuotedString(ref int p)
    {
        var start = p++;
        var b = new StringBuilder();
        while (true)
        {
            if (p >= src.Length || src[p] == '\n') throw Error(start, "string is never closed: add \"");
            var c = src[p++];
            if (c == '"') break;
            if (c != '\\')
            {
                b.Append(c);
                continue;
            }
            if (p >= src.Length) throw Error(start, "string is never closed: add \"");
            var e = src[p++];
            switch (e)
            {
                case 'n': b.Append('\n'); break;
                case 't': b.Append('\t'); break;
                case 'r': b.Append('\r'); break;
                case 'a': b.Append('\a'); break;
                case 'b': b.Append('\b'); break;
                case 'f': b.Append('\f'); break;
                case 'v': b.Append('\v'); break;
                case '\\': b.Append('\\'); break;
                case '"': b.Append('"'); break;
                case '\'': b.Append('\''); break;
                case 'x': b.Append((char)Hex(ref p, 2, start)); break;
                case 'u': b.Append(char.ConvertFromUtf32(Hex(ref p, 4, start))); break;
                case 'U': b.Append(char.ConvertFromUtf32(Hex(ref p, 8, start))); break;
                default: throw Error(p - 2, $"unknown escape \\{e} in string");
            }
        }
        return new Token(TokenKind.String, src[start..p], b.ToString(), start, p);
    }

    private int Hex(ref int p, int digits, int start)
    {
        if (p + digits > src.Length || !int.TryParse(src.AsSpan(p, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) || v > 0x10FFFF)
            throw Error(start, "bad hexadecimal escape in string");
        p += digits;
        return v;
    }

    private Token CharConstant(ref int p)
    {
        var start = p;
        var close = src.IndexOf('\'', p + 1);
        if (close < 0 || close == p + 1) throw Error(p, "character constant is never closed: add '");
        var body = src[(p + 1)..close];
        long value = body switch
        {
            "\\n" => '\n',
            "\\t" => '\t',
            "\\\\" => '\\',
            "\\'" => '\'',
            _ when body.Length == 1 || (body.Length == 2 && char.IsSurrogatePair(body[0], body[1])) => char.ConvertToUtf32(body, 0),
            _ => throw Error(p, $"unsupported character constant '{body}'"),
        };
        p = close + 1;
        return new Token(TokenKind.Number, src[start..p], value, start, p);
    }

    private Token Number(ref int p)
    {
        var start = p;
        if (src[p] is '-' or '+') p++;
        while (p < src.Length && (char.IsAsciiLetterOrDigit(src[p]) || src[p] is '.' or '_' || (src[p] is '-' or '+' && src[p - 1] is 'e' or 'E')))
            p++;
        var text = src[start..p];
        var clean = text.Replace("_", "", StringComparison.Ordinal);
        var negative = clean.StartsWith('-');
        var digits = clean.TrimStart('-', '+');
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            return new Token(TokenKind.Number, text, negative ? -hex : hex, start, p);
        if (long.TryParse(clean, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return new Token(TokenKind.Number, text, l, start, p);
        if (double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return new Token(TokenKind.Number, text, d, start, p);
        throw Error(start, $"bad number syntax: {text}");
    }

    // ---- pass 2: the tree -------------------------------------------------------------------------------------

    private (TemplateNode.List List, Item? Stop) ParseList()
    {
        var nodes = new List<TemplateNode>();
        var offset = next < items.Count ? items[next].Offset : src.Length;
        while (next < items.Count)
        {
            var item = items[next++];
            if (item.Text is not null)
            {
                nodes.Add(new TemplateNode.Text(item.Offset, item.Text));
                continue;
            }
            var tokens = item.Tokens;
            if (tokens.Count == 0) throw Error(item.Offset, "empty action: write something between {{ and }}");
            var first = tokens[0];
            if (first.Kind == TokenKind.Ident)
            {
                switch (first.Text)
                {
                    case "if":
                        nodes.Add(ParseBranch(BranchKind.If, item, 1));
                        continue;
                    case "range":
                        nodes.Add(ParseBranch(BranchKind.Range, item, 1));
                        continue;
                    case "with":
                        nodes.Add(ParseBranch(BranchKind.With, item, 1));
                        continue;
                    case "else":
                    case "end":
                        return (new TemplateNode.List(offset, nodes), item);
                    case "break":
                    case "continue":
                        if (rangeDepth == 0) throw Error(item.Offset, $"{{{{{first.Text}}}}} outside {{{{range}}}}");
                        if (tokens.Count > 1) throw Error(tokens[1].Start, $"unexpected {tokens[1].Text} after {first.Text}");
                        nodes.Add(first.Text == "break" ? new TemplateNode.Break(item.Offset) : new TemplateNode.Continue(item.Offset));
                        continue;
                }
            }
            nodes.Add(new TemplateNode.Action(item.Offset, ParsePipeline(tokens, 0, tokens.Count, declarations: true, range: false)));
        }
        return (new TemplateNode.List(offset, nodes), null);
    }

    private TemplateNode.Branch ParseBranch(BranchKind kind, Item item, int from)
    {
        var name = kind.ToString().ToLowerInvariant();
        if (from >= item.Tokens.Count) throw Error(item.Offset, $"missing value for {{{{{name}}}}}");
        scopes.Add([]);
        var pipe = ParsePipeline(item.Tokens, from, item.Tokens.Count, declarations: true, range: kind == BranchKind.Range);
        if (kind == BranchKind.Range) rangeDepth++;
        var (body, stop) = ParseList();
        if (kind == BranchKind.Range) rangeDepth--;
        if (stop is null) throw Error(item.Offset, $"this {{{{{name}}}}} has no {{{{end}}}}: close it with {{{{end}}}}");

        TemplateNode.List? elseList = null;
        if (stop.Tokens[0].Text == "else")
        {
            if (stop.Tokens.Count > 1)
            {
                // "else if" / "else with" is a nested branch that shares this branch's {{end}}.
                var chained = stop.Tokens[1];
                var chainKind = chained.Text switch
                {
                    "if" when kind == BranchKind.If => BranchKind.If,
                    "with" when kind == BranchKind.With => BranchKind.With,
                    _ => throw Error(chained.Start, $"unexpected '{chained.Text}' after else in {{{{{name}}}}}"),
                };
                var nested = ParseBranch(chainKind, stop, 2);
                elseList = new TemplateNode.List(stop.Offset, [nested]);
                scopes.RemoveAt(scopes.Count - 1);
                return new TemplateNode.Branch(item.Offset, kind, pipe, body, elseList);
            }
            var (alternative, end) = ParseList();
            if (end is null || end.Tokens[0].Text != "end")
                throw Error(end?.Offset ?? item.Offset, $"this {{{{{name}}}}} has no {{{{end}}}} after its {{{{else}}}}");
            if (end.Tokens.Count > 1) throw Error(end.Tokens[1].Start, "unexpected text after end");
            elseList = alternative;
        }
        else if (stop.Tokens.Count > 1)
        {
            throw Error(stop.Tokens[1].Start, "unexpected text after end");
        }
        scopes.RemoveAt(scopes.Count - 1);
        return new TemplateNode.Branch(item.Offset, kind, pipe, body, elseList);
    }

    private Pipeline ParsePipeline(List<Token> t, int from, int to, bool declarations, bool range)
    {
        var offset = from < t.Count ? t[from].Start : 0;
        var variables = new List<string>();
        var assignment = false;
        if (declarations && to - from >= 2 && t[from].Kind == TokenKind.Variable)
        {
            if (t[from + 1].Kind is TokenKind.Declare or TokenKind.Assign)
            {
                variables.Add(t[from].Text);
                assignment = t[from + 1].Kind == TokenKind.Assign;
                from += 2;
            }
            else if (range && to - from >= 4 && t[from + 1].Kind == TokenKind.Comma && t[from + 2].Kind == TokenKind.Variable && t[from + 3].Kind == TokenKind.Declare)
            {
                variables.Add(t[from].Text);
                variables.Add(t[from + 2].Text);
                from += 4;
            }
            if (assignment && !IsDefined(variables[0])) throw Error(offset, $"undefined variable {variables[0]}: declare it first with {variables[0]} := ...");
        }
        if (from >= to) throw Error(offset, "missing value after the variable declaration");

        var commands = new List<Command>();
        var args = new List<TemplateExpr>();
        var commandStart = t[from].Start;
        var i = from;
        while (i < to)
        {
            if (t[i].Kind == TokenKind.Pipe)
            {
                if (args.Count == 0) throw Error(t[i].Start, "missing command before |");
                commands.Add(new Command(commandStart, args));
                args = [];
                i++;
                if (i >= to) throw Error(t[i - 1].Start, "missing command after |");
                commandStart = t[i].Start;
                continue;
            }
            args.Add(ParseOperand(t, ref i, to));
        }
        if (args.Count == 0) throw Error(offset, "missing command");
        commands.Add(new Command(commandStart, args));

        // Declared after the pipeline, so "$x := $x" refers to the outer $x, as in Go.
        if (!assignment)
        {
            foreach (var v in variables) scopes[^1].Add(v);
        }
        return new Pipeline(offset, variables, assignment, commands);
    }

    private bool IsDefined(string name) => scopes.Any(s => s.Contains(name));

    private TemplateExpr ParseOperand(List<Token> t, ref int i, int to)
    {
        var tok = t[i];
        TemplateExpr expr;
        switch (tok.Kind)
        {
            case TokenKind.Field:
                i++;
                return Chain(new TemplateExpr.Dot(tok.Start), [tok.Text], t, ref i, to, tok.Start, tok.End);
            case TokenKind.Dot:
                i++;
                return new TemplateExpr.Dot(tok.Start);
            case TokenKind.Variable:
                if (!IsDefined(tok.Text)) throw Error(tok.Start, $"undefined variable {tok.Text}");
                i++;
                expr = new TemplateExpr.Variable(tok.Start, tok.Text);
                return Chain(expr, [], t, ref i, to, tok.Start, tok.End);
            case TokenKind.String:
            case TokenKind.Number:
                i++;
                return new TemplateExpr.Literal(tok.Start, tok.Value);
            case TokenKind.LeftParen:
                var depth = 0;
                var close = -1;
                for (var j = i; j < to; j++)
                {
                    if (t[j].Kind == TokenKind.LeftParen) depth++;
                    else if (t[j].Kind == TokenKind.RightParen && --depth == 0)
                    {
                        close = j;
                        break;
                    }
                }
                if (close < 0) throw Error(tok.Start, "unclosed '(': add ')'");
                if (close == i + 1) throw Error(tok.Start, "missing value inside ()");
                var inner = ParsePipeline(t, i + 1, close, declarations: false, range: false);
                i = close + 1;
                return Chain(new TemplateExpr.Sub(tok.Start, inner), [], t, ref i, to, tok.Start, t[close].End);
            case TokenKind.Ident:
                i++;
                switch (tok.Text)
                {
                    case "true": return new TemplateExpr.Literal(tok.Start, true);
                    case "false": return new TemplateExpr.Literal(tok.Start, false);
                    case "nil": return new TemplateExpr.Literal(tok.Start, null);
                }
                if (FunctionNames.Contains(tok.Text)) return new TemplateExpr.Function(tok.Start, tok.Text);
                if (Unsupported.Contains(tok.Text))
                    throw Error(tok.Start, $"'{tok.Text}' is not supported in model templates; supported functions: {string.Join(", ", FunctionNames)}");
                throw Error(tok.Start, $"function \"{tok.Text}\" not defined; supported functions: {string.Join(", ", FunctionNames)}");
            case TokenKind.RightParen:
                throw Error(tok.Start, "unexpected ')' without a matching '('");
            default:
                throw Error(tok.Start, $"unexpected '{tok.Text}' in pipeline");
        }
    }

    // Fields written right after an operand, without a space (.A.B, $x.Role, (index .Messages 0).Content).
    private TemplateExpr Chain(TemplateExpr receiver, List<string> names, List<Token> t, ref int i, int to, int start, int end)
    {
        while (i < to && t[i].Kind == TokenKind.Field && t[i].Start == end)
        {
            names.Add(t[i].Text);
            end = t[i].End;
            i++;
        }
        foreach (var n in names) fields.Add(n);
        return names.Count == 0 ? receiver : new TemplateExpr.Chain(start, receiver, names);
    }
}
