using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ModelScout.Prompting.Templates;

// Executes a parsed template. Values are string, long, double, bool, null, List<object?> (JsonList prints as JSON),
// TemplateMap (a JSON object), ITemplateObject (tools, tool calls, schemas), ChatTurn and TemplateData.
internal sealed class TemplateEvaluator
{
    private static readonly object NoValue = new();
    private static readonly List<object?> Empty = [];

    private readonly string source;
    private readonly TemplateData data;
    private readonly int cutOffset;
    private readonly StringBuilder output = new();
    private readonly List<(string Name, object? Value)> vars = [];
    private readonly List<object?> messages;
    private readonly Dictionary<ChatTurn, List<object?>> toolCalls = new(ReferenceEqualityComparer.Instance);
    private JsonList? tools;

    public TemplateEvaluator(string source, TemplateData data, int cutOffset)
    {
        this.source = source;
        this.data = data;
        this.cutOffset = cutOffset;
        messages = [.. data.Messages];
    }

    // Converted once per rendering, on first use.
    private JsonList Tools => tools ??= new JsonList(data.Tools.Select(t => (object?)TemplateTool.From(t)));

    private List<object?> ToolCallsOf(ChatTurn m)
    {
        if (!toolCalls.TryGetValue(m, out var list)) toolCalls[m] = list = TemplateToolCall.From(m.ToolCalls);
        return list;
    }

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Run(TemplateNode.List root)
    {
        vars.Add(("$", data));
        Walk(root, data);
        return output.ToString();
    }

    private TemplateException Error(int offset, string message) => TemplateException.At(source, offset, message);

    private Flow Walk(TemplateNode node, object? dot)
    {
        if (node is TemplateNode.List list)
        {
            foreach (var n in list.Nodes)
            {
                var flow = Walk(n, dot);
                if (flow != Flow.Normal) return flow;
            }
            return Flow.Normal;
        }

        // Ollama renders the last exchange of an old-style template only up to its .Response.
        if (node.Offset > cutOffset) return Flow.Normal;

        switch (node)
        {
            case TemplateNode.Text t:
                output.Append(t.Value);
                return Flow.Normal;
            case TemplateNode.Action a:
                var value = EvalPipeline(a.Pipe, dot);
                if (a.Pipe.Variables.Count == 0) output.Append(Format(value));
                return Flow.Normal;
            case TemplateNode.Break:
                return Flow.Break;
            case TemplateNode.Continue:
                return Flow.Continue;
            case TemplateNode.Branch b:
                var mark = vars.Count;
                try
                {
                    return b.Kind switch
                    {
                        BranchKind.If => Truth(EvalPipeline(b.Pipe, dot)) ? Walk(b.Body, dot) : WalkElse(b, dot),
                        BranchKind.With => EvalPipeline(b.Pipe, dot) is var v && Truth(v) ? Walk(b.Body, v) : WalkElse(b, dot),
                        _ => Range(b, dot),
                    };
                }
                finally
                {
                    vars.RemoveRange(mark, vars.Count - mark);
                }
            default:
                throw new InvalidOperationException("unknown template node " + node.GetType().Name);
        }
    }

    private Flow WalkElse(TemplateNode.Branch b, object? dot) => b.Else is null ? Flow.Normal : Walk(b.Else, dot);

