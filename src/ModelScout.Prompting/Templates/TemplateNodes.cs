namespace ModelScout.Prompting.Templates;

// The parse tree. Offsets point into the template source for error messages and for Ollama's "cut after .Response".
internal abstract record TemplateNode(int Offset)
{
    public sealed record List(int Offset, IReadOnlyList<TemplateNode> Nodes) : TemplateNode(Offset);

    public sealed record Text(int Offset, string Value) : TemplateNode(Offset);

    public sealed record Action(int Offset, Pipeline Pipe) : TemplateNode(Offset);

    /// <summary>if, range and with share a shape: a pipeline, a body, and an optional else body.</summary>
    public sealed record Branch(int Offset, BranchKind Kind, Pipeline Pipe, List Body, List? Else) : TemplateNode(Offset);

    public sealed record Break(int Offset) : TemplateNode(Offset);

    public sealed record Continue(int Offset) : TemplateNode(Offset);

    public static int FirstFieldOffset(TemplateNode node, string field)
    {
        var best = int.MaxValue;
        Visit(node, field, ref best);
        return best;
    }

    private static void Visit(TemplateNode node, string field, ref int best)
    {
        switch (node)
        {
            case List l:
                foreach (var n in l.Nodes) Visit(n, field, ref best);
                break;
            case Action a:
                VisitPipe(a.Pipe, field, ref best);
                break;
            case Branch b:
                VisitPipe(b.Pipe, field, ref best);
                Visit(b.Body, field, ref best);
                if (b.Else is not null) Visit(b.Else, field, ref best);
                break;
        }
    }

    private static void VisitPipe(Pipeline pipe, string field, ref int best)
    {
        foreach (var c in pipe.Commands)
        {
            foreach (var arg in c.Args) VisitExpr(arg, field, ref best);
        }
    }

    private static void VisitExpr(TemplateExpr e, string field, ref int best)
    {
        switch (e)
        {
            case TemplateExpr.Chain c:
                if (c.Fields.Contains(field)) best = Math.Min(best, c.Offset);
                VisitExpr(c.Receiver, field, ref best);
                break;
            case TemplateExpr.Sub s:
                VisitPipe(s.Pipe, field, ref best);
                break;
        }
    }
}

internal enum BranchKind
{
    If,
    Range,
    With,
}

/// <summary>Commands joined by '|', optionally declaring or assigning variables first.</summary>
internal sealed record Pipeline(int Offset, IReadOnlyList<string> Variables, bool IsAssignment, IReadOnlyList<Command> Commands);

/// <summary>A function and its arguments, or a single operand.</summary>
internal sealed record Command(int Offset, IReadOnlyList<TemplateExpr> Args);

internal abstract record TemplateExpr(int Offset)
{
    public sealed record Dot(int Offset) : TemplateExpr(Offset);

    public sealed record Variable(int Offset, string Name) : TemplateExpr(Offset);

    public sealed record Literal(int Offset, object? Value) : TemplateExpr(Offset);

    public sealed record Function(int Offset, string Name) : TemplateExpr(Offset);

    public sealed record Sub(int Offset, Pipeline Pipe) : TemplateExpr(Offset);

    /// <summary><c>.A.B</c> on the dot, <c>$x.A</c>, or <c>(pipeline).A</c>.</summary>
    public sealed record Chain(int Offset, TemplateExpr Receiver, IReadOnlyList<string> Fields) : TemplateExpr(Offset);
}
