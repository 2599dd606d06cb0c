using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ModelScout.Engine;

/// <summary>What the engine knows of the llama.cpp library it loaded (or would load).</summary>
/// <param name="Path">The libllama file.</param>
/// <param name="Bundled">True for the CPU build that ships with LLamaSharp.Backend.Cpu, false for SCOUT_LLAMA_LIBRARY.</param>
/// <param name="SystemInfo">llama_print_system_info: the backends and CPU features compiled in.</param>
/// <param name="GpuOffload">llama_supports_gpu_offload: the library has a GPU backend (CUDA, ROCm, Vulkan, Metal ...).</param>
/// <param name="GgmlVersion">ggml_version() of the ggml-base library beside it, when it exports one.</param>
/// <param name="GgmlCommit">ggml_commit(): the llama.cpp commit it was built from, when it exports one.</param>
public sealed record LlamaLibraryInfo(string Path, bool Bundled, string? SystemInfo, bool GpuOffload, string? GgmlVersion, string? GgmlCommit)
{
    /// <summary>The backend in a few words: "GPU offload (CUDA : ...)" or "CPU only".</summary>
    public string Backend => GpuOffload ? "GPU offload" : "CPU only";

    /// <summary>True when the library says it was built from the commit LLamaSharp 0.30 binds (unknown counts as false).</summary>
    public bool IsBoundCommit => GgmlCommit is { Length: >= 7 } c && LlamaLibrary.BoundCommit.StartsWith(c, StringComparison.OrdinalIgnoreCase);

    /// <summary>One line for logs and start-up messages.</summary>
    public string Describe() =>
        $"llama.cpp {(Bundled ? "bundled CPU build" : "library")} {Path} ({Backend}"
        + (GgmlCommit is { } c ? $", built from {c}" : "")
        + (GgmlVersion is { } v ? $", ggml {v}" : "") + ")";
}

/// <summary>
/// Checks a llama.cpp shared library before LLamaSharp loads it, the ways that cannot crash the process: the file is
/// there, its header is a shared library for this operating system and processor, the dynamic loader accepts it (with
/// the ggml libraries it needs), it exports the functions LLamaSharp 0.30 calls, and it answers llama_print_system_info.
/// A library from another llama.cpp commit usually misses some of those functions; one that has them all but changed a
/// structure's layout cannot be told from outside, which is why docs/gpu.md names the exact commit to build.
/// </summary>
public static class LlamaLibrary
{
    /// <summary>The llama.cpp commit LLamaSharp 0.30.0's bindings and bundled libraries are built from (tag b10221).</summary>
    public const string BoundCommit = "815a2a5915f22ce6a760c676389c5dfe8535c08f";

    /// <summary>The llama.cpp release tag of <see cref="BoundCommit"/>.</summary>
    public const string BoundTag = "b10221";

    /// <summary>
    /// Functions LLamaSharp 0.30 binds that the engine calls, plus the newest ones its bindings expect (added or renamed
    /// in the months before b10221: the memory API, the vocab API, llama_set_adapters_lora, the adaptive-p sampler,
    /// llama_n_rs_seq, llama_model_n_embd_out, load modes). A library without one of them is from another commit.
    /// </summary>
    public static IReadOnlyList<string> RequiredSymbols { get; } =
    [
        "llama_backend_init", "llama_print_system_info", "llama_supports_gpu_offload", "llama_max_devices",
        "llama_model_default_params", "llama_context_default_params", "llama_model_load_from_file", "llama_model_free",
        "llama_init_from_model", "llama_free", "llama_model_get_vocab", "llama_vocab_n_tokens", "llama_tokenize",
        "llama_token_to_piece", "llama_chat_apply_template", "llama_batch_init", "llama_decode", "llama_get_logits_ith",
        "llama_get_embeddings_seq", "llama_get_memory", "llama_memory_clear", "llama_memory_seq_rm", "llama_memory_seq_cp",
        "llama_n_ctx_seq", "llama_sampler_chain_init", "llama_sampler_init_grammar_lazy_patterns", "llama_sampler_init_dry",
        "llama_sampler_init_top_n_sigma", "llama_sampler_init_adaptive_p", "llama_set_adapters_lora", "llama_n_rs_seq",
        "llama_model_n_embd_out", "llama_model_n_layer_nextn", "llama_load_mode_name", "llama_max_tensor_buft_overrides",
    ];

    private const string Advice = "build llama.cpp at " + BoundTag + " (commit " + BoundCommit + ") as docs/gpu.md shows, or unset SCOUT_LLAMA_LIBRARY to use the bundled CPU build";

