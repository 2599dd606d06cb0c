using LLama.Native;
using ModelScout.Prompting;

namespace ModelScout.Engine;

/// <summary>
/// Builds one llama.cpp sampler chain per request, in llama.cpp's order: grammar, penalties, top-k, typical, top-p,
/// min-p, temperature, then a seeded draw. Temperature 0 or below is greedy (argmax after grammar and penalties).
/// </summary>
internal static class SamplerFactory
{
    public static SafeLLamaSamplerChainHandle Create(ModelOptions o, string? gbnf, SafeLlamaModelHandle model)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        try
        {
            if (gbnf is not null) chain.AddGrammar(model.Vocab, gbnf, "root");
            var repeat = o.RepeatPenalty ?? 1f;
            var freq = o.FrequencyPenalty ?? 0f;
            var presence = o.PresencePenalty ?? 0f;
            var lastN = o.RepeatLastN ?? 64;
            if (lastN == -1) lastN = o.NumCtx ?? 2048;
            if (lastN != 0 && (repeat != 1f || freq != 0f || presence != 0f)) chain.AddPenalties(lastN, repeat, freq, presence);
            var temperature = o.Temperature ?? 0.8f;
            if (temperature <= 0f)
            {
                chain.AddGreedySampler();
                return chain;
            }
            if (o.TopK is > 0 and var k) chain.AddTopK(k);
            if (o.TypicalP is { } typical and > 0f and < 1f) chain.AddTypical(typical, 1);
            if (o.TopP is { } p and > 0f and < 1f) chain.AddTopP(p, 1);
            if (o.MinP is { } minP and > 0f) chain.AddMinP(minP, 1);
            chain.AddTemperature(temperature);
            var seed = o.Seed is { } s && s >= 0 ? (uint)s : (uint)Random.Shared.Next();
            chain.AddDistributionSampler(seed);
            return chain;
        }
        catch
        {
            chain.Dispose();
            throw;
        }
    }
}
