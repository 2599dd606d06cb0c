using System.Globalization;
using ModelScout.Core.Fit;

namespace ModelScout.Cli.Output;

/// <summary>One model's plan in full, as fit --details, runtimes --model and inspect show it.</summary>
internal static class PlanView
{
    public static void Details(IAnsiConsole con, DeploymentPlan x)
    {
        var f = x.Fit;
        con.WriteLine();
        con.Write(new Rule($"[bold]{Format.Esc(f.Model.Name)}[/]").LeftJustified());
        if (!f.Fits)
        {
            con.MarkupLine($"[red]Does not fit:[/] {Format.Esc(f.Why)}");
            return;
        }
        var b = f.Best!;
        con.MarkupLine($"{Format.Esc(char.ToUpperInvariant(f.Why[0]) + f.Why[1..])}. File {Format.Gb(b.Weights.TotalBytes)} ({b.Weights.BitsPerWeight:0.00} bits per weight), runs on {Format.Placement(b)}.");
        var t = new Table().Border(TableBorder.Simple);
        t.AddColumns("Device", "Weights", "KV cache", "Compute", "Overhead", "Total", "Layers");
        foreach (var d in b.Memory.Gpus.Where(g => g.Total > 0).Append(b.Memory.Host))
            t.AddRow(Format.Esc(d.Device), Format.Bytes(d.Weights), Format.Bytes(d.KvCache), Format.Bytes(d.Compute + d.Output), Format.Bytes(d.Overhead), $"[bold]{Format.Bytes(d.Total)}[/]", d.Layers.ToString(CultureInfo.InvariantCulture));
        con.Write(t);
        if (b.Speed is { } s) con.MarkupLine($"Decode: {Format.Speed(s)} tok/s ({Format.Esc(s.Basis)}).");
        foreach (var n in f.Notes) con.MarkupLine($"[grey]· {Format.Esc(n)}[/]");
        if (x.Runtime is { } r) con.MarkupLine($"Runtime: [bold]{Format.Esc(r.Runtime.Name)}[/] — {Format.Esc(r.Reason)}");
        foreach (var c in x.Commands)
        {
            CommandLines.Write(con, c.Command);
            foreach (var n in c.Notes) con.MarkupLine($"    [grey]{Format.Esc(n)}[/]");
        }
        if (x.Vllm is { Fits: false } v) con.MarkupLine($"  [grey]vLLM: {Format.Esc(v.Reason)}[/]");
    }
}
