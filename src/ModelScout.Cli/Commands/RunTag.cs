using System.Globalization;

namespace ModelScout.Cli.Commands;

/// <summary>
/// The tag <c>scout bench</c> and <c>scout eval</c> put on every request (header <see cref="Header"/>), so that the
/// server-side traces and log lines of one run can be found: <c>scout.run=TAG</c> on scout serve's spans.
/// </summary>
internal static class RunTag
{
    /// <summary>The header; scout serve reads it (ScoutTelemetry.RunHeader).</summary>
    public const string Header = "X-Scout-Run";

    /// <summary>Sets the header on <paramref name="http"/>: SCOUT_RUN_TAG when set, else <paramref name="kind"/> and the start time.</summary>
    public static string Apply(HttpClient http, string kind, Func<ScoutVariable, string?> setting, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(setting);
        var tag = setting(ScoutVariables.RunTag) ?? kind + "-" + now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        http.DefaultRequestHeaders.Remove(Header);
        http.DefaultRequestHeaders.TryAddWithoutValidation(Header, tag);
        return tag;
    }
}
