using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Server.Hosting;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Ui.Dashboard;

/// <summary>
/// <c>/ui/api/dash/...</c>: the CLI's --json documents for the dashboard pages, passed through unchanged from
/// <see cref="IDashboardSource"/>. Each answers with the command's document; a failure with its error document
/// (<c>modelscout/error/v1</c>) and 404 (not found), 400 (bad input) or 422 (the command failed).
/// </summary>
public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/ui/api/dash/fit", c => Answer(c, s => s.Fit(new DashboardFitQuery(Text(c, "context"), Text(c, "quant"), Text(c, "prefer")))));
        app.MapGet("/ui/api/dash/models", c => Answer(c, s => s.Models(Flag(c, "hosted"))));
        app.MapGet("/ui/api/dash/show", c => Answer(c, s => s.Show(Required(c, "model"))));
        app.MapGet("/ui/api/dash/license", c => Answer(c, s => s.License(Required(c, "model"),
            new DashboardLicenseQuery(Flag(c, "commercial"), Flag(c, "saas"), Text(c, "mau")))));
        app.MapGet("/ui/api/dash/compare", c =>
        {
            var models = c.Request.Query["model"].Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m!.Trim()).ToList();
            if (models.Count < 2) throw Invalid("compare needs two models or more: ?model=A&model=B", "model");
            return Answer(c, s => s.Compare(models));
        });
        app.MapGet("/ui/api/dash/quant", c => Answer(c, s => s.Quant(Required(c, "model"), Text(c, "memory"))));
        app.MapGet("/ui/api/dash/cost", c =>
        {
            double? share = Text(c, "inputShare") is { } t
                ? double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Invalid($"inputShare '{t}' is not a number between 0 and 1", "inputShare")
                : null;
            return Answer(c, s => s.Cost(new DashboardCostQuery(Required(c, "tokensPerDay"), Text(c, "model"), share)));
        });
        app.MapGet("/ui/api/dash/eval/runs", c => Answer(c, s => s.EvalRuns()));
        app.MapGet("/ui/api/dash/eval/report", c => Answer(c, s => s.EvalReport(Required(c, "run"))));
        app.MapGet("/ui/api/dash/eval/compare", c =>
        {
            double? margin = Text(c, "margin") is { } t
                ? double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Invalid($"margin '{t}' is not a number", "margin")
                : null;
            return Answer(c, s => s.EvalCompare(Required(c, "a"), Required(c, "b"), margin));
        });
        return app;
    }

    private static async Task Answer(HttpContext context, Func<IDashboardSource, DashboardAnswer> ask)
    {
        var source = ServerServices.Of(context).Dashboard
            ?? throw new ApiException(new ApiProblem(404, "the dashboard is off: this server was started without the CLI's data (run scout serve)", "not_found_error"));
        // The commands read files and probe the machine: off the request thread.
        var answer = await Task.Run(() => ask(source), context.RequestAborted);
        await WriteAsync(context, answer);
    }

    /// <summary>A command's document with the status its outcome maps to: 200, 404, 400, or 422 for a failed command.</summary>
    internal static Task WriteAsync(HttpContext context, DashboardAnswer answer)
    {
        context.Response.StatusCode = answer.Outcome switch
        {
            DashboardOutcome.Answer => 200,
            DashboardOutcome.NotFound => 404,
            DashboardOutcome.Invalid => 400,
            _ => 422,
        };
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(answer.Json, context.RequestAborted);
    }

    private static string? Text(HttpContext c, string name) => c.Request.Query[name].ToString() is { Length: > 0 } s ? s.Trim() : null;

    private static string Required(HttpContext c, string name) => Text(c, name) ?? throw Invalid($"{name} is missing: add ?{name}=...", name);

    private static bool Flag(HttpContext c, string name) => Text(c, name) is "1" or "true" or "on" or "yes";

    private static ApiException Invalid(string message, string param) => new(new ApiProblem(400, message, "invalid_request_error", param));
}
