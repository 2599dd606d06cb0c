using ModelScout.Inference.Store;

namespace ModelScout.Cli;

/// <summary>Where the CLI's commands find the model store.</summary>
internal static class ModelStoreLocation
{
    /// <summary>The store at <paramref name="directory"/> (default: SCOUT_MODELS, else the store's own default).</summary>
    public static IModelStore Open(string? directory) =>
        // ModelStore (the on-disk implementation) is being written in parallel; this is the one line to switch to
        // `new ModelStore(directory ?? ModelStore.DefaultRoot())` when it lands.
        throw new CliException("this build has no on-disk model store yet (ModelStore arrives with scout import/pull), so scout serve cannot resolve model names.", ExitCodes.Error);
}
