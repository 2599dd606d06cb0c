using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ModelScout.LoadTest;

/// <summary>Where request <c>i</c>'s text comes from; the same index gives the same prompt to every target.</summary>
public interface IPromptSource
{
    /// <summary>How this source was built, for the report's settings (e.g. "synthetic 512 tokens via /tokenize").</summary>
    string Description { get; }

    /// <summary>The prompt for request <paramref name="index"/> (counted across the whole run, so each is distinct).</summary>
    BenchPrompt Prompt(string model, int index, int maxTokens);
}

/// <summary>A prompts file could not be read: the file, the line and what is wrong with it.</summary>
public sealed class PromptFileException(string message) : Exception(message);

/// <summary>Prompts from a file, used in turn (request i takes entry i mod count).</summary>
public sealed class PromptFile : IPromptSource
{
    private const int MaxEntries = 1_000_000;

    private PromptFile(string path, IReadOnlyList<IReadOnlyList<BenchMessage>> entries)
    {
        Path = path;
        Entries = entries;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Each entry's chat turns (a plain prompt is one user turn).</summary>
    public IReadOnlyList<IReadOnlyList<BenchMessage>> Entries { get; }

    public string Description => $"file {System.IO.Path.GetFileName(Path)} ({Entries.Count} prompts)";

    public BenchPrompt Prompt(string model, int index, int maxTokens)
    {
        var turns = Entries[index % Entries.Count];
        return new BenchPrompt(model, turns[^1].Content, maxTokens) { Messages = turns };
    }

    /// <summary>
    /// Reads JSONL (one object a line: <c>{"prompt": "..."}</c>, <c>{"messages": [{"role", "content"}...]}</c> or a
    /// ShareGPT <c>{"conversations": [{"from", "value"}...]}</c>) or a ShareGPT JSON array. ShareGPT conversations
    /// contribute their first human turn. Blank lines are skipped.
    /// </summary>
    /// <exception cref="PromptFileException">A line or item that is not one of those shapes, or no prompts at all.</exception>
    public static PromptFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PromptFileException($"{path}: cannot read the prompts file ({e.Message})");
        }
        var entries = new List<IReadOnlyList<BenchMessage>>();
        if (text.TrimStart().StartsWith('['))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new PromptFileException($"{path}: not valid JSON ({e.Message})");
            }
            using (document)
            {
                var item = 0;
                foreach (var element in document.RootElement.EnumerateArray())
                {
                    item++;
                    entries.Add(Entry(element, $"{path}: item {item}"));
                    if (entries.Count > MaxEntries) throw new PromptFileException($"{path}: more than {MaxEntries} prompts");
                }
            }
        }
        else
        {
            var number = 0;
            foreach (var line in text.Split('\n'))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var where = $"{path}:{number}";
                try
                {
                    using var document = JsonDocument.Parse(line);
                    entries.Add(Entry(document.RootElement, where));
                }
                catch (JsonException e)
                {
                    throw new PromptFileException($"{where}: not a JSON object ({e.Message})");
                }
                if (entries.Count > MaxEntries) throw new PromptFileException($"{path}: more than {MaxEntries} prompts");
            }
        }
        if (entries.Count == 0) throw new PromptFileException($"{path}: no prompts in the file");
        return new PromptFile(path, entries);
    }

    private static List<BenchMessage> Entry(JsonElement e, string where)
    {
        const string Shapes = "expected {\"prompt\": \"...\"}, {\"messages\": [{\"role\": ..., \"content\": ...}]} or {\"conversations\": [{\"from\": ..., \"value\": ...}]}";
        if (e.ValueKind != JsonValueKind.Object) throw new PromptFileException($"{where}: {Shapes}");
        if (e.TryGetProperty("prompt", out var prompt))
        {
            return prompt.ValueKind == JsonValueKind.String && prompt.GetString() is { Length: > 0 } p
                ? [new BenchMessage("user", p)]
                : throw new PromptFileException($"{where}: \"prompt\" must be a non-empty string");
        }
        if (e.TryGetProperty("messages", out var messages))
        {
            if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
                throw new PromptFileException($"{where}: \"messages\" must be a non-empty array");
            var turns = new List<BenchMessage>();
            foreach (var m in messages.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object
                    || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                    || !m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw new PromptFileException($"{where}: message {turns.Count + 1} needs string \"role\" and \"content\"");
                turns.Add(new BenchMessage(role.GetString()!, content.GetString()!));
            }
            return turns;
        }
        if (e.TryGetProperty("conversations", out var conversations))
        {
            if (conversations.ValueKind != JsonValueKind.Array) throw new PromptFileException($"{where}: \"conversations\" must be an array");
            foreach (var turn in conversations.EnumerateArray())
            {
                if (turn.ValueKind == JsonValueKind.Object
                    && turn.TryGetProperty("from", out var from) && from.ValueKind == JsonValueKind.String
                    && from.GetString() is "human" or "user"
                    && turn.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String
                    && value.GetString() is { Length: > 0 } v)
                    return [new BenchMessage("user", v)];
            }
            throw new PromptFileException($"{where}: the conversation has no human turn with a non-empty \"value\"");
        }
        throw new PromptFileException($"{where}: {Shapes}");
    }
}

