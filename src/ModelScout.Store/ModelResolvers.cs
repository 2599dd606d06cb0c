namespace ModelScout.Store;

/// <summary>Resolvers beyond the store itself.</summary>
public static class ModelResolvers
{
    /// <summary>
    /// Names from the store first; otherwise a path to an existing GGUF file (<c>scout run ./model.gguf</c>) is used as it is,
    /// unhashed, with no defaults. The engine validates the file before llama.cpp opens it.
    /// </summary>
    public static IModelResolver StoreThenFile(IModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new StoreThenFileResolver(store);
    }

    private sealed class StoreThenFileResolver(IModelStore store) : IModelResolver
    {
        public ResolvedModel Resolve(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            StoreException? fromStore = null;
            if (ModelName.TryParse(name, out _) is not null)
            {
                try
                {
                    return store.Resolve(name);
                }
                catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
                {
                    fromStore = e;
                }
            }
            if (File.Exists(name))
            {
                var path = Path.GetFullPath(name);
                return new ResolvedModel { Name = path, GgufPath = path, ModifiedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero) };
            }
            throw fromStore ?? new StoreException(StoreErrorKind.NotFound,
                $"'{name}' is neither a stored model nor a GGUF file; give the path of a .gguf file, or a model name (`scout list` shows them)") { Param = "model" };
        }
    }
}
