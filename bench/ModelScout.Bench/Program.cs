using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using ModelScout.Bench;

// A short job: one launch, 3 warm-up and 15 measured iterations, each of enough invocations for ~250 ms. The whole
// run takes a minute or two on 2 cores, most of it building the benchmark process.
var job = Job.Default
    .WithStrategy(RunStrategy.Throughput)
    .WithLaunchCount(1)
    .WithWarmupCount(3)
    .WithIterationCount(15)
    .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
    .WithId("short");
var config = DefaultConfig.Instance
    .AddJob(job)
    .AddExporter(JsonExporter.Full)
    .WithArtifactsPath(Path.Combine(Path.GetDirectoryName(BenchFile.Path)!, "bdn"))
    .WithOptions(ConfigOptions.DisableLogFile);
BenchmarkSwitcher.FromAssembly(typeof(GgufHeaderBenchmarks).Assembly).Run(args, config);