/// <summary>
/// Prompts of a given length in tokens, each starting with its own request number so no two share a prefix (a prefix
/// cache would otherwise skip the prompt work). The length is fitted with the endpoint's <c>/tokenize</c> when it has
/// one, else taken as <see cref="CharsPerToken"/> characters per token.
/// </summary>
public sealed class SyntheticPrompts : IPromptSource
{
    /// <summary>The approximation used without a tokenizer: about 4 characters of English per token.</summary>
    public const int CharsPerToken = 4;

    private static readonly string[] Words =
    [
        "the", "river", "morning", "quiet", "garden", "stone", "lantern", "harbor", "window", "forest", "bright", "little",
        "story", "walked", "under", "over", "yellow", "market", "bread", "letter", "bridge", "cloud", "summer", "winter",
        "friend", "careful", "music", "table", "open", "road", "sleep", "green", "paper", "north", "village", "candle",
    ];

    private readonly string filler;
    private readonly int fillerChars;

    private SyntheticPrompts(int inputTokens, string filler, int fillerChars, bool tokenized, IReadOnlyList<int> measured)
    {
        InputTokens = inputTokens;
        this.filler = filler;
        this.fillerChars = fillerChars;
        Tokenized = tokenized;
        MeasuredTokens = measured;
    }

    /// <summary>The requested prompt length in tokens.</summary>
    public int InputTokens { get; }

    /// <summary>True when the length was fitted with the endpoint's tokenizer; false for the character approximation.</summary>
    public bool Tokenized { get; }

    /// <summary>Token counts /tokenize reported for sample prompts after fitting (empty without a tokenizer).</summary>
    public IReadOnlyList<int> MeasuredTokens { get; }

    public string Description => Tokenized
        ? $"synthetic {InputTokens} tokens via /tokenize (samples: {string.Join(",", MeasuredTokens.Select(t => t.ToString(CultureInfo.InvariantCulture)))})"
        : $"synthetic ~{InputTokens} tokens approximated as {CharsPerToken} characters per token (no /tokenize)";

    /// <summary>The fixed-width request number each prompt begins with.</summary>
    public static string Prefix(int index) => $"Request {index:D6}. ";

    public BenchPrompt Prompt(string model, int index, int maxTokens) =>
        new(model, Prefix(index) + filler[..fillerChars], maxTokens);

    /// <summary>
    /// Fits a prompt of <paramref name="inputTokens"/> tokens for <paramref name="model"/> at <paramref name="root"/>
    /// (the server's root, without /v1): by /tokenize when it answers, else by the character approximation.
    /// </summary>
    public static async Task<SyntheticPrompts> CreateAsync(HttpClient http, Uri root, string model, int inputTokens, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputTokens, 1);
        var filler = Filler(inputTokens * CharsPerToken * 3 + 256, seed);
        var approximate = Math.Max(0, inputTokens * CharsPerToken - Prefix(0).Length);
        var tokenize = new Uri(root, "tokenize");
        if (await CountAsync(http, tokenize, model, Prefix(0), cancellationToken) is null)
            return new SyntheticPrompts(inputTokens, filler, Math.Min(approximate, filler.Length), false, []);

        // The smallest filler length whose prompt has at least the tokens asked for; token counts grow with the text.
        var low = 0;
        var high = filler.Length;
        while (low < high)
        {
            var mid = (low + high) / 2;
            var count = await CountAsync(http, tokenize, model, Prefix(0) + filler[..mid], cancellationToken) ?? 0;
            if (count >= inputTokens) high = mid;
            else low = mid + 1;
        }
        var measured = new List<int>();
        foreach (var index in new[] { 0, 1, 999_999 })
        {
            measured.Add(await CountAsync(http, tokenize, model, Prefix(index) + filler[..low], cancellationToken) ?? 0);
        }
        return new SyntheticPrompts(inputTokens, filler, low, true, measured);
    }

    private static string Filler(int chars, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(chars + 16);
        while (text.Length < chars) text.Append(Words[random.Next(Words.Length)]).Append(' ');
        return text.ToString();
    }

    // Null when the endpoint has no usable /tokenize (404, other errors, unreachable): the caller falls back.
    private static async Task<int?> CountAsync(HttpClient http, Uri tokenize, string model, string content, CancellationToken cancellationToken)
    {
        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("content", content);
            json.WriteString("model", model);
            json.WriteBoolean("add_special", false);
            json.WriteEndObject();
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, tokenize) { Content = new ByteArrayContent(body.ToArray()) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode) return null;
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("tokens", out var tokens) && tokens.ValueKind == JsonValueKind.Array
                ? tokens.GetArrayLength()
                : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or IOException)
        {
            return null;
        }
    }
}
