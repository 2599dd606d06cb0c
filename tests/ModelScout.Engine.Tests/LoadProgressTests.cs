using Microsoft.Extensions.Logging.Abstractions;
using ModelScout.Store;

namespace ModelScout.Engine.Tests;

/// <summary>llama.cpp's own load progress, as the engine hands it on (the UI's load bar shows it).</summary>
public sealed class LoadProgressTests
{
    /// <summary>Records what llama.cpp reports, on whatever thread it calls back.</summary>
    private sealed class Recorder : IProgress<float>
    {
        private readonly Lock gate = new();
        public List<float> Values { get; } = [];

        public void Report(float value)
        {
            lock (gate) Values.Add(value);
        }
    }

    [Fact]
    public void Loading_stories260K_reports_progress_from_0_to_1_without_going_back()
    {
        LlamaTestRuntime.EnsureConfigured();
        var recorder = new Recorder();
        var resolved = new ResolvedModel { Name = "stories", GgufPath = ModelHostTests.Stories };
        var settings = new EngineSettings { Threads = 1, Parallel = 1 };
        using (LoadedModel.Load(resolved, 256, settings, NullLogger.Instance, progress: recorder))
        {
            var v = recorder.Values;
            Assert.True(v.Count >= 2, $"llama.cpp reported {v.Count} progress value(s): {string.Join(", ", v)}");
            Assert.InRange(v[0], 0f, 0.5f);
            Assert.Equal(1f, v[^1]);
            for (var i = 1; i < v.Count; i++) Assert.True(v[i] >= v[i - 1], $"progress went back from {v[i - 1]} to {v[i]} at report {i}");
        }
    }

    [Fact]
    public async Task The_snapshot_lists_no_load_once_the_load_has_finished()
    {
        await using var host = ModelHostTests.Host();
        await host.LoadAsync("stories", new() { NumCtx = 256 });
        Assert.Empty(host.Snapshot().Loads);
        Assert.False(host.Snapshot().Loading);
    }
}