    /// <summary>File names of libllama on this operating system.</summary>
    public static string LlamaFileName =>
        OperatingSystem.IsWindows() ? "llama.dll" : OperatingSystem.IsMacOS() ? "libllama.dylib" : "libllama.so";

    private static string Sibling(string llamaPath, string stem)
    {
        var dir = System.IO.Path.GetDirectoryName(llamaPath) ?? ".";
        var name = OperatingSystem.IsWindows() ? stem + ".dll" : OperatingSystem.IsMacOS() ? "lib" + stem + ".dylib" : "lib" + stem + ".so";
        return System.IO.Path.Combine(dir, name);
    }

    /// <summary>The multimodal library beside libllama, when the build made one.</summary>
    public static string? MtmdBeside(string llamaPath) => Sibling(llamaPath, "mtmd") is var p && File.Exists(p) ? p : null;

    /// <summary>
    /// Checks <paramref name="path"/> (a libllama file, or the folder holding one) and returns what it reports. Every
    /// failure is an <see cref="InferenceException"/> of kind <see cref="InferenceErrorKind.LibraryIncompatible"/> that
    /// says what is wrong and what to do. <paramref name="required"/> replaces <see cref="RequiredSymbols"/> (tests).
    /// </summary>
    public static LlamaLibraryInfo Check(string path, IReadOnlyList<string>? required = null)
    {
        if (string.IsNullOrWhiteSpace(path)) throw Fail("SCOUT_LLAMA_LIBRARY is empty; give the path of " + LlamaFileName + " from your llama.cpp build, or unset it");
        var full = System.IO.Path.GetFullPath(path.Trim());
        if (Directory.Exists(full)) full = System.IO.Path.Combine(full, LlamaFileName);
        if (!File.Exists(full))
            throw Fail($"SCOUT_LLAMA_LIBRARY: there is no file {full}; give the path of {LlamaFileName} from your llama.cpp build (build/bin/{LlamaFileName}), or unset it to use the bundled CPU build");

        var header = new byte[64];
        int read;
        try
        {
            using var f = File.OpenRead(full);
            read = f.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail($"SCOUT_LLAMA_LIBRARY: cannot read {full}: {e.Message}");
        }
        if (HeaderProblem(header.AsSpan(0, read), CurrentFormat(), RuntimeInformation.ProcessArchitecture) is { } problem)
            throw Fail($"SCOUT_LLAMA_LIBRARY: {full} {problem}; {Advice}");

        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(full);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw Fail($"SCOUT_LLAMA_LIBRARY: the loader refused {full}: {e.Message.Trim()}. Its ggml libraries (libggml, libggml-base and the backend ones) must sit beside it, and the GPU runtime (CUDA, ROCm, Vulkan) must be installed");
        }

