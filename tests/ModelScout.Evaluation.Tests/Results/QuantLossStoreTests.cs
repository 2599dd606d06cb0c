using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Results;

public sealed class QuantLossStoreTests : IDisposable
{
    private readonly TempDb db = new();
    private static readonly QuantLossKey Key = new("1234:5678:abcdef", "Q4_K_M", "texthash", 512, 0);

    private static QuantLossRecord Record(QuantLossKey key, string? model = "llama3.1-8b") => new()
    {
        Key = key,
        SourceName = "model-F16.gguf",
        CatalogModel = model,
        FilePath = "/tmp/model-Q4_K_M.gguf",
        FileBytes = 4_920_000_000,
        BitsPerWeight = 4.89,
        TextLabel = "built-in sample",
        ScoredTokens = 2048,
        Perplexity = new(6.41, 0.04),
        DeltaPplPct = new(2.8, 0.2),
        Kld = new(0.031, 0.001),
        SameTopPct = new(91.9, 0.3),
        PromptTokensPerSecond = 120.5,
        GenerateTokensPerSecond = 9.75,
    };

    [Fact]
    public void A_level_is_found_by_its_exact_key_and_listed_under_its_model()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero));
        using (var store = EvalStore.Open(db.Path, clock))
        {
            store.SaveQuantLoss(Record(Key));
            clock.Advance(TimeSpan.FromMinutes(1));
            store.SaveQuantLoss(Record(Key with { Type = "Q8_0" }) with { Kld = new(0.001, 0.0001) });
            store.SaveQuantLoss(Record(Key with { Type = "Q2_K" }, model: null));
        }
        using var reopened = EvalStore.Open(db.Path);
        var found = reopened.FindQuantLoss(Key with { Type = "q4_k_m" })!;
        Assert.Equal(0.031, found.Kld!.Value);
        Assert.Equal(91.9, found.SameTopPct!.Value);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero), found.Created);
        // Any part of the key differing is another measurement.
        Assert.Null(reopened.FindQuantLoss(Key with { Context = 1024 }));
        Assert.Null(reopened.FindQuantLoss(Key with { Chunks = 4 }));
        Assert.Null(reopened.FindQuantLoss(Key with { TextHash = "other" }));
        Assert.Null(reopened.FindQuantLoss(Key with { SourceIdentity = "1234:9999:abcdef" }));
        Assert.Equal(["Q8_0", "Q4_K_M"], reopened.QuantLossFor("LLAMA3.1-8B").Select(r => r.Key.Type));
        Assert.Equal(3, reopened.QuantLossCount());
    }

    [Fact]
    public void A_schema_3_file_gains_the_quant_loss_table_and_keeps_its_runs()
    {
        using (var store = EvalStore.Open(db.Path)) store.OpenRun("old", new RunKey("http://x/v1", "m", null, null), new ReproducibilityRecord());
        using (var c = new SqliteConnection($"Data Source={db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DROP TABLE quant_loss; PRAGMA user_version = 3";
            cmd.ExecuteNonQuery();
        }
        using var upgraded = EvalStore.Open(db.Path);
        Assert.NotNull(upgraded.FindRun("old"));
        Assert.Equal(0, upgraded.QuantLossCount());
        upgraded.SaveQuantLoss(Record(Key));
        Assert.NotNull(upgraded.FindQuantLoss(Key));
    }

    public void Dispose() => db.Dispose();
}