    private Flow Range(TemplateNode.Branch b, object? dot)
    {
        var value = EvalCommands(b.Pipe, dot);
        if (value is TemplateMap map) return RangeMap(b, dot, map);
        List<object?> elements = value switch
        {
            null => Empty,
            List<object?> l => l,
            long n => [.. Enumerable.Range(0, (int)Math.Clamp(n, 0, int.MaxValue)).Select(x => (object?)(long)x)],
            _ => throw Error(b.Pipe.Offset, $"range can't iterate over {Format(value)}"),
        };
        if (elements.Count == 0) return WalkElse(b, dot);

        var mark = vars.Count;
        for (var i = 0; i < elements.Count; i++)
        {
            vars.RemoveRange(mark, vars.Count - mark);
            if (b.Pipe.Variables.Count == 1) vars.Add((b.Pipe.Variables[0], elements[i]));
            else if (b.Pipe.Variables.Count == 2)
            {
                vars.Add((b.Pipe.Variables[0], (long)i));
                vars.Add((b.Pipe.Variables[1], elements[i]));
            }
            if (Walk(b.Body, elements[i]) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    // Go visits a map's keys in sorted order; "range $k, $v := map" binds the key and the value.
    private Flow RangeMap(TemplateNode.Branch b, object? dot, TemplateMap map)
    {
        if (map.Count == 0) return WalkElse(b, dot);
        var mark = vars.Count;
        foreach (var (key, element) in map.Sorted())
        {
            vars.RemoveRange(mark, vars.Count - mark);
            if (b.Pipe.Variables.Count == 1) vars.Add((b.Pipe.Variables[0], element));
            else if (b.Pipe.Variables.Count == 2)
            {
                vars.Add((b.Pipe.Variables[0], key));
                vars.Add((b.Pipe.Variables[1], element));
            }
            if (Walk(b.Body, element) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private object? EvalPipeline(Pipeline pipe, object? dot)
    {
        var value = EvalCommands(pipe, dot);
        if (pipe.Variables.Count == 1)
        {
            if (pipe.IsAssignment)
            {
                var i = vars.FindLastIndex(v => v.Name == pipe.Variables[0]);
                vars[i] = (pipe.Variables[0], value);
            }
            else
            {
                vars.Add((pipe.Variables[0], value));
            }
        }
        return value;
    }

    private object? EvalCommands(Pipeline pipe, object? dot)
    {
        var value = NoValue;
        foreach (var c in pipe.Commands) value = EvalCommand(c, dot, value);
        return value;
    }

    private object? EvalCommand(Command cmd, object? dot, object? piped)
    {
        if (cmd.Args[0] is TemplateExpr.Function f) return Call(f, cmd.Args.Skip(1).ToList(), dot, piped);
        if (cmd.Args.Count > 1 || piped != NoValue)
            throw Error(cmd.Offset, "can't give an argument to a non-function: put the function name first");
        return Eval(cmd.Args[0], dot);
    }

    private object? Eval(TemplateExpr e, object? dot) => e switch
    {
        TemplateExpr.Dot => dot,
        TemplateExpr.Literal l => l.Value,
        TemplateExpr.Variable v => vars[vars.FindLastIndex(x => x.Name == v.Name)].Value,
        TemplateExpr.Function f => Call(f, [], dot, NoValue),
        TemplateExpr.Sub s => EvalCommands(s.Pipe, dot),
        TemplateExpr.Chain c => c.Fields.Aggregate(Eval(c.Receiver, dot), (v, name) => Field(v, name, c.Offset)),
        _ => throw new InvalidOperationException("unknown expression " + e.GetType().Name),
    };

    private object? Field(object? value, string name, int offset) => value switch
    {
        TemplateData d => name switch
        {
            "System" => d.System ?? "",
            "Prompt" => d.Prompt ?? "",
            "Response" => d.Response ?? "",
            "Messages" => messages,
            "Suffix" => "",
            "Tools" => Tools,
            "Think" => d.Think?.Enabled ?? false,
            "IsThinkSet" => d.Think is not null,
            // Ollama passes a level only when thinking is on and the client named one.
            "ThinkLevel" => d.Think is { Enabled: true, Level: { } level } ? level : "",
            _ => throw Error(offset, $"can't evaluate field {name}: the template data has System, Prompt, Response, Messages, Tools, Suffix, Think, ThinkLevel, IsThinkSet"),
        },
        ChatTurn m => name switch
        {
            "Role" => m.Role,
            "Content" => m.Content,
            "Thinking" => m.Thinking ?? "",
            "ToolName" => m.ToolName ?? "",
            "ToolCallID" => m.ToolCallId ?? "",
            "ToolCalls" => ToolCallsOf(m),
            "Images" => Empty,
            _ => throw Error(offset, $"can't evaluate field {name} of a message: messages have Role, Content, Thinking, ToolCalls, ToolName, ToolCallID, Images"),
        },
        ITemplateObject o => o.TryGetField(name, out var v) ? v : throw Error(offset, $"can't evaluate field {name} of a {o.KindName}: it has {o.FieldNames}"),
        TemplateMap map => map.Get(name),
        null => throw Error(offset, $"nil value has no field {name}"),
        _ => throw Error(offset, $"can't evaluate field {name} in a {TypeName(value)}"),
    };

    private object? Call(TemplateExpr.Function f, List<TemplateExpr> argExprs, object? dot, object? piped)
    {
        var name = f.Name;
        if (name is "and" or "or")
        {
            var count = argExprs.Count + (piped == NoValue ? 0 : 1);
            if (count == 0) throw Error(f.Offset, $"{name} needs at least one argument");
            object? last = null;
            for (var i = 0; i < count; i++)
            {
                last = i < argExprs.Count ? Eval(argExprs[i], dot) : piped;
                if (Truth(last) == (name == "or")) return last;
            }
            return last;
        }

        var args = argExprs.Select(a => Eval(a, dot)).ToList();
        if (piped != NoValue) args.Add(piped);
        switch (name)
        {
            case "not":
                Arity(f, args, 1);
                return !Truth(args[0]);
            case "eq":
                if (args.Count < 2) throw Error(f.Offset, "eq needs at least two arguments");
                return args.Skip(1).Any(b => Compare(f, args[0], b, equality: true) == 0);
            case "ne":
                Arity(f, args, 2);
                return Compare(f, args[0], args[1], equality: true) != 0;
            case "lt":
                Arity(f, args, 2);
                return Compare(f, args[0], args[1], equality: false) < 0;
            case "le":
                Arity(f, args, 2);
                return Compare(f, args[0], args[1], equality: false) <= 0;
            case "gt":
                Arity(f, args, 2);
                return Compare(f, args[0], args[1], equality: false) > 0;
            case "ge":
                Arity(f, args, 2);
                return Compare(f, args[0], args[1], equality: false) >= 0;
            case "len":
                Arity(f, args, 1);
                return args[0] switch
                {
                    string s => (long)Encoding.UTF8.GetByteCount(s),
                    List<object?> l => (long)l.Count,
                    TemplateMap m => (long)m.Count,
                    _ => throw Error(f.Offset, $"len of {TypeName(args[0])}"),
                };
            case "index":
                if (args.Count == 0) throw Error(f.Offset, "index needs a value to index");
                return args.Skip(1).Aggregate(args[0], (v, i) => Index(f, v, i));
            case "slice":
                if (args.Count is < 1 or > 3) throw Error(f.Offset, "slice takes a value and up to two indexes");
                return Slice(f, args);
            case "print":
                return Sprint(args);
            case "println":
                return string.Join(" ", args.Select(Format)) + "\n";
            case "json":
                Arity(f, args, 1);
                return Json(args[0]);
            case "currentDate":
                // Ollama accepts a format argument and ignores it: the date is always YYYY-MM-DD.
                return Today().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case "yesterdayDate":
                return Today().AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case "toTypeScriptType":
                Arity(f, args, 1);
                return args[0] is TemplateSchema schema ? schema.ToTypeScriptType() : "any";
            default:
                throw Error(f.Offset, $"function \"{name}\" not defined");
        }
    }

    private DateOnly Today() => data.Today ?? DateOnly.FromDateTime(DateTime.Now);

    private void Arity(TemplateExpr.Function f, List<object?> args, int n)
    {
        if (args.Count != n) throw Error(f.Offset, $"{f.Name} takes {n} argument{(n == 1 ? "" : "s")}, got {args.Count}");
    }

    private int Compare(TemplateExpr.Function f, object? a, object? b, bool equality)
    {
        switch (a, b)
        {
            case (long x, long y): return x.CompareTo(y);
            case (long or double, long or double): return Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture));
            case (string x, string y): return string.CompareOrdinal(x, y);
            case (bool x, bool y) when equality: return x == y ? 0 : 1;
            case (null, null) when equality: return 0;
            default: throw Error(f.Offset, $"{f.Name}: incompatible types for comparison ({TypeName(a)} and {TypeName(b)})");
        }
    }

    private object? Index(TemplateExpr.Function f, object? value, object? index)
    {
        if (value is TemplateMap map)
            return index is string key ? map.Get(key) : throw Error(f.Offset, $"index of a map: {TypeName(index)} is not a string key");
        if (index is not long i) throw Error(f.Offset, $"index: {TypeName(index)} is not an integer");
        switch (value)
        {
            case List<object?> l:
                if (i < 0 || i >= l.Count) throw Error(f.Offset, $"index out of range: {i} (length {l.Count})");
                return l[(int)i];
            case string s:
                var bytes = Encoding.UTF8.GetBytes(s);
                if (i < 0 || i >= bytes.Length) throw Error(f.Offset, $"index out of range: {i} (length {bytes.Length})");
                return (long)bytes[i];
            default:
                throw Error(f.Offset, $"can't index item of type {TypeName(value)}");
        }
    }

    private object? Slice(TemplateExpr.Function f, List<object?> args)
    {
        var value = args[0];
        var length = value switch
        {
            List<object?> l => l.Count,
            string s => Encoding.UTF8.GetByteCount(s),
            _ => throw Error(f.Offset, $"can't slice item of type {TypeName(value)}"),
        };
        var bounds = args.Skip(1).Select(a => a is long n ? n : throw Error(f.Offset, $"slice: {TypeName(a)} is not an integer")).ToList();
        var from = bounds.Count > 0 ? bounds[0] : 0;
        var to = bounds.Count > 1 ? bounds[1] : length;
        if (from < 0 || to < from || to > length) throw Error(f.Offset, $"slice: index out of range [{from}:{to}] with length {length}");
        return value is List<object?> list
            ? list.GetRange((int)from, (int)(to - from))
            : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes((string)value!), (int)from, (int)(to - from));
    }

    // fmt.Sprint: a space between two operands when neither is a string.
    private static string Sprint(List<object?> args)
    {
        var b = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0 && args[i] is not string && args[i - 1] is not string) b.Append(' ');
            b.Append(Format(args[i]));
        }
        return b.ToString();
    }

    public static bool Truth(object? v) => v switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        List<object?> l => l.Count > 0,
        TemplateMap m => m.Count > 0,
        _ => true,
    };

