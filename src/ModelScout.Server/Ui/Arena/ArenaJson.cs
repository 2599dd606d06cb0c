using System.Text.Json.Serialization;

namespace ModelScout.Server.Ui.Arena;

/// <summary>POST /ui/api/arena/battles: a prompt and, optionally, the two models (else two stored models at random).</summary>
public sealed class ArenaBattleRequest
{
    public string? Prompt { get; set; }
    public IReadOnlyList<string>? Models { get; set; }
}

/// <summary>A new battle: its id only; which model is behind A and B stays hidden until the vote.</summary>
public sealed record ArenaBattleCreated(string Id, string Prompt);

/// <summary>POST /ui/api/arena/battles/{id}/vote.</summary>
public sealed class ArenaVoteRequest
{
    /// <summary>a, b, tie or both_bad.</summary>
    public string? Vote { get; set; }
}

/// <summary>A battle as the page sees it: the names only once voted.</summary>
public sealed record ArenaBattleView(string Id, string Prompt, string? Vote, string? ModelA, string? ModelB);

/// <summary>One streamed piece of a side's reply; the last line has <c>Done</c> and the counters.</summary>
public sealed record ArenaChunk(string Text, bool Done, int? Tokens = null, double? Seconds = null, double? TokensPerSecond = null);

/// <summary>One vote in the export: the shape a paired analysis reads (one item, two systems, a score each).</summary>
public sealed record ArenaVoteRecord(string Id, string Prompt, string ModelA, string ModelB, string Vote, string? Winner, double ScoreA, double ScoreB,
    string Created, string? Voted, string? ReplyA, string? ReplyB);

public sealed record ArenaVotesExport(string Schema, string ScoreRule, IReadOnlyList<ArenaVoteRecord> Votes);


[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ArenaBattleRequest))]
[JsonSerializable(typeof(ArenaBattleCreated))]
[JsonSerializable(typeof(ArenaVoteRequest))]
[JsonSerializable(typeof(ArenaBattleView))]
[JsonSerializable(typeof(ArenaChunk))]
[JsonSerializable(typeof(ArenaVotesExport))]
[JsonSerializable(typeof(ArenaLeaderboard))]
internal sealed partial class ArenaJsonContext : JsonSerializerContext;
