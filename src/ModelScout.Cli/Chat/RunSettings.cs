using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Cli.Chat;

/// <summary>What a <c>scout run</c> session sends with every request; the REPL's <c>/set</c> commands change it.</summary>
internal sealed record RunSettings
{
    /// <summary>The name requests carry (the resolved model's canonical name).</summary>
    public required string Model { get; init; }

    /// <summary>Options the user set (flags, <c>/set parameter</c>); the model's own defaults fill the rest.</summary>
    public ModelOptions Options { get; init; } = new();

    public string? System { get; init; }

    public OutputConstraint? Format { get; init; }

    public TimeSpan? KeepAlive { get; init; }

    /// <summary>Print timings after each answer.</summary>
    public bool Verbose { get; init; }

    /// <summary>Functions offered to the model (<c>--tools FILE</c>); the calls it makes are printed, not run.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    public ToolChoice ToolChoice { get; init; } = ToolChoice.Auto;

    /// <summary>Reasoning on, off or at a level (<c>--think</c>, <c>/set think</c>); null leaves it to the model.</summary>
    public ThinkSetting? Think { get; init; }

    /// <summary>Keep the reasoning out of the terminal (<c>--hidethinking</c>).</summary>
    public bool HideThinking { get; init; }

    /// <summary>
    /// A request with these settings: a chat turn (<paramref name="messages"/>, which carry the system message as their first
    /// turn) or a one-shot <paramref name="prompt"/> (which leaves it to the request).
    /// </summary>
    public GenerationRequest Request(IReadOnlyList<ChatTurn>? messages = null, string? prompt = null) => new()
    {
        Model = Model,
        Messages = messages,
        Prompt = prompt,
        System = messages is null ? System : null,
        Options = Options,
        Format = Format,
        KeepAlive = KeepAlive,
        Tools = Tools,
        ToolChoice = ToolChoice,
        Think = Think,
    };
}
