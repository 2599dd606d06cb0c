using ModelScout.Inference.Engine;

namespace ModelScout.Cli.Chat;

/// <summary>
/// Resolves a model name that is a path to a GGUF file. Until the model store resolves names, this is what lets
/// <c>scout run ./model.gguf</c> work; chained after the store it keeps bare paths working.
/// </summary>
internal sealed class GgufFileResolver : IModelResolver
{
    public ResolvedModel Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string full;
        try
        {
            full = Path.GetFullPath(name);
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            throw NotFound(name);
        }
        if (Directory.Exists(full))
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"{name} is a directory; give the path of the .gguf file inside it");
        if (!File.Exists(full)) throw NotFound(name);
        // A loose file is named by its full path so the same file reached by two relative paths is one loaded model.
        return new ResolvedModel { Name = full, GgufPath = full, ModifiedAt = File.GetLastWriteTimeUtc(full) };
    }

    private static InferenceException NotFound(string name) => new(InferenceErrorKind.ModelNotFound,
        $"no model '{name}': there is no such file. Give the path of a .gguf file (`scout inspect FILE` checks one), or get the model with `scout pull {name}` / `scout import FILE {name}`");
}
