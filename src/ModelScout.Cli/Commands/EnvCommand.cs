using ModelScout.Cli.Output;

namespace ModelScout.Cli.Commands;

/// <summary>scout env: where scout keeps its data, and every environment variable it reads with the value in force.</summary>
internal sealed class EnvCommand : ICommandBuilder
{
    public Command Build(CommonOptions o) =>
        new("env", "Where scout keeps models, eval results and the catalog overlay, and every environment variable it reads.");

    public int Run(CommandContext ctx)
    {
        var s = ctx.Settings;
        var paths = new EnvPathsJson(s.Root, s.Models, s.EvalDatabase, s.CatalogOverlay, s.Cache, s.UiData);
        var variables = s.Describe().Select(d => new EnvVariableJson(d.Variable.Name, d.Variable.Area, d.Value, d.From, d.Variable.Aliases, d.Variable.Description)).ToList();
        if (ctx.Json)
        {
            ctx.WriteJson(new EnvJson("modelscout/env/v1", paths, variables), CliJson.Default.EnvJson);
            return ExitCodes.Ok;
        }
        var con = ctx.Human;
        var where = new Table().Border(TableBorder.Rounded).Title("Where scout keeps its data");
        where.AddColumns("What", "Path");
        where.AddRow("home", Format.Esc(paths.Home));
        where.AddRow("models", Format.Esc(paths.Models));
        where.AddRow("eval results", Format.Esc(paths.EvalDatabase));
        where.AddRow("catalog overlay", Format.Esc(paths.CatalogOverlay ?? "none (the built-in catalog)"));
        where.AddRow("measurement cache", Format.Esc(paths.Cache));
        where.AddRow("web UI data", Format.Esc(paths.UiData));
        con.Write(where);
        var table = new Table().Border(TableBorder.Rounded).Title("Environment variables");
        table.AddColumns("Variable", "Value", "From", "What it sets");
        foreach (var v in variables)
        {
            var name = v.Aliases.Count > 0 ? $"{v.Name} ({string.Join(", ", v.Aliases)})" : v.Name;
            table.AddRow(Format.Esc(name), Format.Esc(v.Value), v.From == "default" ? "[grey]default[/]" : Format.Esc(v.From), Format.Esc(v.Description));
        }
        con.Write(table);
        return ExitCodes.Ok;
    }
}
