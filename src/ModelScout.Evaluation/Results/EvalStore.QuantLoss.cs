using System.Globalization;
using System.Text.Json;

namespace ModelScout.Evaluation.Results;

// The quantization-loss sweep's results live in the eval database: one file in the home folder holds every measurement.
public sealed partial class EvalStore
{
    private const string QuantLossTable = """
        CREATE TABLE IF NOT EXISTS quant_loss (
            source_id TEXT NOT NULL,
            type TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            ctx INTEGER NOT NULL,
            chunks INTEGER NOT NULL,
            model_id TEXT,
            record_json TEXT NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (source_id, type, text_hash, ctx, chunks)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS quant_loss_model ON quant_loss (model_id);
        """;

    /// <summary>Stores (or replaces) one level's result; the creation time is the store's clock.</summary>
    public QuantLossRecord SaveQuantLoss(QuantLossRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record = record with { Created = time.GetUtcNow() };
        var k = record.Key;
        var json = JsonSerializer.Serialize(record, EvalJsonContext.Default.QuantLossRecord);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var cmd = Command("""
                INSERT OR REPLACE INTO quant_loss (source_id, type, text_hash, ctx, chunks, model_id, record_json, created)
                VALUES ($source, $type, $text, $ctx, $chunks, $model, $json, $created)
                """, ("$source", k.SourceIdentity), ("$type", k.Type.ToUpperInvariant()), ("$text", k.TextHash), ("$ctx", k.Context), ("$chunks", k.Chunks),
                ("$model", record.CatalogModel), ("$json", json), ("$created", Time(record.Created)));
            cmd.ExecuteNonQuery();
        }
        return record;
    }

    /// <summary>The stored result for exactly this key, or null.</summary>
    public QuantLossRecord? FindQuantLoss(QuantLossKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (gate)
        {
            using var cmd = Command("SELECT record_json FROM quant_loss WHERE source_id = $source AND type = $type AND text_hash = $text AND ctx = $ctx AND chunks = $chunks",
                ("$source", key.SourceIdentity), ("$type", key.Type.ToUpperInvariant()), ("$text", key.TextHash), ("$ctx", key.Context), ("$chunks", key.Chunks));
            return cmd.ExecuteScalar() is string json ? Read(json) : null;
        }
    }

    /// <summary>Every result recorded for a catalog model, newest first.</summary>
    public IReadOnlyList<QuantLossRecord> QuantLossFor(string catalogModel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(catalogModel);
        lock (gate)
        {
            using var cmd = Command("SELECT record_json FROM quant_loss WHERE model_id = $model COLLATE NOCASE ORDER BY created DESC", ("$model", catalogModel));
            using var r = cmd.ExecuteReader();
            var list = new List<QuantLossRecord>();
            while (r.Read()) list.Add(Read(r.GetString(0)));
            return list;
        }
    }

    /// <summary>How many quantization-loss results the store holds.</summary>
    public int QuantLossCount()
    {
        lock (gate)
        {
            using var cmd = Command("SELECT COUNT(*) FROM quant_loss");
            return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    private static QuantLossRecord Read(string json) =>
        JsonSerializer.Deserialize(json, EvalJsonContext.Default.QuantLossRecord) ?? throw new InvalidOperationException("a quant_loss row holds no record");
}
