using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Ui.Arena;

/// <summary>
/// The blind arena under <c>/ui/api/arena</c>: start a battle (two models, sides drawn at random), stream each side
/// without its model's name, vote, then see the names; the leaderboard and the votes as JSON or CSV.
/// </summary>
public static class ArenaEndpoints
{
    /// <summary>Tokens each side may write; a battle is a quick look, not a long essay.</summary>
    public const int MaxTokens = 256;

    private static ArenaJsonContext Json => ArenaJsonContext.Default;

    public static IEndpointRouteBuilder MapArena(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/ui/api/arena/battles", StartAsync);
        app.MapGet("/ui/api/arena/battles/{id}", context =>
        {
            var battle = Battle(context);
            var voted = battle.Vote is { } v;
            return WireWriter.JsonAsync(context, new ArenaBattleView(battle.Id, battle.Prompt, battle.Vote is { } o ? ArenaStore.OutcomeId(o) : null,
                voted ? battle.ModelA : null, voted ? battle.ModelB : null), Json.ArenaBattleView);
        });
        app.MapPost("/ui/api/arena/battles/{id}/{side}", StreamAsync);
        app.MapPost("/ui/api/arena/battles/{id}/vote", VoteAsync);
        app.MapGet("/ui/api/arena/leaderboard", context =>
            WireWriter.JsonAsync(context, ArenaStatistics.Leaderboard([.. Store(context).Voted().Select(b => new ArenaPairVote(b.ModelA, b.ModelB, b.Vote!.Value))]), Json.ArenaLeaderboard));
        app.MapGet("/ui/api/arena/votes", ExportAsync);
        return app;
    }

    private static ArenaStore Store(HttpContext context) => ServerServices.Of(context).Arena
        ?? throw new ApiException(new ApiProblem(404, "the arena is off: this server has no arena database (scout serve keeps it in $SCOUT_HOME/ui/arena.db)", "not_found_error"));

    private static ArenaBattle Battle(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        return Store(context).Find(id) ?? throw new ApiException(new ApiProblem(404, $"no arena battle '{id}'; start one with POST /ui/api/arena/battles", "not_found_error"));
    }

    private static async Task StartAsync(HttpContext context)
    {
        var services = ServerServices.Of(context);
        var store = Store(context);
        var request = await RequestBody.ReadAsync(context, Json.ArenaBattleRequest);
        var prompt = request.Prompt?.Trim();
        if (string.IsNullOrEmpty(prompt)) throw Invalid("prompt is empty; type what both models should answer", "prompt");
        var names = services.Store.List().Select(m => m.Name).ToList();
        List<string> pair;
        if (request.Models is { Count: > 0 } asked)
        {
            if (asked.Count != 2 || string.Equals(asked[0], asked[1], StringComparison.Ordinal))
                throw Invalid("models: give two different models, or none for two at random", "models");
            pair = [.. asked.Select(n => services.Store.Find(n)?.Name ?? throw Invalid($"model '{n}' is not in the store; `scout list` shows what is", "models"))];
        }
        else
        {
            if (names.Count < 2) throw Invalid($"the arena needs two models in the store and it has {names.Count}; pull or import another (scout pull NAME)", "models");
            var first = RandomNumberGenerator.GetInt32(names.Count);
            var second = (first + 1 + RandomNumberGenerator.GetInt32(names.Count - 1)) % names.Count;
            pair = [names[first], names[second]];
        }
        // The side each model lands on is a coin flip, so that the order asked for says nothing.
        if (RandomNumberGenerator.GetInt32(2) == 1) pair.Reverse();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        store.Add(new ArenaBattle(id, prompt, pair[0], pair[1], services.Time.GetUtcNow(), null, null, null, null));
        await WireWriter.JsonAsync(context, new ArenaBattleCreated(id, prompt), Json.ArenaBattleCreated, 201);
    }