        var missing = (required ?? RequiredSymbols).Where(s => !NativeLibrary.TryGetExport(handle, s, out _)).ToList();
        if (missing.Count > 0)
        {
            NativeLibrary.Free(handle);
            var names = string.Join(", ", missing.Take(5)) + (missing.Count > 5 ? $" and {missing.Count - 5} more" : "");
            throw Fail($"SCOUT_LLAMA_LIBRARY: {full} does not export {names}, which LLamaSharp 0.30 calls: it is not llama.cpp, or a build from another commit; {Advice}");
        }
        var systemInfo = CallString(handle, "llama_print_system_info");
        var gpu = CallBool(handle, "llama_supports_gpu_offload");
        var (version, commit) = GgmlIdentity(Sibling(full, "ggml-base"));
        return new LlamaLibraryInfo(full, false, systemInfo, gpu, version, commit);
    }

    /// <summary>Facts of an already loaded library handle (the bundled one, after LLamaSharp loaded it).</summary>
    internal static LlamaLibraryInfo Describe(string path, bool bundled)
    {
        if (!NativeLibrary.TryLoad(path, out var handle)) return new LlamaLibraryInfo(path, bundled, null, false, null, null);
        var (version, commit) = GgmlIdentity(Sibling(path, "ggml-base"));
        return new LlamaLibraryInfo(path, bundled, CallString(handle, "llama_print_system_info"), CallBool(handle, "llama_supports_gpu_offload"), version, commit);
    }

    private static (string? Version, string? Commit) GgmlIdentity(string ggmlBase)
    {
        if (!File.Exists(ggmlBase) || !NativeLibrary.TryLoad(ggmlBase, out var handle)) return (null, null);
        return (CallString(handle, "ggml_version"), CallString(handle, "ggml_commit"));
    }

    private static unsafe string? CallString(IntPtr handle, string name)
    {
        if (!NativeLibrary.TryGetExport(handle, name, out var fn)) return null;
        var text = ((delegate* unmanaged<IntPtr>)fn)();
        return text == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(text)?.Trim();
    }

    private static unsafe bool CallBool(IntPtr handle, string name)
    {
        if (!NativeLibrary.TryGetExport(handle, name, out var fn)) return false;
        return ((delegate* unmanaged<byte>)fn)() != 0;
    }

    private static InferenceException Fail(string message) => new(InferenceErrorKind.LibraryIncompatible, message);

    /// <summary>Executable formats a shared library can have.</summary>
    public enum BinaryFormat
    {
        /// <summary>Linux and other Unix: ELF.</summary>
        Elf,
        /// <summary>Windows: PE (MZ).</summary>
        Pe,
        /// <summary>macOS: Mach-O (thin or universal).</summary>
        MachO,
    }

    private static BinaryFormat CurrentFormat() =>
        OperatingSystem.IsWindows() ? BinaryFormat.Pe : OperatingSystem.IsMacOS() ? BinaryFormat.MachO : BinaryFormat.Elf;

    /// <summary>
    /// Why the first bytes of a file are not a shared library this process can load (as "is ..." text), or null when they
    /// are: the format must be the operating system's, and the processor the process's. Reads only the fixed headers.
    /// </summary>
    public static string? HeaderProblem(ReadOnlySpan<byte> header, BinaryFormat expected, Architecture process)
    {
        var (format, arch, kind) = Identify(header);
        if (format is null) return "is not a shared library (no ELF, PE or Mach-O header)";
        if (format != expected) return $"is a {Name(format.Value)} file, but this is {Name(expected)}'s system";
        if (kind is { } k) return k;
        if (arch is null) return null;
        if (arch != process) return $"is built for {arch.Value.ToString().ToLowerInvariant()}, but this process runs on {process.ToString().ToLowerInvariant()}";
        return null;

        static string Name(BinaryFormat f) => f switch { BinaryFormat.Elf => "Linux (ELF)", BinaryFormat.Pe => "Windows (PE)", _ => "macOS (Mach-O)" };
    }

    // Format, processor (null when the header does not name one we know, or a universal binary) and a problem of kind.
    private static (BinaryFormat? Format, Architecture? Arch, string? Problem) Identify(ReadOnlySpan<byte> h)
    {
        if (h.Length >= 20 && h[0] == 0x7F && h[1] == (byte)'E' && h[2] == (byte)'L' && h[3] == (byte)'F')
        {
            var little = h[5] == 1;
            var type = little ? BinaryPrimitives.ReadUInt16LittleEndian(h[16..]) : BinaryPrimitives.ReadUInt16BigEndian(h[16..]);
            var machine = little ? BinaryPrimitives.ReadUInt16LittleEndian(h[18..]) : BinaryPrimitives.ReadUInt16BigEndian(h[18..]);
            if (type != 3) return (BinaryFormat.Elf, null, "is an ELF file but not a shared library (ET_DYN)");
            Architecture? arch = (machine, h[4]) switch
            {
                (62, 2) => Architecture.X64,
                (183, 2) => Architecture.Arm64,
                (3, 1) => Architecture.X86,
                (40, 1) => Architecture.Arm,
                _ => null,
            };
            return arch is null ? (BinaryFormat.Elf, null, $"is an ELF library for machine type {machine} ({(h[4] == 2 ? "64" : "32")}-bit), which this process cannot load") : (BinaryFormat.Elf, arch, null);
        }
        if (h.Length >= 64 && h[0] == (byte)'M' && h[1] == (byte)'Z')
        {
            var pe = BinaryPrimitives.ReadInt32LittleEndian(h[60..]);
            // The PE header lies beyond the 64 bytes read; the DOS stub alone says "Windows" and the loader checks the rest.
            return (BinaryFormat.Pe, null, pe <= 0 ? "is an MZ file without a PE header" : null);
        }
        if (h.Length >= 8)
        {
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
            if (magic == 0xFEEDFACF)
            {
                var cpu = BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
                Architecture? arch = cpu switch { 0x01000007 => Architecture.X64, 0x0100000C => Architecture.Arm64, _ => null };
                return arch is null ? (BinaryFormat.MachO, null, $"is a Mach-O file for CPU type 0x{cpu:x}, which this process cannot load") : (BinaryFormat.MachO, arch, null);
            }
            if (BinaryPrimitives.ReadUInt32BigEndian(h) == 0xCAFEBABE) return (BinaryFormat.MachO, null, null);
        }
        return (null, null, null);
    }
}
