using System.Runtime.InteropServices;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests;

/// <summary>SCOUT_LLAMA_LIBRARY's checks: each wrong library is a LibraryIncompatible error that says what to do, never a crash.</summary>
public sealed class LlamaLibraryTests
{
    /// <summary>The bundled libllama this process loaded (through the engine's own runtime, as every test does).</summary>
    private static string Bundled()
    {
        LlamaTestRuntime.EnsureConfigured();
        var path = LlamaRuntime.Library!.Path;
        Assert.True(File.Exists(path), $"the runtime reports {path}, which is not a file");
        return path;
    }

    private static InferenceException Refused(string path, IReadOnlyList<string>? required = null)
    {
        var e = Assert.Throws<InferenceException>(() => LlamaLibrary.Check(path, required));
        Assert.Equal(InferenceErrorKind.LibraryIncompatible, e.Kind);
        return e;
    }

    [Fact]
    public void A_missing_path_says_there_is_no_file_and_how_to_go_back_to_the_bundled_build()
    {
        var path = Path.Combine(Path.GetTempPath(), "scout-no-such-dir", "libllama.so");
        var e = Refused(path);
        Assert.Contains($"there is no file {path}", e.Message, StringComparison.Ordinal);
        Assert.Contains("unset it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_shared_library_is_refused_before_the_loader_sees_it()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("scout-lib-").FullName, LlamaLibrary.LlamaFileName);
        File.WriteAllText(path, "#!/bin/sh\necho this is a script, not llama.cpp\n");
        var e = Refused(path);
        Assert.Contains("is not a shared library", e.Message, StringComparison.Ordinal);
        Assert.Contains(LlamaLibrary.BoundTag, e.Message, StringComparison.Ordinal);
    }

    [LinuxSharedLibraryFact("libz.so.1")]
    public void A_real_shared_library_without_llamas_functions_is_named_by_the_first_missing_ones()
    {
        var e = Refused(LinuxSharedLibraryFactAttribute.Find("libz.so.1")!);
        Assert.Contains("does not export llama_backend_init, llama_print_system_info", e.Message, StringComparison.Ordinal);
        Assert.Contains("LLamaSharp 0.30", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bundled_build_passes_the_check_and_reports_its_backend_and_commit()
    {
        var info = LlamaLibrary.Check(Bundled());
        Assert.False(info.Bundled);
        Assert.False(info.GpuOffload);
        Assert.Equal("CPU only", info.Backend);
        Assert.Contains("CPU :", info.SystemInfo, StringComparison.Ordinal);
        // The bundled build says which llama.cpp commit it is; docs/gpu.md tells users to build that one.
        Assert.True(info.IsBoundCommit, $"ggml_commit() = {info.GgmlCommit}, expected a prefix of {LlamaLibrary.BoundCommit}");
    }

    [Fact]
    public void A_folder_stands_for_the_libllama_inside_it()
    {
        var bundled = Bundled();
        Assert.Equal(bundled, LlamaLibrary.Check(Path.GetDirectoryName(bundled)!).Path);
    }

    [Fact]
    public void A_missing_symbol_is_named_in_the_error()
    {
        var e = Refused(Bundled(), ["llama_decode", "llama_function_from_another_commit"]);
        Assert.Contains("does not export llama_function_from_another_commit,", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("llama_decode,", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_required_symbol_is_exported_by_the_bundled_build()
    {
        var handle = NativeLibrary.Load(Bundled());
        Assert.All(LlamaLibrary.RequiredSymbols, s => Assert.True(NativeLibrary.TryGetExport(handle, s, out _), s));
    }

    [LinuxSharedLibraryFact("libc.so.6")]
    public void Once_loaded_the_process_keeps_its_library_and_refuses_another()
    {
        var bundled = Bundled();
        Assert.Equal(bundled, LlamaRuntime.EnsureInitialized(null, bundled).Path);
        // A good library under another name is not the one this process loaded. A hard link (same file, new path) passes
        // the checks without mapping a second llama.cpp into this process: the dynamic loader sees the same file.
        var dir = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(bundled)!)!, $"link-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var link = Path.Combine(dir, Path.GetFileName(bundled));
        using (var ln = System.Diagnostics.Process.Start("ln", [bundled, link])!) ln.WaitForExit();
        try
        {
            Assert.True(File.Exists(link), $"ln {bundled} {link} failed");
            var e = Assert.Throws<InferenceException>(() => LlamaRuntime.EnsureInitialized(null, link));
            Assert.Equal(InferenceErrorKind.LibraryIncompatible, e.Kind);
            Assert.Contains($"already loaded llama.cpp from {bundled}", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        // A bad one is refused for what it is.
        var missing = Assert.Throws<InferenceException>(() => LlamaRuntime.EnsureInitialized(null, Path.Combine(dir, "nothing", "libllama.so")));
        Assert.Contains("there is no file", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_library_in_the_settings_stops_the_host_before_anything_loads()
    {
        var e = Assert.Throws<InferenceException>(() => new ModelHost(ModelResolvers.StoreThenFile(new ModelStore(Path.GetTempPath())),
            new EngineSettings { Threads = 1, LlamaLibrary = Path.Combine(Path.GetTempPath(), "scout-none", "libllama.so") }));
        Assert.Equal(InferenceErrorKind.LibraryIncompatible, e.Kind);
    }

    private static byte[] Elf(ushort type, ushort machine, byte elfClass = 2)
    {
        var h = new byte[64];
        h[0] = 0x7F; h[1] = (byte)'E'; h[2] = (byte)'L'; h[3] = (byte)'F'; h[4] = elfClass; h[5] = 1;
        BitConverter.TryWriteBytes(h.AsSpan(16), type);
        BitConverter.TryWriteBytes(h.AsSpan(18), machine);
        return h;
    }

    [Fact]
    public void Headers_tell_the_system_the_processor_and_the_kind_of_file()
    {
        const LlamaLibrary.BinaryFormat elf = LlamaLibrary.BinaryFormat.Elf;
        Assert.Null(LlamaLibrary.HeaderProblem(Elf(3, 62), elf, Architecture.X64));
        Assert.Equal("is built for arm64, but this process runs on x64", LlamaLibrary.HeaderProblem(Elf(3, 183), elf, Architecture.X64));
        Assert.Equal("is an ELF file but not a shared library (ET_DYN)", LlamaLibrary.HeaderProblem(Elf(2, 62), elf, Architecture.X64));
        var pe = new byte[64];
        pe[0] = (byte)'M'; pe[1] = (byte)'Z'; pe[60] = 0x80;
        Assert.Equal("is a Windows (PE) file, but this is Linux (ELF)'s system", LlamaLibrary.HeaderProblem(pe, elf, Architecture.X64));
        Assert.Null(LlamaLibrary.HeaderProblem(pe, LlamaLibrary.BinaryFormat.Pe, Architecture.X64));
        var macho = new byte[64];
        BitConverter.TryWriteBytes(macho.AsSpan(0), 0xFEEDFACFu);
        BitConverter.TryWriteBytes(macho.AsSpan(4), 0x0100000Cu);
        Assert.Null(LlamaLibrary.HeaderProblem(macho, LlamaLibrary.BinaryFormat.MachO, Architecture.Arm64));
        Assert.Equal("is built for arm64, but this process runs on x64", LlamaLibrary.HeaderProblem(macho, LlamaLibrary.BinaryFormat.MachO, Architecture.X64));
        Assert.Equal("is not a shared library (no ELF, PE or Mach-O header)", LlamaLibrary.HeaderProblem("GGUF"u8, elf, Architecture.X64));
    }
}

/// <summary>GPU layers: the fit planner's placement when asked for auto, the number when given, 0 without a GPU backend.</summary>
public sealed class GpuOffloadTests
{
    private static FileModel Stories() =>
        FileModel.From(GgufReader.ReadFile(RepoPaths.Model("stories260K.gguf")), ModelScout.Core.Catalog.Catalog.Embedded, "stories");

    private static Machine Cpu => new() { Name = "cpu", Ram = new MemoryInfo(16L << 30, 12L << 30) };

    private static Machine Rtx24 => Cpu with
    {
        Name = "24 GB GPU",
        Gpus = [new GpuDevice { Name = "NVIDIA GeForce RTX 4090", Vendor = GpuVendor.Nvidia, Backend = "cuda", TotalBytes = 24L << 30, FreeBytes = 23L << 30 }],
    };

    [Fact]
    public void Auto_on_a_machine_without_a_gpu_is_zero_layers_and_zero_vram()
    {
        var plan = GpuOffload.Plan(Stories(), 2048, 1, 512, Cpu, requested: null, libraryOffloads: true);
        Assert.Equal(0, plan.GpuLayers);
        Assert.Equal(0, plan.GpuBytes);
        Assert.True(plan.TotalBytes > 0);
        Assert.Equal("no GPU detected", plan.Why);
    }

    [Fact]
    public void Auto_on_a_24_GB_gpu_is_the_fit_planners_placement_for_the_file()
    {
        var file = Stories();
        var plan = GpuOffload.Plan(file, 2048, 4, 512, Rtx24, requested: null, libraryOffloads: true);
        var planner = new FitPlanner(ModelScout.Core.Catalog.Catalog.Embedded).PlanFile(file, Rtx24,
            new FitOptions(2048, ModelScout.Core.Memory.KvSettings.Default with { Sequences = 4, Ubatch = 512 })).Best!;
        Assert.Equal(FitKind.FullGpu, planner.Kind);
        Assert.Equal(planner.Memory.GpuLayers, plan.GpuLayers);
        Assert.Equal(file.Entry.Architecture!.Layers + 1, plan.GpuLayers);
        Assert.Equal(planner.Memory.Gpus.Sum(g => g.Total), plan.GpuBytes);
        Assert.True(plan.GpuBytes > 0);
        Assert.Equal("fit planner", plan.Why);
    }

    [Fact]
    public void An_explicit_count_wins_over_the_planner()
    {
        var plan = GpuOffload.Plan(Stories(), 2048, 1, 512, Rtx24, requested: 2, libraryOffloads: true);
        Assert.Equal(2, plan.GpuLayers);
        Assert.True(plan.GpuBytes > 0);
        Assert.Equal(0, GpuOffload.Plan(Stories(), 2048, 1, 512, Rtx24, requested: 0, libraryOffloads: true).GpuLayers);
    }

    [Fact]
    public void A_library_without_a_gpu_backend_offloads_nothing_whatever_was_asked()
    {
        foreach (var asked in new int?[] { null, 3 })
        {
            var plan = GpuOffload.Plan(Stories(), 2048, 1, 512, Rtx24, asked, libraryOffloads: false);
            Assert.Equal(0, plan.GpuLayers);
            Assert.Equal(0, plan.GpuBytes);
        }
    }

    [Fact]
    public async Task The_bundled_cpu_build_reports_zero_gpu_layers_and_vram_even_on_a_described_gpu_machine()
    {
        LlamaTestRuntime.EnsureConfigured();
        await using var host = ModelHostTests.Host(new EngineSettings { Threads = 1, Parallel = 1, Hardware = Rtx24 });
        var info = await host.LoadAsync("stories", new ModelOptions { NumCtx = 64, NumGpu = 4 });
        Assert.Equal(0, info.GpuLayers);
        Assert.Equal(0, info.GpuBytes);
        Assert.True(info.TotalLayers > 0);
        Assert.False(host.Library.GpuOffload);
        // Another num_gpu changes nothing on a CPU build, so the loaded model is kept (no reload).
        Assert.Equal(TimeSpan.Zero, (await host.LoadAsync("stories", new ModelOptions { NumCtx = 64, NumGpu = 8 })).LoadDuration);
    }

    [Fact]
    public void Num_gpu_is_read_from_request_options_and_checked()
    {
        using var ok = System.Text.Json.JsonDocument.Parse("""{"num_gpu": 12}""");
        Assert.Equal(12, ModelOptions.FromJson(ok.RootElement).NumGpu);
        using var bad = System.Text.Json.JsonDocument.Parse("""{"num_gpu": -5}""");
        var e = Assert.Throws<InvalidRequestException>(() => ModelOptions.FromJson(bad.RootElement));
        Assert.Equal("num_gpu", e.Param);
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("-1", null)]
    [InlineData("0", 0)]
    [InlineData("33", 33)]
    public void Gpu_layers_setting_is_auto_or_a_count(string text, int? expected) =>
        Assert.Equal(expected, EngineSettings.FromEnvironment(n => n == "SCOUT_GPU_LAYERS" ? text : null).GpuLayers);

    [Fact]
    public void The_library_setting_comes_through_engine_settings()
    {
        Assert.Equal("/opt/llama/libllama.so", EngineSettings.FromEnvironment(n => n == "SCOUT_LLAMA_LIBRARY" ? "/opt/llama/libllama.so" : null).LlamaLibrary);
        Assert.Throws<ArgumentException>(() => EngineSettings.FromEnvironment(n => n == "SCOUT_GPU_LAYERS" ? "most" : null));
    }
}

/// <summary>Runs on Linux where a system shared library of that name is found; a named skip elsewhere.</summary>
public sealed class LinuxSharedLibraryFactAttribute : FactAttribute
{
    public LinuxSharedLibraryFactAttribute(string name)
    {
        if (!OperatingSystem.IsLinux()) Skip = "reads a Linux system library";
        else if (Find(name) is null) Skip = $"no {name} in the usual library folders of this machine";
    }

    public static string? Find(string name) =>
        new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib" }
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
