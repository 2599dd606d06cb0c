namespace ModelScout.Hardware.Tests;

/// <summary>A command runner that answers from a table and remembers what it was asked.</summary>
internal sealed class FakeCommandRunner : ICommandRunner
{
    private readonly Dictionary<string, Func<IReadOnlyList<string>, CommandResult>> tools = new(StringComparer.Ordinal);

    public List<(string Executable, IReadOnlyList<string> Arguments, TimeSpan Timeout)> Calls { get; } = [];

    /// <summary>Puts <paramref name="executable"/> on the fake PATH, printing <paramref name="stdout"/>.</summary>
    public FakeCommandRunner With(string executable, string stdout, int exitCode = 0, string stderr = "", bool timedOut = false)
    {
        tools[executable] = _ => new CommandResult(exitCode, stdout, stderr, timedOut);
        return this;
    }

    /// <summary>Puts <paramref name="executable"/> on the fake PATH, answering through <paramref name="answer"/>.</summary>
    public FakeCommandRunner With(string executable, Func<IReadOnlyList<string>, CommandResult> answer)
    {
        tools[executable] = answer;
        return this;
    }

    public CommandResult? Run(string executable, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        Calls.Add((executable, arguments, timeout));
        return tools.TryGetValue(executable, out var answer) ? answer(arguments) : null;
    }

    public int CallsTo(string executable) => Calls.Count(c => c.Executable == executable);
}

/// <summary>An in-memory file system: files by full path; directories are implied by the files below them.</summary>
internal sealed class FakeSystemFiles : ISystemFiles
{
    private readonly Dictionary<string, string> files = new(StringComparer.Ordinal);

    public FakeSystemFiles With(string path, string text)
    {
        files[path] = text;
        return this;
    }

    public string? ReadText(string path) => files.GetValueOrDefault(path);

    public IReadOnlyList<string> ListDirectories(string path)
    {
        var prefix = path.TrimEnd('/') + "/";
        return files.Keys
            .Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && f.IndexOf('/', prefix.Length) > 0)
            .Select(f => f[..f.IndexOf('/', prefix.Length)])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
