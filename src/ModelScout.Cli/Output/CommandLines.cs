namespace ModelScout.Cli.Output;

/// <summary>
/// Shell commands in human output. Spectre wraps text at the console width (and inside table cells), which breaks a
/// command that is copied from a pipe or a log; a command is therefore written as a plain line of its own, never
/// wrapped, whatever the width.
/// </summary>
internal static class CommandLines
{
    /// <summary>Writes <paramref name="command"/> on one line after <paramref name="indent"/>, bypassing Spectre's layout.</summary>
    public static void Write(IAnsiConsole console, string command, string indent = "  ")
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(command);
        // Markup has no "do not wrap"; the console's own writer keeps the order with what Spectre wrote before.
        var writer = console.Profile.Out.Writer;
        writer.Write(indent);
        writer.WriteLine(command.ReplaceLineEndings(" "));
    }
}