    /// <summary>One side's answer as NDJSON <see cref="ArenaChunk"/> lines; the model's name is never in them.</summary>
    private static async Task StreamAsync(HttpContext context)
    {
        var side = (string)context.Request.RouteValues["side"]!;
        if (side is not ("a" or "b")) throw new ApiException(new ApiProblem(404, $"no arena side '{side}'; the sides are a and b", "not_found_error"));
        var battle = Battle(context);
        var services = ServerServices.Of(context);
        var model = side == "a" ? battle.ModelA : battle.ModelB;
        using var link = services.Link(context.RequestAborted);
        await using var run = await GenerationRun.StartAsync(services, new GenerationRequest
        {
            Model = model,
            Prompt = battle.Prompt,
            Options = new ModelOptions { NumPredict = MaxTokens },
        }, link.Token);
        WireWriter.StartNdjson(context);
        var text = new StringBuilder();
        await foreach (var update in run.ReadAllAsync(link.Token))
        {
            switch (update)
            {
                case GenerationToken t when t.Text.Length > 0:
                    text.Append(t.Text);
                    await WireWriter.LineAsync(context, new ArenaChunk(t.Text, false), Json.ArenaChunk);
                    break;
                case GenerationCompleted c:
                    var seconds = c.Stats.EvalDuration.TotalSeconds;
                    Store(context).SetReply(battle.Id, side == "a", text.ToString());
                    await WireWriter.LineAsync(context, new ArenaChunk("", true, c.Stats.CompletionTokens, Math.Round(c.Stats.TotalDuration.TotalSeconds, 3),
                        seconds > 0 ? Math.Round(c.Stats.CompletionTokens / seconds, 2) : null), Json.ArenaChunk);
                    break;
            }
        }
    }

    private static async Task VoteAsync(HttpContext context)
    {
        var battle = Battle(context);
        var services = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Json.ArenaVoteRequest);
        var vote = ArenaStore.ParseOutcome(request.Vote) ?? throw Invalid($"vote '{request.Vote}' is not one of a, b, tie, both_bad", "vote");
        if (!Store(context).Vote(battle.Id, vote, services.Time.GetUtcNow()))
            throw new ApiException(new ApiProblem(409, "this battle already has its vote; start a new battle to vote again", "invalid_request_error", "vote"));
        await WireWriter.JsonAsync(context, new ArenaBattleView(battle.Id, battle.Prompt, ArenaStore.OutcomeId(vote), battle.ModelA, battle.ModelB), Json.ArenaBattleView);
    }

    private static async Task ExportAsync(HttpContext context)
    {
        var votes = Store(context).Voted().Select(Record).ToList();
        var format = context.Request.Query["format"].ToString();
        if (format is "" or "json")
        {
            context.Response.Headers.ContentDisposition = "attachment; filename=arena-votes.json";
            await WireWriter.JsonAsync(context, new ArenaVotesExport("modelscout/arena-votes/v1", "scoreA/scoreB: 1 win, 0 loss, 0.5 tie or both bad", votes), Json.ArenaVotesExport);
            return;
        }
        if (format != "csv") throw Invalid($"format '{format}' is not json or csv", "format");
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=arena-votes.csv";
        await context.Response.WriteAsync(Csv(votes), context.RequestAborted);
    }

    /// <summary>The votes as CSV (RFC 4180 quoting), one line a vote, with the same columns as the JSON export.</summary>
    public static string Csv(IEnumerable<ArenaVoteRecord> votes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        var s = new StringBuilder("id,prompt,model_a,model_b,vote,winner,score_a,score_b,created,voted\r\n");
        foreach (var v in votes)
        {
            s.AppendJoin(',', [Field(v.Id), Field(v.Prompt), Field(v.ModelA), Field(v.ModelB), v.Vote, Field(v.Winner ?? ""),
                v.ScoreA.ToString(CultureInfo.InvariantCulture), v.ScoreB.ToString(CultureInfo.InvariantCulture), v.Created, v.Voted ?? ""]);
            s.Append("\r\n");
        }
        return s.ToString();

        // A leading = + - @ would make a spreadsheet run the cell as a formula: such a field is prefixed with '.
        static string Field(string value)
        {
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
            return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
        }
    }

    /// <summary>A voted battle as one export record.</summary>
    public static ArenaVoteRecord Record(ArenaBattle b)
    {
        ArgumentNullException.ThrowIfNull(b);
        var pair = new ArenaPairVote(b.ModelA, b.ModelB, b.Vote!.Value);
        var winner = b.Vote switch { ArenaOutcome.A => b.ModelA, ArenaOutcome.B => b.ModelB, _ => null };
        return new ArenaVoteRecord(b.Id, b.Prompt, b.ModelA, b.ModelB, ArenaStore.OutcomeId(b.Vote.Value), winner, pair.ScoreA, 1 - pair.ScoreA,
            b.Created.ToString("O", CultureInfo.InvariantCulture), b.Voted?.ToString("O", CultureInfo.InvariantCulture), b.ReplyA, b.ReplyB);
    }

    private static ApiException Invalid(string message, string param) => new(new ApiProblem(400, message, "invalid_request_error", param));
}
