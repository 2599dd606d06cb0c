using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ModelScout.Evaluation.Results;

/// <summary>Reusing a run name with a different endpoint, model, digest or quantization.</summary>
public sealed class RunKeyMismatchException(string message) : EvalException(message);

/// <summary>
/// Runs, replies and scores of <c>scout eval</c> in one SQLite file. Every reply and score is committed as it arrives
/// (WAL, synchronous=NORMAL), so a crash loses at most the requests in flight. One connection, used under a lock: the
/// run loop writes from several tasks, and SQLite serialises writers anyway. The times it stamps (a run's creation, a
/// score's, a scoring error's) come from the <see cref="TimeProvider"/> it was opened with.
/// </summary>
public sealed partial class EvalStore : IDisposable
{
    /// <summary>The schema this code writes; older files are migrated forward, newer ones refused.</summary>
    public const int SchemaVersion = 4;

    private readonly SqliteConnection connection;
    private readonly Lock gate = new();
    private readonly SqliteCommand insertReply;
    private readonly SqliteCommand insertScore;
    private readonly TimeProvider time;
    private bool disposed;

    private EvalStore(SqliteConnection connection, TimeProvider time)
    {
        this.connection = connection;
        this.time = time;
        insertReply = Prepare("""
            INSERT OR REPLACE INTO replies (run_id, suite, item_id, step, prompt_hash, request_json, raw_response, text, finish_reason,
                prompt_tokens, completion_tokens, latency_ms, logprobs_json, error, truncated, attempts, created, tool_calls_json, endpoint)
            VALUES ($run, $suite, $item, $step, $hash, $request, $raw, $text, $finish, $pt, $ct, $latency, $logprobs, $error, $truncated, $attempts, $created,
                $tools, $endpoint)
            """, "$run", "$suite", "$item", "$step", "$hash", "$request", "$raw", "$text", "$finish", "$pt", "$ct", "$latency", "$logprobs", "$error",
            "$truncated", "$attempts", "$created", "$tools", "$endpoint");
        insertScore = Prepare("""
            INSERT OR REPLACE INTO scores (run_id, suite, item_id, subject, grp, score, extracted, extraction_failed, metrics_json, detail, scoring_mode, created)
            VALUES ($run, $suite, $item, $subject, $grp, $score, $extracted, $failed, $metrics, $detail, $mode, $created)
            """, "$run", "$suite", "$item", "$subject", "$grp", "$score", "$extracted", "$failed", "$metrics", "$detail", "$mode", "$created");
    }

    /// <summary>The file this store writes.</summary>
    public string FilePath { get; private init; } = "";

