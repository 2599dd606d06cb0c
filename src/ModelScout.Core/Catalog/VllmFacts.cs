namespace ModelScout.Core.Catalog;

// Properties with defaults have setters: the JSON source generator would overwrite init-only defaults with null when a key is absent.
#pragma warning disable CA2227, CA1002

/// <summary>A GPU's serving facts: dense tensor-core throughput and the link between GPUs of one node.</summary>
public sealed record GpuServing
{
    /// <summary>True when GPUs of a node talk over NVLink/NVSwitch (or AMD Infinity Fabric) rather than PCIe.</summary>
    public bool Nvlink { get; init; }
    /// <summary>GPU-to-GPU bandwidth in GB/s (NVLink, or PCIe x16 without it).</summary>
    public double InterconnectGBps { get; init; }
    /// <summary>Dense BF16 tensor-core TFLOPS (no sparsity).</summary>
    public double Bf16Tflops { get; init; }
    /// <summary>Dense FP8 TFLOPS; null where the card has no FP8 tensor cores (A100 and older).</summary>
    public double? Fp8Tflops { get; init; }
    /// <summary>The total CUDA reports (what vLLM multiplies by the utilization), when measured.</summary>
    public double? CudaVisibleGiB { get; init; }
    public string? Source { get; init; }
}

/// <summary>vLLM's memory rule and the facts the serving planner uses (the catalog's "vllm" section).</summary>
public sealed record VllmFacts
{
    public string Version { get; set; } = "";
    public double DefaultUtilization { get; set; } = 0.9;
    public int DefaultBlockSize { get; set; } = 16;
    public string? Source { get; init; }
    public VllmActivation Activation { get; set; } = new();
    public List<NonTorchPoint> NonTorchGiB { get; set; } = [];
    public string? NonTorchSource { get; init; }
    public double CudaVisibleShare { get; set; } = 1;
    public string? CudaVisibleSource { get; init; }
    public NumberRange? GraphCaptureGiB { get; init; }
    public NumberRange DecodeEfficiency { get; set; } = new(0.6, 0.75);
    public NumberRange PrefillEfficiency { get; set; } = new(0.35, 0.55);
    public LinkLatency TensorParallelLinkLatencyUs { get; set; } = new();
    public double InterNodeGBps { get; set; } = 50;
    public string? InterNodeSource { get; init; }
    public int MaxNumSeqs { get; set; } = 256;
    public string? MaxNumSeqsSource { get; init; }
    public double Int4BytesPerWeight { get; set; } = 0.5625;
    public string? Int4Source { get; init; }
    public string? Fp8Source { get; init; }
    public List<ServingCheckpoint> Checkpoints { get; set; } = [];
}

/// <summary>Peak activation during vLLM's profiling run ("torch peak memory increase").</summary>
public sealed record VllmActivation
{
    /// <summary>Dense text models: GiB per vocabulary entry (the sampler's logits dominate the peak).</summary>
    public double DenseGiBPerVocabEntry { get; init; }
    public double MoeGiB { get; init; }
    public double MultimodalGiB { get; init; }
    public string? Source { get; init; }
}

/// <summary>Memory outside PyTorch's allocator (CUDA context, NCCL buffers) at a tensor-parallel size.</summary>
public sealed record NonTorchPoint(int TensorParallel, double Gib);

/// <summary>Latency of one all-reduce in a decode step.</summary>
public sealed record LinkLatency
{
    public double Nvlink { get; set; } = 8;
    public double Pcie { get; set; } = 30;
    public string? Source { get; init; }
}

/// <summary>A published quantized checkpoint of a catalog model that vLLM serves.</summary>
/// <param name="Model">Catalog model id.</param>
/// <param name="Precision">fp8, awq or gptq.</param>
/// <param name="Repo">Hugging Face repository.</param>
public sealed record ServingCheckpoint(string Model, string Precision, string Repo)
{
    public string? Source { get; init; }
}
#pragma warning restore CA2227, CA1002