    public static string Format(object? v) => v switch
    {
        null => "<nil>",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => GoFloat(d),
        JsonList l => Json(l),
        List<object?> l => "[" + string.Join(" ", l.Select(Format)) + "]",
        TemplateMap { RawText: { } raw } => raw,
        TemplateMap m => Json(m),
        ITemplateObject o => Json(o),
        ChatTurn m => "{" + m.Role + " " + m.Content + "}",
        TemplateData d => "{" + d.System + " " + d.Prompt + " " + d.Response + "}",
        _ => v.ToString() ?? "",
    };

    // Go's %v for float64: shortest round-trip digits, exponent form below 1e-4 and from 1e21.
    private static string GoFloat(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsInfinity(d)) return d > 0 ? "+Inf" : "-Inf";
        var abs = Math.Abs(d);
        if (abs == 0 || (abs >= 1e-4 && abs < 1e21))
            return d.ToString("0.#####################", CultureInfo.InvariantCulture) is var plain && double.Parse(plain, CultureInfo.InvariantCulture) == d
                ? plain
                : d.ToString("R", CultureInfo.InvariantCulture);
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e < 0) return shortest;
        var exponent = int.Parse(shortest.AsSpan(e + 1), CultureInfo.InvariantCulture);
        return shortest[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string Json(object? v)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            WriteJson(w, v);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static void WriteJson(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case List<object?> l:
                w.WriteStartArray();
                foreach (var x in l) WriteJson(w, x);
                w.WriteEndArray();
                break;
            case ChatTurn m:
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Content);
                w.WriteEndObject();
                break;
            case TemplateMap { RawText: { } raw }:
                // A call's arguments that are not a JSON object: passed through as written.
                w.WriteRawValue(raw, skipInputValidation: true);
                break;
            case TemplateMap map:
                w.WriteStartObject();
                foreach (var (key, value) in map.Entries)
                {
                    w.WritePropertyName(key);
                    WriteJson(w, value);
                }
                w.WriteEndObject();
                break;
            case ITemplateObject o:
                o.WriteJson(w);
                break;
            default: w.WriteStringValue(Format(v)); break;
        }
    }

    private static string TypeName(object? v) => v switch
    {
        null => "nil",
        string => "string",
        long => "int",
        double => "float64",
        bool => "bool",
        List<object?> => "list",
        ChatTurn => "message",
        TemplateData => "template data",
        TemplateMap => "map",
        ITemplateObject o => o.KindName,
        _ => v.GetType().Name,
    };
}
