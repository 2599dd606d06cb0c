using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ModelScout.Server.Ui.Arena;

/// <summary>One blind battle: a prompt, the two models behind sides A and B, and the vote once given.</summary>
public sealed record ArenaBattle(string Id, string Prompt, string ModelA, string ModelB, DateTimeOffset Created, ArenaOutcome? Vote, DateTimeOffset? Voted,
    string? ReplyA, string? ReplyB);

/// <summary>
/// Arena battles and votes in SQLite (<c>$SCOUT_HOME/ui/arena.db</c> under <c>scout serve</c>; the path is passed in).
/// Thread-safe: one connection per call.
/// </summary>
public sealed class ArenaStore
{
    private readonly string connection;

    public ArenaStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        connection = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using var c = Open();
        Execute(c, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS battles (
              id TEXT PRIMARY KEY,
              prompt TEXT NOT NULL,
              model_a TEXT NOT NULL,
              model_b TEXT NOT NULL,
              created TEXT NOT NULL,
              vote TEXT,
              voted TEXT,
              reply_a TEXT,
              reply_b TEXT);
            """);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public void Add(ArenaBattle battle)
    {
        ArgumentNullException.ThrowIfNull(battle);
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO battles (id, prompt, model_a, model_b, created) VALUES ($id, $prompt, $a, $b, $created)";
        cmd.Parameters.AddWithValue("$id", battle.Id);
        cmd.Parameters.AddWithValue("$prompt", battle.Prompt);
        cmd.Parameters.AddWithValue("$a", battle.ModelA);
        cmd.Parameters.AddWithValue("$b", battle.ModelB);
        cmd.Parameters.AddWithValue("$created", battle.Created.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    public ArenaBattle? Find(string id)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, prompt, model_a, model_b, created, vote, voted, reply_a, reply_b FROM battles WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    /// <summary>Keeps what one side answered (for the export).</summary>
    public void SetReply(string id, bool sideA, string reply)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sideA ? "UPDATE battles SET reply_a = $r WHERE id = $id" : "UPDATE battles SET reply_b = $r WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$r", reply);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Records the vote; false when the battle does not exist or already has one (a vote is final).</summary>
    public bool Vote(string id, ArenaOutcome vote, DateTimeOffset when)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE battles SET vote = $v, voted = $t WHERE id = $id AND vote IS NULL";
        cmd.Parameters.AddWithValue("$id", id);
        cmd.Parameters.AddWithValue("$v", OutcomeId(vote));
        cmd.Parameters.AddWithValue("$t", when.ToString("O", CultureInfo.InvariantCulture));
        return cmd.ExecuteNonQuery() == 1;
    }

    /// <summary>Every battle that has a vote, oldest first.</summary>
    public IReadOnlyList<ArenaBattle> Voted()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, prompt, model_a, model_b, created, vote, voted, reply_a, reply_b FROM battles WHERE vote IS NOT NULL ORDER BY voted, id";
        using var r = cmd.ExecuteReader();
        var list = new List<ArenaBattle>();
        while (r.Read()) list.Add(Read(r));
        return list;
    }

    /// <summary>The wire name of an outcome: a, b, tie, both_bad.</summary>
    public static string OutcomeId(ArenaOutcome o) => o switch
    {
        ArenaOutcome.A => "a",
        ArenaOutcome.B => "b",
        ArenaOutcome.Tie => "tie",
        _ => "both_bad",
    };

    public static ArenaOutcome? ParseOutcome(string? s) => s switch
    {
        "a" => ArenaOutcome.A,
        "b" => ArenaOutcome.B,
        "tie" => ArenaOutcome.Tie,
        "both_bad" => ArenaOutcome.BothBad,
        _ => null,
    };

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(connection);
        c.Open();
        Execute(c, "PRAGMA busy_timeout=5000;");
        return c;
    }

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static ArenaBattle Read(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture), r.IsDBNull(5) ? null : ParseOutcome(r.GetString(5)),
        r.IsDBNull(6) ? null : DateTimeOffset.Parse(r.GetString(6), CultureInfo.InvariantCulture), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8));
}
