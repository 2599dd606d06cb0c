using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelScout.Core.Serving;

/// <summary>One file the plan writes: its path under the output folder and its text.</summary>
public sealed record Artefact(string Path, string Text, string Purpose);

/// <summary>Settings of the written artefacts that are not part of the plan.</summary>
/// <param name="Image">The vLLM container image.</param>
/// <param name="Port">The port vLLM listens on.</param>
/// <param name="ShmSize">Size of the <c>/dev/shm</c> memory volume (NCCL and the multiprocessing executor use it).</param>
public sealed record ArtefactSettings(string Image = "vllm/vllm-openai:v0.11.0", int Port = 8000, string ShmSize = "16Gi");

/// <summary>
/// Writes a chosen plan as the files that run it: <c>vllm serve</c> command lines per node, a docker-compose file for one
/// node, Kubernetes manifests (a Deployment and Service for one-node replicas, a LeaderWorkerSet for replicas that span
/// nodes), and values for the vLLM production-stack Helm chart. YAML is built as YamlDotNet nodes (no reflection, so the
/// Native AOT CLI writes it).
/// </summary>
public static class ServingArtefacts
{
    /// <summary>All artefacts of a plan that fits.</summary>
    public static IReadOnlyList<Artefact> For(ClusterPlan plan, ArtefactSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Chosen is null) throw new InvalidOperationException("Only a plan that fits has artefacts.");
        var s = settings ?? new ArtefactSettings();
        var files = new List<Artefact> { new("vllm-serve.sh", ServeScript(plan, s), "the vllm serve command line of every node (native multi-node flags, Ray as the alternative)") };
        var multiNode = plan.Chosen.Layout.GpusPerReplica > plan.Request.GpusPerNode;
        if (!multiNode)
        {
            files.Add(new("docker-compose.yaml", Compose(plan, s), "one node with Docker Compose"));
            files.Add(new("k8s/deployment.yaml", Yaml(Deployment(plan, s)), "Kubernetes Deployment: one pod per replica"));
            files.Add(new("helm/values.yaml", Yaml(HelmValues(plan, s)), "values for the vLLM production-stack Helm chart"));
        }
        else
        {
            files.Add(new("k8s/leaderworkerset.yaml", Yaml(LeaderWorkerSet(plan, s)), "LeaderWorkerSet: one group of pods (one per node) per replica"));
        }
        files.Add(new("k8s/service.yaml", Yaml(Service(plan, s, multiNode)), "Kubernetes Service on the OpenAI-compatible port"));
        // One-node replicas share a cache volume; each pod of a multi-node group keeps its own (an emptyDir in the template).
        if (!multiNode) files.Add(new("k8s/model-cache-pvc.yaml", Yaml(CachePvc(plan)), "volume claim for the Hugging Face cache the replicas share"));
        return files;
    }

    /// <summary>A Kubernetes name for the model (DNS-1123: lower case, digits and dashes).</summary>
    public static string Name(ClusterPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var sb = new StringBuilder("vllm-");
        foreach (var c in plan.Model.Id.ToLowerInvariant()) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        return sb.ToString().Trim('-');
    }

    /// <summary>The arguments after <c>vllm serve</c> shared by every node of a replica.</summary>
    public static IReadOnlyList<string> ServeArguments(ClusterPlan plan, ArtefactSettings settings, bool forCluster)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        var l = plan.Chosen!.Layout;
        var r = plan.Request;
        var args = new List<string> { l.Checkpoint, "--host", "0.0.0.0", "--port", I(settings.Port), "--tensor-parallel-size", I(l.TensorParallel) };
        if (l.PipelineParallel > 1) args.AddRange(["--pipeline-parallel-size", forCluster && l.GpusPerReplica > r.GpusPerNode ? "$(LWS_GROUP_SIZE)" : I(l.PipelineParallel)]);
        var perNode = l.GpusPerReplica <= r.GpusPerNode ? r.GpusPerNode / l.GpusPerReplica : 1;
        if (!forCluster && perNode > 1) args.AddRange(["--data-parallel-size", I(perNode)]);
        if (l.ExpertParallel) args.Add("--enable-expert-parallel");
        if (l.QuantizeOnLoad) args.AddRange(["--quantization", "fp8"]);
        args.AddRange(["--max-model-len", I(r.Context), "--gpu-memory-utilization", D(r.Utilization ?? plan.Utilization)]);
        if (r.KvDtype == KvCacheDtype.Fp8) args.AddRange(["--kv-cache-dtype", "fp8"]);
        if (r.BlockSize is { } bs) args.AddRange(["--block-size", I(bs)]);
        return args;
    }

    private static string ServeScript(ClusterPlan plan, ArtefactSettings s)
    {
        var l = plan.Chosen!.Layout;
        var r = plan.Request;
        var sb = new StringBuilder();
        sb.Append("#!/bin/sh\n");
        sb.Append(CultureInfo.InvariantCulture, $"# scout plan: {plan.Model.Name} on {Describe(r)}, {l.Describe()}, {ClusterPlanner.Name(l.Precision)}.\n");
        foreach (var line in plan.Chosen.Memory.StartupLines()) sb.Append(CultureInfo.InvariantCulture, $"# vLLM should log: {line}\n");
        var args = string.Join(' ', ServeArguments(plan, s, forCluster: false).Select(Quote));
        if (l.GpusPerReplica <= r.GpusPerNode)
        {
            var perNode = r.GpusPerNode / l.GpusPerReplica;
            sb.Append(CultureInfo.InvariantCulture, $"# Every node ({r.Nodes}) runs the same command: {perNode} replica{(perNode > 1 ? "s" : "")} of {l.GpusPerReplica} GPU{(l.GpusPerReplica > 1 ? "s" : "")} behind one API server.\n");
            sb.Append(CultureInfo.InvariantCulture, $"vllm serve {args}\n");
            return sb.ToString();
        }
        sb.Append(CultureInfo.InvariantCulture, $"# One replica spans {l.PipelineParallel} nodes (pipeline stage per node). LEADER is node 0's address; run node N's line on node N.\n");
        sb.Append("LEADER=${LEADER:?set LEADER to the address of node 0}\n");
        for (var node = 0; node < l.PipelineParallel; node++)
        {
            var extra = node == 0 ? "" : " --headless";
            sb.Append(CultureInfo.InvariantCulture, $"# node {node}\n");
            sb.Append(CultureInfo.InvariantCulture, $"vllm serve {args} --nnodes {l.PipelineParallel} --node-rank {node} --master-addr \"$LEADER\"{extra}\n");
        }
        sb.Append("# Alternatively with Ray: on node 0 `ray start --head --port 6379`, on the others `ray start --address \"$LEADER:6379\"`,\n");
        sb.Append(CultureInfo.InvariantCulture, $"# then on node 0 only: vllm serve {args} --distributed-executor-backend ray\n");
        return sb.ToString();
    }

    private static string Compose(ClusterPlan plan, ArtefactSettings s)
    {
        var r = plan.Request;
        var name = Name(plan);
        var command = new YamlSequenceNode(ServeArguments(plan, s, forCluster: false).Select(Str));
        var service = Map(
            ("image", Str(s.Image)),
            ("entrypoint", Seq(Str("vllm"), Str("serve"))),
            ("command", command),
            ("ports", Seq(Str($"{s.Port}:{s.Port}"))),
            ("ipc", Str("host")),
            ("environment", Map(("HF_TOKEN", Str("${HF_TOKEN:-}")))),
            ("volumes", Seq(Str("${HF_HOME:-~/.cache/huggingface}:/root/.cache/huggingface"))),
            ("deploy", Map(("resources", Map(("reservations", Map(("devices", Seq(Map(
                ("driver", Str("nvidia")), ("count", Int(r.GpusPerNode)), ("capabilities", Seq(Str("gpu")))))))))))),
            ("healthcheck", Map(
                ("test", Seq(Str("CMD"), Str("curl"), Str("-fsS"), Str($"http://localhost:{s.Port}/health"))),
                ("interval", Str("30s")), ("timeout", Str("5s")), ("retries", Int(3)), ("start_period", Str("20m")))),
            ("restart", Str("unless-stopped")));
        return Yaml(Map(("services", Map((name, service)))));
    }

    private static YamlMappingNode Labels(ClusterPlan plan) => Map(("app.kubernetes.io/name", Str(Name(plan))), ("app.kubernetes.io/part-of", Str("scout-plan")));

    private static YamlMappingNode Container(ClusterPlan plan, ArtefactSettings s, IReadOnlyList<string> args, bool probes, int gpus)
    {
        var entries = new List<(string, YamlNode)>
        {
            ("name", Str("vllm")),
            ("image", Str(s.Image)),
            ("command", Seq(Str("vllm"), Str("serve"))),
            ("args", new YamlSequenceNode(args.Select(Str))),
            ("env", Seq(Map(("name", Str("HF_TOKEN")), ("valueFrom", Map(("secretKeyRef", Map(("name", Str("hf-token")), ("key", Str("token")), ("optional", Bool(true))))))))),
            ("ports", Seq(Map(("name", Str("http")), ("containerPort", Int(s.Port))))),
            ("resources", Map(("requests", Map(("nvidia.com/gpu", Str(I(gpus))))), ("limits", Map(("nvidia.com/gpu", Str(I(gpus))))))),
            ("volumeMounts", Seq(Map(("name", Str("dshm")), ("mountPath", Str("/dev/shm"))), Map(("name", Str("model-cache")), ("mountPath", Str("/root/.cache/huggingface"))))),
        };
        if (probes)
        {
            YamlMappingNode Probe(int initial, int period, int failures) => Map(
                ("httpGet", Map(("path", Str("/health")), ("port", Int(s.Port)))), ("initialDelaySeconds", Int(initial)), ("periodSeconds", Int(period)), ("failureThreshold", Int(failures)));
            // Loading a large model takes minutes: the startup probe allows 30 min before liveness applies.
            entries.Add(("startupProbe", Probe(60, 30, 60)));
            entries.Add(("readinessProbe", Probe(0, 10, 3)));
            entries.Add(("livenessProbe", Probe(0, 30, 3)));
        }
        return Map([.. entries]);
    }

    private static YamlSequenceNode Volumes(ClusterPlan plan, ArtefactSettings s, bool sharedCache) => Seq(
        Map(("name", Str("dshm")), ("emptyDir", Map(("medium", Str("Memory")), ("sizeLimit", Str(s.ShmSize))))),
        sharedCache
            ? Map(("name", Str("model-cache")), ("persistentVolumeClaim", Map(("claimName", Str(Name(plan) + "-cache")))))
            : Map(("name", Str("model-cache")), ("emptyDir", new YamlMappingNode())));

    private static YamlMappingNode Deployment(ClusterPlan plan, ArtefactSettings s)
    {
        var l = plan.Chosen!.Layout;
        var name = Name(plan);
        var args = ServeArguments(plan, s, forCluster: true);
        return Map(
            ("apiVersion", Str("apps/v1")),
            ("kind", Str("Deployment")),
            ("metadata", Map(("name", Str(name)), ("labels", Labels(plan)))),
            ("spec", Map(
                ("replicas", Int(l.Replicas)),
                // A rolling update deadlocks when the new pod waits for GPUs the old one holds.
                ("strategy", Map(("type", Str("Recreate")))),
                ("selector", Map(("matchLabels", Map(("app.kubernetes.io/name", Str(name)))))),
                ("template", Map(
                    ("metadata", Map(("labels", Labels(plan)))),
                    ("spec", Map(
                        ("containers", Seq(Container(plan, s, args, probes: true, l.GpusPerReplica))),
                        ("volumes", Volumes(plan, s, sharedCache: true)))))))));
    }

    private static YamlMappingNode LeaderWorkerSet(ClusterPlan plan, ArtefactSettings s)
    {
        var l = plan.Chosen!.Layout;
        var r = plan.Request;
        var name = Name(plan);
        var common = ServeArguments(plan, s, forCluster: true);
        IReadOnlyList<string> Args(bool leader) =>
        [
            .. common, "--nnodes", "$(LWS_GROUP_SIZE)", "--node-rank", leader ? "0" : "$(LWS_WORKER_INDEX)", "--master-addr", "$(LWS_LEADER_ADDRESS)", .. leader ? Array.Empty<string>() : ["--headless"],
        ];
        YamlMappingNode Template(bool leader) => Map(
            ("metadata", Map(("labels", Labels(plan)))),
            ("spec", Map(
                ("containers", Seq(Container(plan, s, Args(leader), probes: leader, r.GpusPerNode))),
                // Every node of a group downloads the weights it loads: the cache is per pod.
                ("volumes", Volumes(plan, s, sharedCache: false)))));
        return Map(
            ("apiVersion", Str("leaderworkerset.x-k8s.io/v1")),
            ("kind", Str("LeaderWorkerSet")),
            ("metadata", Map(("name", Str(name)), ("labels", Labels(plan)))),
            ("spec", Map(
                ("replicas", Int(l.Replicas)),
                ("leaderWorkerTemplate", Map(
                    ("size", Int(l.PipelineParallel)),
                    ("restartPolicy", Str("RecreateGroupOnPodRestart")),
                    ("leaderTemplate", Template(leader: true)),
                    ("workerTemplate", Template(leader: false)))))));
    }

    private static YamlMappingNode Service(ClusterPlan plan, ArtefactSettings s, bool multiNode)
    {
        var name = Name(plan);
        var selector = multiNode
            ? Map(("leaderworkerset.sigs.k8s.io/name", Str(name)), ("role", Str("leader")))
            : Map(("app.kubernetes.io/name", Str(name)));
        return Map(
            ("apiVersion", Str("v1")),
            ("kind", Str("Service")),
            ("metadata", Map(("name", Str(name)), ("labels", Labels(plan)))),
            ("spec", Map(
                ("type", Str("ClusterIP")),
                ("selector", selector),
                ("ports", Seq(Map(("name", Str("http")), ("port", Int(s.Port)), ("targetPort", Int(s.Port)), ("protocol", Str("TCP"))))))));
    }

    private static YamlMappingNode CachePvc(ClusterPlan plan)
    {
        // Room for the checkpoint with a quarter to spare, in whole GiB.
        var total = plan.Chosen!.Memory.WeightsGiB * plan.Chosen.Layout.GpusPerReplica;
        var size = (int)Math.Ceiling(total * 1.25 / 10) * 10;
        return Map(
            ("apiVersion", Str("v1")),
            ("kind", Str("PersistentVolumeClaim")),
            ("metadata", Map(("name", Str(Name(plan) + "-cache")), ("labels", Labels(plan)))),
            ("spec", Map(
                ("accessModes", Seq(Str("ReadWriteMany"))),
                ("resources", Map(("requests", Map(("storage", Str($"{size}Gi")))))))));
    }

    private static YamlMappingNode HelmValues(ClusterPlan plan, ArtefactSettings s)
    {
        var l = plan.Chosen!.Layout;
        var r = plan.Request;
        var extra = new List<string>();
        if (l.ExpertParallel) extra.Add("--enable-expert-parallel");
        if (l.QuantizeOnLoad) extra.AddRange(["--quantization", "fp8"]);
        if (r.KvDtype == KvCacheDtype.Fp8) extra.AddRange(["--kv-cache-dtype", "fp8"]);
        if (r.BlockSize is { } bs) extra.AddRange(["--block-size", I(bs)]);
        var image = s.Image.Split(':', 2);
        var config = new List<(string, YamlNode)>
        {
            // The chart reads tensor parallel only from here: given in extraArgs alone it is ignored (one GPU per pod).
            ("tensorParallelSize", Int(l.TensorParallel)),
            ("maxModelLen", Int(r.Context)),
            ("gpuMemoryUtilization", Num(r.Utilization ?? plan.Utilization)),
        };
        if (l.PipelineParallel > 1) config.Add(("pipelineParallelSize", Int(l.PipelineParallel)));
        if (extra.Count > 0) config.Add(("extraArgs", new YamlSequenceNode(extra.Select(Str))));
        return Map(
            ("servingEngineSpec", Map(
                ("strategy", Map(("type", Str("Recreate")))),
                ("modelSpec", Seq(Map(
                    ("name", Str(Name(plan))),
                    ("repository", Str(image[0])),
                    ("tag", Str(image.Length > 1 ? image[1] : "latest")),
                    ("modelURL", Str(l.Checkpoint)),
                    ("replicaCount", Int(l.Replicas)),
                    ("requestCPU", Int(Math.Max(4, 4 * l.GpusPerReplica))),
                    ("requestMemory", Str($"{Math.Max(32, (int)Math.Ceiling(plan.Chosen.Memory.WeightsGiB * l.GpusPerReplica * 1.2 / 8) * 8)}Gi")),
                    ("requestGPU", Int(l.GpusPerReplica)),
                    ("pvcStorage", Str($"{(int)Math.Ceiling(plan.Chosen.Memory.WeightsGiB * l.GpusPerReplica * 1.25 / 10) * 10}Gi")),
                    ("shmSize", Str(s.ShmSize)),
                    ("vllmConfig", Map([.. config]))))))),
            ("routerSpec", Map(("routingLogic", Str("roundrobin")))));
    }

    private static string Describe(ClusterRequest r) => r.Nodes > 1 ? $"{r.Nodes} x {r.GpusPerNode} x {r.Gpu.Name}" : $"{r.GpusPerNode} x {r.Gpu.Name}";

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=')
        ? arg
        : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string D(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Serializes one YAML document (no document markers).</summary>
    public static string Yaml(YamlNode root)
    {
        var stream = new YamlStream(new YamlDocument(root));
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlStream ends every document with "..."; a single-document file reads better without it.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static YamlMappingNode Map(params (string Key, YamlNode Value)[] entries)
    {
        var map = new YamlMappingNode();
        foreach (var (k, v) in entries) map.Add(new YamlScalarNode(k), v);
        return map;
    }

    private static YamlSequenceNode Seq(params YamlNode[] items) => new(items);

    /// <summary>A string scalar, quoted where YAML would read it as something else (numbers, booleans, null, $ and : forms).</summary>
    private static YamlScalarNode Str(string s)
    {
        var plain = s.Length > 0 && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && s.ToLowerInvariant() is not ("true" or "false" or "yes" or "no" or "on" or "off" or "null" or "~")
            && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/');
        return new YamlScalarNode(s) { Style = plain ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
    }

    private static YamlScalarNode Int(int n) => new(I(n)) { Style = ScalarStyle.Plain };

    private static YamlScalarNode Num(double d) => new(D(d)) { Style = ScalarStyle.Plain };

    private static YamlScalarNode Bool(bool b) => new(b ? "true" : "false") { Style = ScalarStyle.Plain };
}