    /// <summary>Opens (creating when missing) the store at <paramref name="path"/>.</summary>
    /// <param name="time">The clock for the times the store stamps; <see cref="TimeProvider.System"/> unless given.</param>
    public static EvalStore Open(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
            Migrate(connection, full);
            return new EvalStore(connection, time ?? TimeProvider.System) { FilePath = full };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Migrate(SqliteConnection c, string path)
    {
        var version = Convert.ToInt32(Scalar(c, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
            throw new InvalidOperationException($"{path} was written by a newer ModelScout (schema {version}, this one reads up to {SchemaVersion}); update scout or point --db (SCOUT_EVAL_DB) at another file");
        if (version == SchemaVersion) return;
        using var tx = c.BeginTransaction();
        Execute(c, """
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                model_id TEXT NOT NULL,
                model_digest TEXT,
                quantization TEXT,
                record_json TEXT NOT NULL,
                status TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS replies (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                suite TEXT NOT NULL,
                item_id TEXT NOT NULL,
                step INTEGER NOT NULL,
                prompt_hash TEXT NOT NULL,
                request_json TEXT NOT NULL,
                raw_response TEXT,
                text TEXT,
                finish_reason TEXT,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                latency_ms REAL NOT NULL DEFAULT 0,
                logprobs_json TEXT,
                error TEXT,
                truncated INTEGER NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 1,
                created TEXT NOT NULL,
                tool_calls_json TEXT,
                endpoint TEXT,
                PRIMARY KEY (run_id, suite, item_id, step)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS scores (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                suite TEXT NOT NULL,
                item_id TEXT NOT NULL,
                subject TEXT NOT NULL,
                grp TEXT NOT NULL,
                score REAL NOT NULL,
                extracted TEXT,
                extraction_failed INTEGER NOT NULL,
                metrics_json TEXT,
                detail TEXT,
                scoring_mode TEXT NOT NULL,
                created TEXT NOT NULL,
                PRIMARY KEY (run_id, suite, item_id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS scoring_errors (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                suite TEXT NOT NULL,
                item_id TEXT NOT NULL,
                error TEXT NOT NULL,
                created TEXT NOT NULL,
                PRIMARY KEY (run_id, suite, item_id)
            ) WITHOUT ROWID;
            """, tx);
        // Schema 4 added the quantization-loss sweep's results (scout quant-loss) and, below, the replica of each reply.
        Execute(c, QuantLossTable, tx);
        // Schema 3 added the function calls of a reply (bfcl); a file from before has the table without the column.
        if (Convert.ToInt32(Scalar(c, "SELECT COUNT(*) FROM pragma_table_info('replies') WHERE name = 'tool_calls_json'", tx), CultureInfo.InvariantCulture) == 0)
            Execute(c, "ALTER TABLE replies ADD COLUMN tool_calls_json TEXT", tx);
        // The endpoint that answered each reply (eval over several replicas); older rows keep it null.
        if (Convert.ToInt32(Scalar(c, "SELECT COUNT(*) FROM pragma_table_info('replies') WHERE name = 'endpoint'", tx), CultureInfo.InvariantCulture) == 0)
            Execute(c, "ALTER TABLE replies ADD COLUMN endpoint TEXT", tx);
        Execute(c, $"PRAGMA user_version = {SchemaVersion.ToString(CultureInfo.InvariantCulture)}", tx);
        tx.Commit();
    }

    /// <summary>
    /// Creates the run, or resumes it when the name exists with the same key (the record is then refreshed).
    /// A different key throws <see cref="RunKeyMismatchException"/> naming what differs.
    /// </summary>
    public EvalRunInfo OpenRun(string name, RunKey key, ReproducibilityRecord record)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(record);
        var json = JsonSerializer.Serialize(record, EvalJsonContext.Default.ReproducibilityRecord);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (FindRunLocked(name) is { } existing)
            {
                var diff = existing.Key.Differences(key);
                if (diff.Count > 0)
                    throw new RunKeyMismatchException(
                        $"run '{name}' already exists for a different model ({string.Join("; ", diff)}); choose another --run name, or delete the run to start over");
                using var update = Command("UPDATE runs SET record_json = $json, status = $status WHERE id = $id", ("$json", json), ("$status", RunStatus.Running), ("$id", existing.Id));
                update.ExecuteNonQuery();
                return existing with { Record = record, Status = RunStatus.Running };
            }
            var created = time.GetUtcNow();
            using var insert = Command("""
                INSERT INTO runs (name, created, endpoint, model_id, model_digest, quantization, record_json, status)
                VALUES ($name, $created, $endpoint, $model, $digest, $quant, $json, $status) RETURNING id
                """, ("$name", name), ("$created", Time(created)), ("$endpoint", key.Endpoint), ("$model", key.ModelId), ("$digest", key.ModelDigest),
                ("$quant", key.Quantization), ("$json", json), ("$status", RunStatus.Running));
            var id = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
            return new EvalRunInfo(id, name, created, key, record, RunStatus.Running);
        }
    }

    /// <summary>The run called <paramref name="name"/>, or null.</summary>
    public EvalRunInfo? FindRun(string name)
    {
        lock (gate) return FindRunLocked(name);
    }

    /// <summary>Every run, newest first.</summary>
    public IReadOnlyList<EvalRunInfo> ListRuns()
    {
        lock (gate)
        {
            using var cmd = Command("SELECT id, name, created, endpoint, model_id, model_digest, quantization, record_json, status FROM runs ORDER BY created DESC, id DESC");
            using var r = cmd.ExecuteReader();
            var runs = new List<EvalRunInfo>();
            while (r.Read()) runs.Add(ReadRun(r));
            return runs;
        }
    }

    /// <summary>Deletes a run with its replies and scores; false when there was none.</summary>
    public bool DeleteRun(string name)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var tx = connection.BeginTransaction();
            using var replies = Command("DELETE FROM replies WHERE run_id = (SELECT id FROM runs WHERE name = $name)", ("$name", name));
            using var scores = Command("DELETE FROM scores WHERE run_id = (SELECT id FROM runs WHERE name = $name)", ("$name", name));
            using var unscored = Command("DELETE FROM scoring_errors WHERE run_id = (SELECT id FROM runs WHERE name = $name)", ("$name", name));
            using var run = Command("DELETE FROM runs WHERE name = $name", ("$name", name));
            replies.Transaction = scores.Transaction = unscored.Transaction = run.Transaction = tx;
            replies.ExecuteNonQuery();
            scores.ExecuteNonQuery();
            unscored.ExecuteNonQuery();
            var deleted = run.ExecuteNonQuery() > 0;
            tx.Commit();
            return deleted;
        }
    }

    /// <summary>
    /// Copies every reply, score and scoring error of run <paramref name="sourceRunId"/> in the store file
    /// <paramref name="sourcePath"/> (this file or another, already at this schema) into <paramref name="target"/>, in one
    /// transaction. An item the target already holds is refused (<see cref="EvalException"/>), so merging never stores an
    /// item twice.
    /// </summary>
    public void CopyRun(string sourcePath, long sourceRunId, EvalRunInfo target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        ArgumentNullException.ThrowIfNull(target);
        var same = string.Equals(Path.GetFullPath(sourcePath), FilePath, StringComparison.Ordinal);
        var schema = same ? "main" : "src";
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!same)
            {
                using var attach = Command("ATTACH DATABASE $path AS src", ("$path", Path.GetFullPath(sourcePath)));
                attach.ExecuteNonQuery();
            }
            try
            {
                using var tx = connection.BeginTransaction();
                var columns = "suite, item_id, step, prompt_hash, request_json, raw_response, text, finish_reason, prompt_tokens, completion_tokens, latency_ms, "
                    + "logprobs_json, error, truncated, attempts, created, tool_calls_json, endpoint";
                using var replies = Command($"INSERT INTO main.replies (run_id, {columns}) SELECT $to, {columns} FROM {schema}.replies WHERE run_id = $from",
                    ("$to", target.Id), ("$from", sourceRunId));
                var scoreColumns = "suite, item_id, subject, grp, score, extracted, extraction_failed, metrics_json, detail, scoring_mode, created";
                using var scores = Command($"INSERT INTO main.scores (run_id, {scoreColumns}) SELECT $to, {scoreColumns} FROM {schema}.scores WHERE run_id = $from",
                    ("$to", target.Id), ("$from", sourceRunId));
                using var unscored = Command($"INSERT INTO main.scoring_errors (run_id, suite, item_id, error, created) SELECT $to, suite, item_id, error, created FROM {schema}.scoring_errors WHERE run_id = $from",
                    ("$to", target.Id), ("$from", sourceRunId));
                replies.Transaction = scores.Transaction = unscored.Transaction = tx;
                try
                {
                    replies.ExecuteNonQuery();
                    scores.ExecuteNonQuery();
                    unscored.ExecuteNonQuery();
                }
                catch (SqliteException e) when (e.SqliteErrorCode == 19)
                {
                    throw new EvalException($"run {target.Name} already holds an item that {sourcePath} also has ({e.Message}); the shards overlap");
                }
                tx.Commit();
            }
            finally
            {
                if (!same)
                {
                    using var detach = Command("DETACH DATABASE src");
                    detach.ExecuteNonQuery();
                }
            }
        }
    }

    /// <summary>Marks the run complete, interrupted, ...</summary>
    public void SetStatus(EvalRunInfo run, string status)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (gate)
        {
            using var cmd = Command("UPDATE runs SET status = $status WHERE id = $id", ("$status", status), ("$id", run.Id));
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Stores (or replaces) the reply or error for one step; committed before this returns.</summary>
    public void SaveReply(EvalRunInfo run, StoredReply reply)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(reply);
        var m = reply.Reply;
        string? logprobs = null;
        if (m?.Logprobs is { } lp)
        {
            var lists = lp.Select(l => l.ToList()).ToList();
            logprobs = JsonSerializer.Serialize(lists, EvalJsonContext.Default.ListListTokenChoice);
        }
        var toolCalls = m?.ToolCalls is { Count: > 0 } calls ? JsonSerializer.Serialize(calls.ToList(), EvalJsonContext.Default.ListEvalToolCall) : null;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            Bind(insertReply, run.Id, reply.Suite, reply.ItemId, reply.Step, reply.PromptHash, reply.RequestJson, m?.Raw, m?.Text, m?.FinishReason,
                m?.PromptTokens ?? 0, m?.CompletionTokens ?? 0, m?.Latency.TotalMilliseconds ?? 0, logprobs, reply.Error, reply.Truncated ? 1 : 0,
                reply.Attempts, Time(reply.Created), toolCalls, reply.Endpoint);
            insertReply.ExecuteNonQuery();
        }
    }

    /// <summary>Every stored reply and error of one suite of a run, by item and step.</summary>
    public IReadOnlyList<StoredReply> Replies(EvalRunInfo run, string suite)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (gate)
        {
            using var cmd = Command("""
                SELECT item_id, step, prompt_hash, request_json, raw_response, text, finish_reason, prompt_tokens, completion_tokens, latency_ms,
                       logprobs_json, error, truncated, attempts, created, tool_calls_json, endpoint
                FROM replies WHERE run_id = $run AND suite = $suite ORDER BY item_id, step
                """, ("$run", run.Id), ("$suite", suite));
            using var r = cmd.ExecuteReader();
            var list = new List<StoredReply>();
            while (r.Read())
            {
                var error = r.IsDBNull(11) ? null : r.GetString(11);
                ModelReply? reply = null;
                if (error is null)
                {
                    List<List<TokenChoice>>? lp = r.IsDBNull(10) ? null : JsonSerializer.Deserialize(r.GetString(10), EvalJsonContext.Default.ListListTokenChoice);
                    reply = new ModelReply(r.IsDBNull(5) ? "" : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetInt32(7), r.GetInt32(8),
                        lp?.Select(l => (IReadOnlyList<TokenChoice>)l).ToList(), TimeSpan.FromMilliseconds(r.GetDouble(9)), r.IsDBNull(4) ? null : r.GetString(4),
                        ToolCalls: r.IsDBNull(15) ? null : JsonSerializer.Deserialize(r.GetString(15), EvalJsonContext.Default.ListEvalToolCall));
                }
                list.Add(new StoredReply(suite, r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), reply, error, r.GetInt32(13), r.GetInt32(12) != 0,
                    ParseTime(r.GetString(14)), r.IsDBNull(16) ? null : r.GetString(16)));
            }
            return list;
        }
    }

    /// <summary>Stores (or replaces) an item's score; committed before this returns.</summary>
    public void SaveScore(EvalRunInfo run, EvalItem item, SampleScore score, string scoringMode)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(score);
        var metrics = score.Metrics is null ? null : JsonSerializer.Serialize(new Dictionary<string, double>(score.Metrics), EvalJsonContext.Default.DictionaryStringDouble);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            Bind(insertScore, run.Id, item.Suite, item.Id, item.Subject, item.Group, score.Score, score.Extracted, score.ExtractionFailed ? 1 : 0, metrics, score.Detail,
                scoringMode, Time(time.GetUtcNow()));
            insertScore.ExecuteNonQuery();
            using var clear = Command("DELETE FROM scoring_errors WHERE run_id = $run AND suite = $suite AND item_id = $item",
                ("$run", run.Id), ("$suite", item.Suite), ("$item", item.Id));
            clear.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Records that an item's replies are all in but it could not be scored (the judge never gave a rating, the scorer
    /// failed). The item counts as an error, not as a zero, and the next run scores it again from the stored replies.
    /// </summary>
    public void SaveScoringError(EvalRunInfo run, EvalItem item, string error)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var cmd = Command("""
                INSERT OR REPLACE INTO scoring_errors (run_id, suite, item_id, error, created) VALUES ($run, $suite, $item, $error, $created)
                """, ("$run", run.Id), ("$suite", item.Suite), ("$item", item.Id), ("$error", error), ("$created", Time(time.GetUtcNow())));
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>Items of one suite that have every reply but could not be scored, with why, in item-id order.</summary>
    public IReadOnlyList<(string ItemId, string Error)> ScoringErrors(EvalRunInfo run, string suite)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (gate)
        {
            using var cmd = Command("SELECT item_id, error FROM scoring_errors WHERE run_id = $run AND suite = $suite ORDER BY item_id",
                ("$run", run.Id), ("$suite", suite));
            using var r = cmd.ExecuteReader();
            var list = new List<(string, string)>();
            while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
            return list;
        }
    }

    /// <summary>Every score of one suite of a run, in item-id order.</summary>
    public IReadOnlyList<StoredScore> Scores(EvalRunInfo run, string suite)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (gate)
        {
            using var cmd = Command("""
                SELECT item_id, subject, grp, score, extracted, extraction_failed, metrics_json, detail, scoring_mode
                FROM scores WHERE run_id = $run AND suite = $suite ORDER BY item_id
                """, ("$run", run.Id), ("$suite", suite));
            using var r = cmd.ExecuteReader();
            var list = new List<StoredScore>();
            while (r.Read())
            {
                var metrics = r.IsDBNull(6) ? null : JsonSerializer.Deserialize(r.GetString(6), EvalJsonContext.Default.DictionaryStringDouble);
                list.Add(new StoredScore(new EvalItem(suite, r.GetString(0), r.GetString(1), r.GetString(2)),
                    new SampleScore(r.GetDouble(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5) != 0, metrics, r.IsDBNull(7) ? null : r.GetString(7)),
                    r.GetString(8)));
            }
            return list;
        }
    }

    /// <summary>The suites a run has replies or scores for.</summary>
    public IReadOnlyList<string> Suites(EvalRunInfo run)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (gate)
        {
            using var cmd = Command("SELECT suite FROM replies WHERE run_id = $run UNION SELECT suite FROM scores WHERE run_id = $run ORDER BY 1", ("$run", run.Id));
            using var r = cmd.ExecuteReader();
            var list = new List<string>();
            while (r.Read()) list.Add(r.GetString(0));
            return list;
        }
    }

    /// <summary>Means per subject and group, error/truncation/extraction-failure counts and token and latency totals.</summary>
    public SuiteSummary Summarize(EvalRunInfo run, string suite)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (gate)
        {
            using var totals = Command("""
                SELECT COUNT(*), COALESCE(AVG(score), 0), COALESCE(SUM(extraction_failed), 0), MIN(scoring_mode), COUNT(DISTINCT scoring_mode)
                FROM scores WHERE run_id = $run AND suite = $suite
                """, ("$run", run.Id), ("$suite", suite));
            int scored, failures;
            double mean;
            string? mode;
            using (var r = totals.ExecuteReader())
            {
                r.Read();
                scored = r.GetInt32(0);
                mean = r.GetDouble(1);
                failures = r.GetInt32(2);
                mode = r.IsDBNull(3) ? null : r.GetInt32(4) > 1 ? "mixed" : r.GetString(3);
            }
            using var replies = Command("""
                SELECT COALESCE(SUM(truncated), 0), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(latency_ms), 0), COUNT(*),
                       (SELECT COUNT(*) FROM (
                            SELECT e.item_id FROM replies e WHERE e.run_id = $run AND e.suite = $suite AND e.error IS NOT NULL
                            UNION SELECT u.item_id FROM scoring_errors u WHERE u.run_id = $run AND u.suite = $suite) failed
                        WHERE NOT EXISTS (SELECT 1 FROM scores s WHERE s.run_id = $run AND s.suite = $suite AND s.item_id = failed.item_id))
                FROM replies WHERE run_id = $run AND suite = $suite
                """, ("$run", run.Id), ("$suite", suite));
            using var q = replies.ExecuteReader();
            q.Read();
            return new SuiteSummary(suite, mode, scored, mean, q.GetInt32(5), q.GetInt32(0), failures,
                Aggregate("subject", run.Id, suite), Aggregate("grp", run.Id, suite), q.GetInt64(1), q.GetInt64(2), q.GetDouble(3), q.GetInt32(4));
        }
    }

    private List<ScoreAggregate> Aggregate(string column, long run, string suite)
    {
        // column is one of two constants above, never user input.
        using var cmd = Command($"SELECT {column}, COUNT(*), AVG(score) FROM scores WHERE run_id = $run AND suite = $suite AND {column} <> '' GROUP BY {column} ORDER BY {column}",
            ("$run", run), ("$suite", suite));
        using var r = cmd.ExecuteReader();
        var list = new List<ScoreAggregate>();
        while (r.Read()) list.Add(new ScoreAggregate(r.GetString(0), r.GetInt32(1), r.GetDouble(2)));
        return list;
    }

    private EvalRunInfo? FindRunLocked(string name)
    {
        using var cmd = Command("SELECT id, name, created, endpoint, model_id, model_digest, quantization, record_json, status FROM runs WHERE name = $name", ("$name", name));
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadRun(r) : null;
    }

    private static EvalRunInfo ReadRun(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), ParseTime(r.GetString(2)),
        new RunKey(r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6)),
        JsonSerializer.Deserialize(r.GetString(7), EvalJsonContext.Default.ReproducibilityRecord) ?? new ReproducibilityRecord(),
        r.GetString(8));

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var n in names) cmd.Parameters.Add(new SqliteParameter { ParameterName = n });
        cmd.Prepare();
        return cmd;
    }

    private static void Bind(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return cmd;
    }

    private static void Execute(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd.ExecuteScalar();
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            insertReply.Dispose();
            insertScore.Dispose();
            connection.Dispose();
        }
    }
}
