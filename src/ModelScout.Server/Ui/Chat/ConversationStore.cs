using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ModelScout.Server.Ui.Chat;

/// <summary>
/// The chat playground's conversations, kept server-side in SQLite (<c>conversations.db</c> in the UI's data folder, or
/// in memory when the server has none). A conversation's body is the page's own JSON document (messages as a tree, so
/// regenerated replies and edits stay as branches); the store validates it as JSON and indexes title and text for search.
/// </summary>
public sealed class ConversationStore : IDisposable
{
    /// <summary>Largest conversation body accepted (JSON text).</summary>
    public const int MaxBodyChars = 8 * 1024 * 1024;

    private readonly string connectionString;
    private readonly SqliteConnection? keeper;
    private readonly TimeProvider time;

    /// <summary>Opens (creating when missing) the store in <paramref name="folder"/>, or an in-memory one when null.</summary>
    public ConversationStore(string? folder, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        if (folder is null)
        {
            connectionString = $"Data Source=scout-ui-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
            keeper = new SqliteConnection(connectionString);
            keeper.Open();
        }
        else
        {
            Directory.CreateDirectory(folder);
            connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "conversations.db"), Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
        }
        using var c = Open();
        Execute(c, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS conversations (
              id TEXT PRIMARY KEY, title TEXT NOT NULL, model TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL, body TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated DESC);
            """);
    }

    /// <summary>Summaries, newest first; <paramref name="query"/> (when given) must appear in the title or the text.</summary>
    public IReadOnlyList<ConversationSummary> List(string? query = null, int limit = 200)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, title, model, updated FROM conversations" +
            (string.IsNullOrWhiteSpace(query) ? "" : " WHERE title LIKE $q ESCAPE '\\' OR body LIKE $q ESCAPE '\\'") + " ORDER BY updated DESC LIMIT $limit";
        if (!string.IsNullOrWhiteSpace(query))
            cmd.Parameters.AddWithValue("$q", "%" + query.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%");
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 10_000));
        using var r = cmd.ExecuteReader();
        var list = new List<ConversationSummary>();
        while (r.Read()) list.Add(new ConversationSummary { Id = r.GetString(0), Title = r.GetString(1), Model = r.IsDBNull(2) ? null : r.GetString(2), Updated = r.GetInt64(3) });
        return list;
    }

    /// <summary>The conversation, or null.</summary>
    public Conversation? Get(string id)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, title, model, created, updated, body FROM conversations WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    /// <summary>Every conversation, oldest first (for export).</summary>
    public IReadOnlyList<Conversation> All()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, title, model, created, updated, body FROM conversations ORDER BY created";
        using var r = cmd.ExecuteReader();
        var list = new List<Conversation>();
        while (r.Read()) list.Add(Read(r));
        return list;
    }

    /// <summary>Creates or replaces a conversation; returns it as stored.</summary>
    public Conversation Save(string id, string title, string? model, JsonElement body, long? created = null, long? updated = null)
    {
        CheckId(id);
        var text = body.ValueKind == JsonValueKind.Object ? body.GetRawText() : throw new ArgumentException("a conversation's body must be a JSON object", nameof(body));
        if (text.Length > MaxBodyChars) throw new ArgumentException($"conversation {id} is larger than {MaxBodyChars / (1024 * 1024)} MiB", nameof(body));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO conversations (id, title, model, created, updated, body) VALUES ($id, $title, $model, $created, $updated, $body)
            ON CONFLICT(id) DO UPDATE SET title = excluded.title, model = excluded.model, updated = excluded.updated, body = excluded.body
            """;
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$title", Title(title));
        cmd.Parameters.AddWithValue("$model", (object?)model ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$created", created ?? now);
        cmd.Parameters.AddWithValue("$updated", updated ?? now);
        cmd.Parameters.AddWithValue("$body", text);
        cmd.ExecuteNonQuery();
        return Get(id)!;
    }

    /// <summary>Renames a conversation; false when there is none with that id.</summary>
    public bool Rename(string id, string title)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE conversations SET title = $title, updated = $updated WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$title", Title(title));
        cmd.Parameters.AddWithValue("$updated", time.GetUtcNow().ToUnixTimeMilliseconds());
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <summary>Deletes a conversation; false when there is none with that id.</summary>
    public bool Delete(string id)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM conversations WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return cmd.ExecuteNonQuery() > 0;
    }

    /// <summary>Ids are what the page makes (letters, digits, '-' and '_', 1 to 64 characters).</summary>
    public static void CheckId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
            throw new ArgumentException($"'{id}' is not a conversation id (letters, digits, - and _, at most 64)", nameof(id));
    }

    public void Dispose() => keeper?.Dispose();

    private static string Title(string? title)
    {
        var t = (title ?? "").Trim();
        if (t.Length == 0) t = "New chat";
        return t.Length > 200 ? t[..200] : t;
    }

    private static Conversation Read(SqliteDataReader r)
    {
        using var doc = JsonDocument.Parse(r.GetString(5));
        return new Conversation
        {
            Id = r.GetString(0), Title = r.GetString(1), Model = r.IsDBNull(2) ? null : r.GetString(2),
            Created = r.GetInt64(3), Updated = r.GetInt64(4), Body = doc.RootElement.Clone(),
        };
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(connectionString);
        c.Open();
        return c;
    }

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
