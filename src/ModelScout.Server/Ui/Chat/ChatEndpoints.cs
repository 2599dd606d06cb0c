using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Ui.Chat;

/// <summary>
/// The chat playground's own endpoints under <c>/ui/api</c> (internal to the UI): conversations (list and search, read,
/// save, rename, delete, export and import as JSON) and Markdown rendering. Chatting itself goes through the public
/// Ollama API (<c>/api/chat</c>), like any other client.
/// </summary>
public static class ChatEndpoints
{
    private static ChatJsonContext Json => ChatJsonContext.Default;

    public static IEndpointRouteBuilder MapChatUi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/ui/api/conversations", context =>
        {
            var q = context.Request.Query["q"].ToString();
            return WireWriter.JsonAsync(context, new ConversationList { Conversations = Store(context).List(q) }, Json.ConversationList);
        });
        app.MapGet("/ui/api/conversations/export", context =>
        {
            context.Response.Headers.ContentDisposition = "attachment; filename=\"modelscout-conversations.json\"";
            return WireWriter.JsonAsync(context, new ConversationExport { Conversations = Store(context).All() }, Json.ConversationExport);
        });
        app.MapPost("/ui/api/conversations/import", async context =>
        {
            var import = await RequestBody.ReadAsync(context, Json.ConversationExport);
            var store = Store(context);
            var n = 0;
            foreach (var c in import.Conversations ?? [])
            {
                Guard(() => store.Save(c.Id, c.Title, c.Model, c.Body, c.Created == 0 ? null : c.Created, c.Updated == 0 ? null : c.Updated));
                n++;
            }
            await WireWriter.JsonAsync(context, new ImportResult { Imported = n }, Json.ImportResult);
        });
        app.MapGet("/ui/api/conversations/{id}", context =>
        {
            var id = Id(context);
            return WireWriter.JsonAsync(context, Store(context).Get(id) ?? throw Missing(id), Json.Conversation);
        });
        app.MapPut("/ui/api/conversations/{id}", async context =>
        {
            var id = Id(context);
            var c = await RequestBody.ReadAsync(context, Json.Conversation);
            var saved = Guard(() => Store(context).Save(id, c.Title, c.Model, c.Body));
            await WireWriter.JsonAsync(context, saved, Json.Conversation);
        });
        app.MapPatch("/ui/api/conversations/{id}", async context =>
        {
            var id = Id(context);
            var rename = await RequestBody.ReadAsync(context, Json.ConversationRename);
            if (!Store(context).Rename(id, rename.Title ?? "")) throw Missing(id);
            await WireWriter.JsonAsync(context, Store(context).Get(id)!, Json.Conversation);
        });
        app.MapDelete("/ui/api/conversations/{id}", context =>
        {
            var id = Id(context);
            if (!Store(context).Delete(id)) throw Missing(id);
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        app.MapPost("/ui/api/render", async context =>
        {
            var request = await RequestBody.ReadAsync(context, Json.RenderRequest);
            await WireWriter.JsonAsync(context, new RenderResponse { Html = MarkdownRenderer.Render(request.Markdown ?? "") }, Json.RenderResponse);
        });
        return app;
    }

    private static ConversationStore Store(HttpContext context) => ServerServices.Of(context).Conversations;

    private static string Id(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        Guard(() => { ConversationStore.CheckId(id); return 0; });
        return id;
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ArgumentException e)
        {
            throw new ApiException(new ApiProblem(400, e.Message, "invalid_request_error", e.ParamName));
        }
    }

    private static ApiException Missing(string id) =>
        new(new ApiProblem(404, $"no conversation {id}: it was deleted, or the list is out of date (reload it)", "not_found_error", null, "conversation_not_found"));
}
