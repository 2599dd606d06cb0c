namespace ModelScout.ServeBench;

/// <summary>One run's knobs, the same for every part so the ratios compare like with like.</summary>
internal sealed record BenchSettings
{
    public int Threads { get; init; } = 1;
    public int Context { get; init; } = 2048;
    /// <summary>Timed repetitions per figure (after one untimed warm-up); figures are their median.</summary>
    public int Runs { get; init; } = 5;
    /// <summary>Tokens generated per single-stream run.</summary>
    public int GenerateTokens { get; init; } = 256;
    public int TtftRuns { get; init; } = 20;
    public int Streams { get; init; } = 4;

    /// <summary>BOS + "Once upon a time" in stories260K's vocabulary (what llama.cpp's tokenizer gives).</summary>
    public static int[] GreedyPrompt { get; } = [1, 403, 407, 261, 378];

    public static int[] GreedyExpected { get; } = [432, 383, 286, 261, 376, 298, 315, 421, 395, 317];

    /// <summary>BOS and then a fixed spread of ids from the 512-token vocabulary; bench/serve-peer/measure.mjs builds the same.</summary>
    public static int[] PromptOf(int length) => [1, .. Enumerable.Range(0, length - 1).Select(i => 3 + i * 37 % 509)];
}
