using ModelScout.Engine;
using ModelScout.Store;

namespace ModelScout.Cli.Framework;

/// <summary>What <c>scout run</c> takes from its surroundings: standard input, the engine, and Ctrl-C. Tests replace each.</summary>
/// <param name="Stdin">Where a piped prompt or the REPL's lines come from.</param>
/// <param name="StdinIsTerminal">A terminal means a chat; anything else is read whole as the prompt (like <c>echo hi | ollama run m</c>).</param>
/// <param name="CreateEngine">Builds the in-process engine over a resolver.</param>
/// <param name="OnInterrupt">Subscribes a Ctrl-C handler; disposing the result unsubscribes it.</param>
internal sealed record RunEnvironment(
    TextReader Stdin,
    bool StdinIsTerminal,
    Func<IModelResolver, EngineSettings, IInferenceService> CreateEngine,
    Func<Action, IDisposable> OnInterrupt)
{
    /// <summary>The process's console and llama.cpp through <see cref="ModelHost"/>.</summary>
    public static RunEnvironment FromConsole() => new(Console.In, !Console.IsInputRedirected, (resolver, settings) => new ModelHost(resolver, settings), CtrlC.Subscribe);

    private sealed class CtrlC : IDisposable
    {
        private readonly ConsoleCancelEventHandler handler;

        private CtrlC(Action action)
        {
            // Ctrl-C stops an answer, not the process; a second one at the prompt only prints a hint.
            handler = (_, e) =>
            {
                e.Cancel = true;
                action();
            };
            Console.CancelKeyPress += handler;
        }

        public static CtrlC Subscribe(Action action) => new CtrlC(action);

        public void Dispose() => Console.CancelKeyPress -= handler;
    }
}
