using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelScout.Cli.Output;
using ModelScout.Contracts;
using ModelScout.Contracts.Ollama;
using ModelScout.Server.Hosting;

namespace ModelScout.Cli.Commands;

/// <summary>scout ps: the models a running <c>scout serve</c> (or Ollama) holds, with where their layers are, from GET /api/ps.</summary>
internal sealed class PsCommand : ICommandBuilder
{
    private readonly Option<string?> host = new("--host") { Description = "The server to ask: HOST:PORT, :PORT or http://HOST:PORT (default 127.0.0.1:11434; SCOUT_HOST)", HelpName = "HOST:PORT" };

    public Command Build(CommonOptions o) => new("ps", "List the models a running scout serve has loaded: memory, CPU/GPU split, GPU layers, context, and when each unloads (GET /api/ps).") { host };

    public int Run(CommandContext ctx)
    {
        var settings = ServerSettings.FromEnvironment(ctx.Settings.Environment);
        if (ctx.Parse.GetValue(host) is { } h)
        {
            var (name, port) = HostAddress.Parse(h, "--host");
            settings = settings with { Host = name, Port = port };
        }
        var url = new Uri(settings.DisplayUrl + "/api/ps");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (settings.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        string body;
        try
        {
            using var response = http.Send(request);
            body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new CliException($"{url} answered {(int)response.StatusCode}: {Shorten(body)}", ExitCodes.Error);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new CliException($"no server answered at {settings.DisplayUrl} ({e.Message}); start one with `scout serve`, or name it with --host or {ScoutVariables.Host.Name}", ExitCodes.Error);
        }
        ModelListResponse list;
        try
        {
            list = JsonSerializer.Deserialize(body, WireJsonContext.Wire.ModelListResponse) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CliException($"{url} did not answer with an /api/ps document ({e.Message})", ExitCodes.Error);
        }
        if (ctx.Json)
        {
            ctx.Stdout.WriteLine(JsonSerializer.Serialize(list, WireJsonContext.Wire.ModelListResponse));
            return ExitCodes.Ok;
        }
        if (list.Models.Count == 0)
        {
            ctx.Human.MarkupLine($"No models loaded at {Format.Esc(settings.DisplayUrl)}; a request loads one (or `curl {Format.Esc(settings.DisplayUrl)}/api/generate -d '{{\"model\":\"NAME\"}}'`).");
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("Name", "Size", "Processor", "GPU layers", "VRAM", "Context", "Until");
        foreach (var m in list.Models)
        {
            table.AddRow(Format.Esc(m.Name), Format.Bytes(m.Size), Processor(m.Size, m.SizeVram ?? 0),
                m.GpuLayers is { } g ? (m.TotalLayers is > 0 and var t ? $"{g}/{t}" : g.ToString(CultureInfo.InvariantCulture)) : "-",
                Format.Bytes(m.SizeVram ?? 0), m.ContextLength?.ToString(CultureInfo.InvariantCulture) ?? "-", Format.Esc(m.ExpiresAt ?? "-"));
        }
        ctx.Human.Write(table);
        return ExitCodes.Ok;
    }

    /// <summary>Ollama's PROCESSOR column: "100% CPU", "100% GPU", or "23%/77% CPU/GPU".</summary>
    internal static string Processor(long size, long vram)
    {
        if (size <= 0 || vram <= 0) return "100% CPU";
        if (vram >= size) return "100% GPU";
        var gpu = (int)Math.Round(100.0 * vram / size);
        return string.Create(CultureInfo.InvariantCulture, $"{100 - gpu}%/{gpu}% CPU/GPU");
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "...";
}
