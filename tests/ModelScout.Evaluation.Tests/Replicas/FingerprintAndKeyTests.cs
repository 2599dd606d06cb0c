using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Replicas;

public sealed class FingerprintAndKeyTests : IDisposable
{
    private readonly TempDb db = new();

    public void Dispose() => db.Dispose();

    private static EndpointInfo Info(string uri, string? digest = null, string? quant = null, string? root = null, long? len = null, string? path = null) =>
        new(new Uri(uri), "m", ["m"], "vllm", "0.11", 0, digest, quant, path, root, len);

    [Fact]
    public void Replicas_with_the_same_digest_match_and_a_different_digest_or_quantization_is_named()
    {
        var a = ModelFingerprint.Of(Info("http://a/v1", "sha256:aa", "Q4_K_M"));
        Assert.Empty(a.Differences(ModelFingerprint.Of(Info("http://b/v1", "sha256:aa", "Q4_K_M"))));
        Assert.True(a.Strong);
        var other = a.Differences(ModelFingerprint.Of(Info("http://b/v1", "sha256:bb", "Q8_0")));
        Assert.Equal(2, other.Count);
        Assert.Contains("digest sha256:aa vs sha256:bb", other);
        // A replica that cannot say which weights it has is not proven the same as one that can.
        Assert.Single(a.Differences(ModelFingerprint.Of(Info("http://b/v1", null, "Q4_K_M"))));
    }

    [Fact]
    public void An_openai_only_server_is_fingerprinted_by_what_its_model_list_says()
    {
        var a = ModelFingerprint.Of(Info("http://a/v1", root: "Qwen/Qwen3-8B", len: 32768));
        Assert.False(a.Strong);
        Assert.Empty(a.Differences(ModelFingerprint.Of(Info("http://b/v1", root: "Qwen/Qwen3-8B", len: 32768))));
        Assert.Contains("root Qwen/Qwen3-8B vs Qwen/Qwen3-8B-FP8", a.Differences(ModelFingerprint.Of(Info("http://b/v1", root: "Qwen/Qwen3-8B-FP8", len: 32768))));
        Assert.Single(a.Differences(ModelFingerprint.Of(Info("http://b/v1", root: "Qwen/Qwen3-8B", len: 8192))));
        // llama.cpp names its file; the folder it sits in may differ between machines.
        var l = ModelFingerprint.Of(Info("http://a/v1", path: "/models/x/qwen3-8b-q4_k_m.gguf"));
        Assert.Empty(l.Differences(ModelFingerprint.Of(Info("http://b/v1", path: "/srv/qwen3-8b-q4_k_m.gguf"))));
        Assert.NotEmpty(l.Differences(ModelFingerprint.Of(Info("http://b/v1", path: "/srv/qwen3-8b-q8_0.gguf"))));
    }

    [Fact]
    public void A_replica_run_continues_from_another_set_of_endpoints_but_never_with_other_weights()
    {
        using var store = EvalStore.Open(db.Path);
        var key = RunKey.ForReplicas("m", "sha256:aa", "Q4_K_M");
        var first = store.OpenRun("run", key, new ReproducibilityRecord { Endpoints = ["http://a/v1", "http://b/v1"] });
        // Another set (the key holds no URL), and one endpoint alone with --run NAME.
        Assert.Equal(first.Id, store.OpenRun("run", RunKey.ForReplicas("m", "sha256:aa", "Q4_K_M"), new ReproducibilityRecord()).Id);
        Assert.Equal(first.Id, store.OpenRun("run", RunKey.ForEndpoint(new Uri("http://c/v1"), "m", "sha256:aa", "Q4_K_M"), new ReproducibilityRecord()).Id);
        Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("run", RunKey.ForReplicas("m", "sha256:bb", "Q4_K_M"), new ReproducibilityRecord()));
        Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("run", RunKey.ForLocal("m", "sha256:aa", "Q4_K_M"), new ReproducibilityRecord()));
        // Two single-endpoint runs still tell their endpoints apart.
        store.OpenRun("single", RunKey.ForEndpoint(new Uri("http://a/v1"), "m", null, null), new ReproducibilityRecord());
        Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("single", RunKey.ForEndpoint(new Uri("http://b/v1"), "m", null, null), new ReproducibilityRecord()));
    }
}
