using System.Reflection;

namespace ModelScout.Server.Hosting;

/// <summary>
/// How scout serve names itself. <c>/api/version</c>'s <c>version</c> stays the Ollama API level (clients gate features on
/// it); <c>server</c> and <c>modelscout_version</c> there, and the <c>Server</c> header on every response, tell a client
/// that it is ModelScout.
/// </summary>
public static class ServerIdentity
{
    /// <summary>The <c>server</c> field of <c>/api/version</c>.</summary>
    public const string Name = "modelscout";

    /// <summary>ModelScout's own version (the assembly's informational version without its source-revision suffix).</summary>
    public static string Version { get; } = OwnVersion();

    /// <summary>The <c>Server</c> response header: <c>modelscout/0.1.0</c>.</summary>
    public static string Header { get; } = Name + "/" + Version;

    private static string OwnVersion()
    {
        var informational = typeof(ServerIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational)) return typeof(ServerIdentity).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
