using ModelScout.Cli.Framework;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

public class InspectTests
{
    private static string Stable(string output, string path) => output.Replace(path, "<FILE>", StringComparison.Ordinal);

    [Fact]
    public void Inspect_of_a_real_file_matches_its_snapshot()
    {
        // A fixed path keeps the rendered command lines (and so their wrapping) the same on every checkout.
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "scout-inspect-snapshot"));
        var path = Path.Combine(dir.FullName, "stories260K.gguf");
        File.Copy(RepoPaths.Model("stories260K.gguf"), path, overwrite: true);
        var run = Scout.Run("inspect", path, "--profile", "cpu-32gb");
        Assert.Equal(0, run.ExitCode);
        Snapshot.Match("inspect-stories260k.txt", Stable(run.Stdout, path));
    }

    [Fact]
    public void Inspect_json_reports_the_header_the_shape_and_an_exact_plan()
    {
        var path = RepoPaths.Model("stories260K.gguf");
        var run = Scout.Run("inspect", path, "--json", "--tensors", "--metadata", "--cpu-only", "--ram", "8");
        Assert.Equal(0, run.ExitCode);
        var doc = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("modelscout/inspect/v1", doc.GetProperty("schema").GetString());
        Assert.Equal(292_800, doc.GetProperty("parameters").GetInt64());
        Assert.Equal(5, doc.GetProperty("hyper").GetProperty("blockCount").GetInt32());
        Assert.Equal(512, doc.GetProperty("tokenizer").GetProperty("vocabulary").GetInt32());
        Assert.Equal(48, doc.GetProperty("tensors").GetArrayLength());
        Assert.Equal(19, doc.GetProperty("metadata").GetArrayLength());
        var plan = doc.GetProperty("plan");
        Assert.True(plan.GetProperty("fits").GetBoolean());
        Assert.Equal(doc.GetProperty("tensorBytes").GetInt64(), plan.GetProperty("best").GetProperty("memory").GetProperty("host").GetProperty("weightsBytes").GetInt64());
        Assert.Equal(2048, doc.GetProperty("context").GetInt64());
    }

    [Fact]
    public void Validate_exits_5_bad_input_with_the_byte_and_the_field_for_a_truncated_file()
    {
        var bytes = File.ReadAllBytes(RepoPaths.Model("stories260K.gguf"));
        var path = Path.Combine(Path.GetTempPath(), $"scout-cut-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(path, bytes.AsSpan(0, 5000).ToArray());
        try
        {
            var run = Scout.Run("inspect", "--validate", path);
            Assert.Equal(ExitCodes.BadInput, run.ExitCode);
            Assert.Contains("at byte 4996", run.Stderr, StringComparison.Ordinal);
            Assert.Contains("tokenizer.ggml.tokens", run.Stderr, StringComparison.Ordinal);
            Assert.Equal(0, Scout.Run("inspect", "--validate", RepoPaths.Model("stories260K.gguf")).ExitCode);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_exits_3_and_a_non_gguf_file_exits_5_not_the_does_not_fit_code()
    {
        Assert.Equal(3, Scout.Run("inspect", "/no/such/file.gguf").ExitCode);
        var path = Path.Combine(Path.GetTempPath(), $"scout-html-{Guid.NewGuid():N}.gguf");
        File.WriteAllText(path, "<!DOCTYPE html><html><body>Sign in to download</body></html>");
        try
        {
            var run = Scout.Run("inspect", path);
            Assert.Equal(5, run.ExitCode);
            Assert.NotEqual(ExitCodes.Negative, run.ExitCode);
            Assert.Contains("looks like HTML", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Fit_file_plans_the_file_at_its_own_context()
    {
        var path = RepoPaths.Model("llama-2-tiny-random.gguf");
        var run = Scout.Run("fit", "--file", path, "--json", "--gpu", "RTX 4090");
        Assert.Equal(0, run.ExitCode);
        var doc = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(4096, doc.GetProperty("context").GetInt64());
        var m = doc.GetProperty("models")[0];
        Assert.Equal("full-gpu", m.GetProperty("best").GetProperty("placement").GetString());
        Assert.Contains(m.GetProperty("commands").EnumerateArray(), c => c.GetProperty("command").GetString()!.Contains(path, StringComparison.Ordinal));
    }
}

public sealed class RemoteInspectTests : IAsyncLifetime
{
    private LoopbackHttpServer? server;
    private string baseUrl = "";

    public async Task InitializeAsync()
    {
        var model = RepoPaths.Model("llama-2-tiny-random.gguf");
        server = await LoopbackHttpServer.StartAsync(app =>
            app.MapGet("/models/tiny.gguf", () => Results.File(model, "application/octet-stream", enableRangeProcessing: true)));
        baseUrl = server.BaseUri.AbsoluteUri.TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
    }

    [Fact]
    public void A_URL_is_inspected_from_its_header_alone()
    {
        var run = Scout.Run("inspect", $"{baseUrl}/models/tiny.gguf", "--json", "--cpu-only", "--ram", "8");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var doc = System.Text.Json.JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(32_000, doc.GetProperty("tokenizer").GetProperty("vocabulary").GetInt32());
        var size = doc.GetProperty("fileBytes").GetInt64();
        var downloaded = doc.GetProperty("bytesDownloaded").GetInt64();
        Assert.True(downloaded < size, $"downloaded {downloaded} of {size} bytes");
        Assert.True(doc.GetProperty("plan").GetProperty("fits").GetBoolean());
    }

    [Fact]
    public void A_missing_URL_fails_with_the_status_and_advice()
    {
        var run = Scout.Run("inspect", $"{baseUrl}/models/nope.gguf");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("404", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("/resolve/", run.Stderr, StringComparison.Ordinal);
    }
}
