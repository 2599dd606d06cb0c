using Microsoft.Extensions.AI;
using ModelScout.Engine;
using ModelScout.Engine.ChatClient;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Clients;

namespace ModelScout.Cli.Eval;

/// <summary>
/// The in-process engine as the eval run loop sees an HTTP endpoint: <see cref="LocalChatClient"/> reports
/// log-probabilities as the engine's <see cref="TokenLogprob"/> lists, the run loop reads <see cref="TokenChoice"/> lists
/// under <see cref="ModelReplies.LogprobsKey"/>; this converts one into the other so MMLU's logprob mode scores a local
/// model exactly as it scores a server. A prompt longer than the context fails as a server's would: an
/// <see cref="EndpointException"/> with <see cref="EndpointException.PromptTooLong"/>, so the run loop shortens it.
/// </summary>
internal sealed class LocalLogprobsChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException e) when (e.ContextOverflow)
        {
            throw EndpointException.ContextOverflow(e.Message, e);
        }
        var props = response.AdditionalProperties;
        if (props is not null && props.TryGetValue(LocalChatClient.LogprobsKey, out var value) && value is IReadOnlyList<IReadOnlyList<TokenLogprob>> engine)
            props[ModelReplies.LogprobsKey] = Convert(engine);
        return response;
    }

    internal static IReadOnlyList<IReadOnlyList<TokenChoice>> Convert(IReadOnlyList<IReadOnlyList<TokenLogprob>> engine) =>
        [.. engine.Select(position => (IReadOnlyList<TokenChoice>)[.. position.Select(t => new TokenChoice(t.Text, t.Logprob))])];
}

/// <summary>MMLU's exact log-likelihood mode over <see cref="ModelHost.LogLikelihoodAsync(string, string, IReadOnlyList{string}, CancellationToken)"/>.</summary>
internal sealed class HostLogLikelihood(ModelHost host, string model) : ILogLikelihoodModel
{
    public async Task<IReadOnlyList<double>> ScoreContinuationsAsync(string context, IReadOnlyList<string> continuations, CancellationToken cancellationToken)
    {
        try
        {
            return await host.LogLikelihoodAsync(model, context, continuations, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException e) when (e.ContextOverflow)
        {
            // The suite drops dev examples on this signal, as it does when a server refuses the prompt.
            throw EndpointException.ContextOverflow(e.Message, e);
        }
    }
}
