using k8s;
using k8s.Models;
using ModelScout.Core.Serving;
using ModelScout.Testing;
using YamlDotNet.RepresentationModel;

namespace ModelScout.Core.Tests;

/// <summary>
/// The files <c>scout plan --emit</c> writes: snapshots (tests/Fixtures/plan; SCOUT_UPDATE_SNAPSHOTS=1 rewrites them), every
/// core manifest round-tripped through KubernetesClient's typed models, the LeaderWorkerSet checked against its v1 API.
/// </summary>
public class ServingArtefactTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    internal static ClusterPlan PlanFor(string model, string gpu, int perNode, int nodes, int users = 1, int context = 8192) =>
        new ClusterPlanner(Catalog).Plan(Catalog.FindModel(model)!.Model, new ClusterRequest(Catalog.GpuById(gpu)!, perNode, nodes, users, context));

    public static TheoryData<string, string, string, int, int> Cases() => new()
    {
        { "deepseek-v3-2x8xh100", "deepseek-v3", "h100-sxm", 8, 2 },
        { "llama3.1-70b-4xl40s", "llama3.1-70b", "l40s", 4, 1 },
        { "llama3.1-8b-1xh100", "llama3.1-8b", "h100-sxm", 1, 1 },
    };

    private static IReadOnlyList<Artefact> Artefacts(string model, string gpu, int perNode, int nodes)
    {
        var plan = PlanFor(model, gpu, perNode, nodes);
        Assert.True(plan.Fits, plan.NothingFits);
        return ServingArtefacts.For(plan);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Artefacts_match_their_snapshots(string name, string model, string gpu, int perNode, int nodes)
    {
        var dir = RepoPaths.Fixture("plan", name);
        var update = Environment.GetEnvironmentVariable("SCOUT_UPDATE_SNAPSHOTS") == "1";
        var files = Artefacts(model, gpu, perNode, nodes);
        foreach (var a in files)
        {
            var path = Path.Combine(dir, a.Path);
            if (update || !File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, a.Text);
                if (!update) Assert.Fail($"new snapshot written to {path}; review it and run again");
                continue;
            }
            Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), a.Text);
        }
        // No stale snapshot: the folder holds exactly what the plan writes.
        var onDisk = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order();
        Assert.Equal(files.Select(f => f.Path).Order(), onDisk);
    }

    /// <summary>A YAML tree as plain values: mappings to sorted dictionaries, scalars to their text (quoting aside).</summary>
    private static object? Tree(YamlNode node) => node switch
    {
        YamlMappingNode m => new SortedDictionary<string, object?>(m.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => Tree(e.Value)), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Tree).ToList(),
        YamlScalarNode s => s.Value,
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    private static object? Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Tree(stream.Documents.Single().RootNode);
    }

    private static string Canonical(object? tree) => tree switch
    {
        SortedDictionary<string, object?> d => "{" + string.Join(",", d.Where(e => !IsEmpty(e.Value)).Select(e => e.Key + ":" + Canonical(e.Value))) + "}",
        List<object?> l => "[" + string.Join(",", l.Select(Canonical)) + "]",
        _ => tree?.ToString() ?? "null",
    };

    // An empty mapping (emptyDir: {}) and an absent one mean the same to the API server.
    private static bool IsEmpty(object? v) => v is SortedDictionary<string, object?> { Count: 0 };

    /// <summary>Deserializes into the typed model and back: a misspelt or misplaced field is dropped, and the trees differ.</summary>
    private static void RoundTrips<T>(string yaml)
    {
        var typed = KubernetesYaml.Deserialize<T>(yaml);
        Assert.NotNull(typed);
        var again = KubernetesYaml.Serialize(typed);
        Assert.Equal(Canonical(Parse(yaml)), Canonical(Parse(again)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Core_manifests_round_trip_through_the_typed_Kubernetes_models(string name, string model, string gpu, int perNode, int nodes)
    {
        _ = name;
        var files = Artefacts(model, gpu, perNode, nodes).ToDictionary(a => a.Path, a => a.Text);
        RoundTrips<V1Service>(files["k8s/service.yaml"]);
        if (files.TryGetValue("k8s/deployment.yaml", out var deployment))
        {
            RoundTrips<V1Deployment>(deployment);
            RoundTrips<V1PersistentVolumeClaim>(files["k8s/model-cache-pvc.yaml"]);
            var d = KubernetesYaml.Deserialize<V1Deployment>(deployment);
            Assert.Equal("Recreate", d.Spec.Strategy.Type);
            var c = d.Spec.Template.Spec.Containers.Single();
            var plan = PlanFor(model, gpu, perNode, nodes);
            Assert.Equal(plan.Chosen!.Layout.GpusPerReplica.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Resources.Limits["nvidia.com/gpu"].ToString());
            Assert.Equal(c.Resources.Limits["nvidia.com/gpu"].ToString(), c.Resources.Requests["nvidia.com/gpu"].ToString());
            Assert.Equal("/health", c.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/health", c.LivenessProbe.HttpGet.Path);
            Assert.Contains(c.VolumeMounts, v => v.MountPath == "/dev/shm");
            Assert.Contains(d.Spec.Template.Spec.Volumes, v => v.EmptyDir?.Medium == "Memory");
            Assert.Contains(d.Spec.Template.Spec.Volumes, v => v.PersistentVolumeClaim is not null);
            Assert.Equal(plan.Chosen.Layout.Replicas, d.Spec.Replicas);
            // The Service selects the pods the Deployment makes.
            var s = KubernetesYaml.Deserialize<V1Service>(files["k8s/service.yaml"]);
            Assert.All(s.Spec.Selector, kv => Assert.Equal(kv.Value, d.Spec.Template.Metadata.Labels[kv.Key]));
        }
        else
        {
            Assert.True(files.ContainsKey("k8s/leaderworkerset.yaml"), "a multi-node plan writes a LeaderWorkerSet");
            Assert.False(files.ContainsKey("docker-compose.yaml"), "docker-compose is for one node");
        }
    }

    [Fact]
    public void The_LeaderWorkerSet_follows_the_v1_API_and_starts_vLLM_across_the_group()
    {
        var yaml = Artefacts("deepseek-v3", "h100-sxm", 8, 2).Single(a => a.Path == "k8s/leaderworkerset.yaml").Text;
        var root = (SortedDictionary<string, object?>)Parse(yaml)!;
        // The fields LeaderWorkerSet v1 defines (leaderworkerset.x-k8s.io/v1: LeaderWorkerSetSpec, LeaderWorkerTemplate).
        Assert.Equal(["apiVersion", "kind", "metadata", "spec"], root.Keys);
        Assert.Equal("leaderworkerset.x-k8s.io/v1", root["apiVersion"]);
        Assert.Equal("LeaderWorkerSet", root["kind"]);
        var spec = (SortedDictionary<string, object?>)root["spec"]!;
        Assert.Subset(new HashSet<string> { "replicas", "leaderWorkerTemplate", "rolloutStrategy", "startupPolicy", "networkConfig" }, spec.Keys.ToHashSet());
        Assert.True(int.TryParse((string)spec["replicas"]!, out var replicas) && replicas >= 1);
        var lwt = (SortedDictionary<string, object?>)spec["leaderWorkerTemplate"]!;
        Assert.Subset(new HashSet<string> { "size", "restartPolicy", "leaderTemplate", "workerTemplate", "subGroupPolicy" }, lwt.Keys.ToHashSet());
        Assert.Equal("2", lwt["size"]);
        Assert.Contains((string)lwt["restartPolicy"]!, new[] { "RecreateGroupOnPodRestart", "None" });
        Assert.Equal("RecreateGroupOnPodRestart", lwt["restartPolicy"]);

        // The two templates are pod templates: they round-trip through V1PodTemplateSpec.
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var template = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["spec"])["leaderWorkerTemplate"];
        foreach (var key in new[] { "leaderTemplate", "workerTemplate" })
        {
            var text = ServingArtefacts.Yaml(template[key]);
            RoundTrips<V1PodTemplateSpec>(text);
            var pod = KubernetesYaml.Deserialize<V1PodTemplateSpec>(text);
            var c = pod.Spec.Containers.Single();
            Assert.Equal("8", c.Resources.Limits["nvidia.com/gpu"].ToString());
            Assert.Contains(pod.Spec.Volumes, v => v.EmptyDir?.Medium == "Memory");
            var args = string.Join(' ', c.Args);
            Assert.Contains("--tensor-parallel-size 8 --pipeline-parallel-size $(LWS_GROUP_SIZE)", args, StringComparison.Ordinal);
            Assert.Contains("--master-addr $(LWS_LEADER_ADDRESS)", args, StringComparison.Ordinal);
            Assert.Contains("--enable-expert-parallel", args, StringComparison.Ordinal);
            if (key == "leaderTemplate")
            {
                Assert.Contains("--node-rank 0", args, StringComparison.Ordinal);
                Assert.Equal("/health", c.ReadinessProbe.HttpGet.Path);
            }
            else
            {
                Assert.Contains("--node-rank $(LWS_WORKER_INDEX)", args, StringComparison.Ordinal);
                Assert.Contains("--headless", args, StringComparison.Ordinal);
            }
        }
        // The Service reaches the leader of each group only (the workers serve no HTTP).
        var service = KubernetesYaml.Deserialize<V1Service>(Artefacts("deepseek-v3", "h100-sxm", 8, 2).Single(a => a.Path == "k8s/service.yaml").Text);
        Assert.Equal("leader", service.Spec.Selector["role"]);
    }

    [Fact]
    public void Helm_values_give_tensor_parallel_in_vllmConfig_never_only_in_extraArgs()
    {
        foreach (var (model, gpu, perNode) in new[] { ("llama3.1-70b", "l40s", 4), ("llama3.1-8b", "h100-sxm", 1) })
        {
            var plan = PlanFor(model, gpu, perNode, 1);
            var values = (SortedDictionary<string, object?>)Parse(ServingArtefacts.For(plan).Single(a => a.Path == "helm/values.yaml").Text)!;
            var engine = (SortedDictionary<string, object?>)values["servingEngineSpec"]!;
            Assert.Equal("Recreate", ((SortedDictionary<string, object?>)engine["strategy"]!)["type"]);
            var spec = (SortedDictionary<string, object?>)((List<object?>)engine["modelSpec"]!).Single()!;
            var config = (SortedDictionary<string, object?>)spec["vllmConfig"]!;
            var tp = plan.Chosen!.Layout.TensorParallel.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(tp, config["tensorParallelSize"]);
            Assert.Equal(plan.Chosen.Layout.GpusPerReplica.ToString(System.Globalization.CultureInfo.InvariantCulture), spec["requestGPU"]);
            Assert.Equal("8192", config["maxModelLen"]);
            Assert.Equal("0.9", config["gpuMemoryUtilization"]);
            Assert.True(spec.ContainsKey("shmSize"));
            var extra = config.TryGetValue("extraArgs", out var e) ? ((List<object?>)e!).Cast<string>().ToList() : [];
            Assert.DoesNotContain(extra, a => a.Contains("tensor-parallel", StringComparison.Ordinal));
        }
    }
}
