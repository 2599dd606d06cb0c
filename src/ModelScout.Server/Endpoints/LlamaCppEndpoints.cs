using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Contracts;
using ModelScout.Contracts.LlamaCpp;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Endpoints;

/// <summary>The llama.cpp server endpoints that tools rely on: /health, /tokenize, /detokenize (/metrics is OpenTelemetry's, see ScoutTelemetry).</summary>
public static class LlamaCppEndpoints
{
    private static WireJsonContext Wire => WireJsonContext.Wire;

    public static IEndpointRouteBuilder MapLlamaCppExtras(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/health", context =>
        {
            var loading = ServerServices.Of(context).Engine.Snapshot().Loading;
            return WireWriter.JsonAsync(context, new HealthResponse { Status = loading ? "loading model" : "ok" }, Wire.HealthResponse, loading ? 503 : 200);
        });
        app.MapPost("/tokenize", TokenizeAsync);
        app.MapPost("/detokenize", DetokenizeAsync);
        return app;
    }

    private static async Task TokenizeAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.TokenizeRequest);
        var model = ModelFor(s, request.Model);
        RequestTelemetry.Of(context).Model = model;
        var tokens = await s.Engine.TokenizeAsync(model, request.Content ?? "", request.AddSpecial ?? false, request.ParseSpecial ?? true, context.RequestAborted);
        if (request.WithPieces != true)
        {
            await WireWriter.JsonAsync(context, new TokenizeResponse { Tokens = tokens }, Wire.TokenizeResponse);
            return;
        }
        var pieces = new List<TokenPiece>(tokens.Count);
        foreach (var id in tokens) pieces.Add(new TokenPiece { Id = id, Piece = await s.Engine.DetokenizeAsync(model, [id], context.RequestAborted) });
        await WireWriter.JsonAsync(context, new TokenizePiecesResponse { Tokens = pieces }, Wire.TokenizePiecesResponse);
    }

    private static async Task DetokenizeAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.DetokenizeRequest);
        var model = ModelFor(s, request.Model);
        RequestTelemetry.Of(context).Model = model;
        var text = await s.Engine.DetokenizeAsync(model, request.Tokens ?? [], context.RequestAborted);
        await WireWriter.JsonAsync(context, new DetokenizeResponse { Content = text }, Wire.DetokenizeResponse);
    }

    /// <summary>
    /// llama.cpp's server holds one model, so its /tokenize names none. Here: the request's <c>model</c>, else the only
    /// loaded model.
    /// </summary>
    private static string ModelFor(ServerServices s, string? model)
    {
        if (!string.IsNullOrWhiteSpace(model)) return model;
        var loaded = s.Engine.Loaded;
        return loaded.Count == 1
            ? loaded[0].Name
            : throw ApiProblem.Missing("model", loaded.Count == 0
                ? "no model is loaded, so name the model whose vocabulary to use"
                : "several models are loaded, so name the one whose vocabulary to use");
    }
}
