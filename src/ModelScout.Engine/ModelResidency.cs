using Microsoft.Extensions.Logging;
using ModelScout.Core.Fit;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Store;

namespace ModelScout.Engine;

/// <summary>
/// Which models are in memory: loads them on demand through llama.cpp, keeps them within the memory budget (sized by the
/// advisor's estimator: weights + KV cache + compute buffers) by evicting the least recently used idle model, and
/// unloads idle models when their keep-alive runs out. Requests hold a model through a <see cref="Lease"/>.
/// </summary>
internal sealed class ModelResidency : IDisposable
{
    private static readonly TimeSpan LongestTimerWait = TimeSpan.FromDays(30);

    private readonly IModelResolver resolver;
    private readonly EngineSettings settings;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly SemaphoreSlim loadGate = new(1, 1);
    private int loading;
    private readonly Dictionary<string, LoadReporter> loads = new(StringComparer.Ordinal);
    private bool disposed;

    public ModelResidency(IModelResolver resolver, EngineSettings settings, ILogger logger, TimeProvider time)
    {
        this.resolver = resolver;
        this.settings = settings;
        this.logger = logger;
        this.time = time;
        Budget = settings.MemoryBudgetBytes ?? AvailableMemory();
    }

    /// <summary>Bytes the loaded models may use together.</summary>
    public long Budget { get; }

    /// <summary>Models in memory now, most recently used first.</summary>
    public IReadOnlyList<LoadedModelInfo> Loaded
    {
        get
        {
            lock (gate) return entries.Values.Where(e => e.Model is not null).OrderByDescending(e => e.LastUsed).Select(Info).ToList();
        }
    }

    /// <summary>Unloads the model once its running requests end; false when it was not loaded.</summary>
    public bool Unload(string model)
    {
        ResolvedModel resolved;
        try
        {
            resolved = Resolve(model);
        }
        catch (InferenceException)
        {
            return false;
        }
        LoadedModel? victim = null;
        lock (gate)
        {
            if (!entries.TryGetValue(resolved.Name, out var e) || e.Model is null) return false;
            if (e.Refs > 0) e.UnloadWhenIdle = true;
            else victim = Remove(e);
        }
        victim?.Dispose();
        return true;
    }

    /// <summary>Counters of every loaded model's scheduler.</summary>
    public InferenceSnapshot Snapshot()
    {
        lock (gate)
        {
            return new InferenceSnapshot
            {
                Loading = Volatile.Read(ref loading) > 0,
                Loads = loads.Values.Select(l => l.Snapshot()).ToList(),
                Models = entries.Values.Where(e => e.Model is not null).Select(e =>
                {
                    var s = e.Model!.Scheduler;
                    var (prompt, generated, requests) = s.Totals;
                    var cells = e.Model.NumCtx * Math.Max(1, settings.Parallel);
                    var cached = s.CachedTokens;
                    return new ModelCounters
                    {
                        Model = e.Model.Model.Name,
                        Running = s.Running,
                        Waiting = s.Waiting,
                        PromptTokensTotal = prompt,
                        GeneratedTokensTotal = generated,
                        RequestsTotal = requests,
                        KvCacheTokens = cached,
                        KvCacheUsage = cells == 0 ? 0 : (double)cached / cells,
                    };
                }).ToList(),
            };
        }
    }

    /// <summary>
    /// The model, held until <see cref="Release"/>: reused when it is loaded with the num_ctx asked for (the request's,
    /// else the model's, else the default), reloaded when loaded another way, loaded after evicting idle models when it
    /// does not fit the budget.
    /// </summary>
    public async Task<Lease> AcquireAsync(string name, ModelOptions requestOptions, CancellationToken ct)
    {
        // Callers dispose the host, not this part of it.
        ObjectDisposedException.ThrowIf(disposed, typeof(ModelHost));
        if (string.IsNullOrWhiteSpace(name)) throw new InferenceException(InferenceErrorKind.InvalidRequest, "no model given; name one (scout list shows what is stored)") { Param = "model" };
        var resolved = Resolve(name);
        var numCtx = (requestOptions.NumCtx ?? resolved.Parameters.NumCtx ?? ModelOptions.Defaults.NumCtx)!.Value;
        if (numCtx <= 0) throw new InferenceException(InferenceErrorKind.InvalidRequest, $"num_ctx must be positive, got {numCtx}") { Param = "num_ctx" };
        // -1 and unset are auto; the request's num_gpu, then the model's, then the engine's setting.
        var numGpu = (requestOptions.NumGpu ?? resolved.Parameters.NumGpu) switch { null => settings.GpuLayers, < 0 => null, var n => n };
        // A library without a GPU backend runs every layer on the CPU whatever is asked: no reload for a different num_gpu.
        if (LlamaRuntime.Library?.GpuOffload != true) numGpu = null;

        lock (gate)
        {
            if (entries.TryGetValue(resolved.Name, out var e) && e.Model is not null && e.Fits(resolved, numCtx, numGpu) && !e.UnloadWhenIdle)
            {
                e.Refs++;
                e.LastUsed = time.GetUtcNow();
                return new Lease(e, e.Model, TimeSpan.Zero);
            }
        }

        await loadGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Entry? old;
            lock (gate)
            {
                entries.TryGetValue(resolved.Name, out old);
                if (old is { Model: not null } && old.Fits(resolved, numCtx, numGpu) && !old.UnloadWhenIdle)
                {
                    old.Refs++;
                    old.LastUsed = time.GetUtcNow();
                    return new Lease(old, old.Model, TimeSpan.Zero);
                }
            }
            if (old?.Model is not null)
            {
                // A different context size, GPU layer count or file: wait for the running requests, then reload (as Ollama does).
                logger.LogInformation("{Model}: reloading with num_ctx {NumCtx}, num_gpu {NumGpu}", resolved.Name, numCtx, numGpu?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto");
                await old.WaitIdleAsync(ct).ConfigureAwait(false);
                LoadedModel? victim;
                lock (gate) victim = Remove(old);
                victim?.Dispose();
            }

            var plan = Estimate(resolved, numCtx, numGpu);
            await MakeRoomAsync(resolved.Name, plan.HostBytes, ct).ConfigureAwait(false);

            Interlocked.Increment(ref loading);
            var reporter = new LoadReporter(resolved.Name, time.GetUtcNow(), FileLength(resolved.GgufPath));
            lock (gate) loads[resolved.Name] = reporter;
            LoadedModel model;
            try
            {
                model = await Task.Run(() => LoadedModel.Load(resolved, numCtx, settings, logger, plan.GpuLayers, reporter), ct).ConfigureAwait(false);
            }
            finally
            {
                lock (gate) loads.Remove(resolved.Name);
                Interlocked.Decrement(ref loading);
            }
            logger.LogInformation("{Model}: loaded {Path} in {Ms:F0} ms (context {Ctx} x {Parallel} slots, {Threads} threads; {Gpu})",
                resolved.Name, resolved.GgufPath, model.LoadDuration.TotalMilliseconds, model.NumCtx, settings.Parallel, settings.Threads, plan.Describe());
            var entry = new Entry(resolved, numCtx, numGpu, model, plan) { Refs = 1, LastUsed = time.GetUtcNow() };
            lock (gate) entries[resolved.Name] = entry;
            return new Lease(entry, model, model.LoadDuration);
        }
        finally
        {
            loadGate.Release();
        }
    }

    // The store reports its own errors; whoever calls the engine sees InferenceExceptions only.
    private ResolvedModel Resolve(string name)
    {
        try
        {
            return resolver.Resolve(name);
        }
        catch (StoreException e)
        {
            var kind = e.Kind switch
            {
                StoreErrorKind.NotFound => InferenceErrorKind.ModelNotFound,
                StoreErrorKind.InvalidName or StoreErrorKind.InvalidRequest => InferenceErrorKind.InvalidRequest,
                StoreErrorKind.Damaged => InferenceErrorKind.ModelLoadFailed,
                _ => InferenceErrorKind.Internal,
            };
            throw new InferenceException(kind, e.Message, e) { Param = e.Param };
        }
    }

    /// <summary>
    /// Evicts idle models, least recently used first, until <paramref name="needed"/> fits the budget. When every model in
    /// the way is answering, waits for the least recently used one to finish (as Ollama queues a request for another
    /// model) and unloads it then; new requests for it wait behind this load instead of keeping it busy forever. Gives up
    /// with InsufficientMemory after <see cref="EngineSettings.RoomWait"/>.
    /// </summary>
    private async Task MakeRoomAsync(string name, long needed, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            LoadedModel? victim = null;
            Task? idle = null;
            lock (gate)
            {
                var loaded = entries.Values.Where(e => e.Model is not null).ToList();
                var used = loaded.Sum(e => e.Plan.HostBytes);
                var tooMany = settings.MaxLoadedModels > 0 && loaded.Count >= settings.MaxLoadedModels;
                if (!tooMany && (used + needed <= Budget || loaded.Count == 0)) return;
                var lru = loaded.Where(e => e.Refs == 0).OrderBy(e => e.LastUsed).FirstOrDefault();
                if (lru is not null)
                {
                    logger.LogInformation("{Model}: unloading {Victim} (least recently used) to make room", name, lru.Resolved.Name);
                    victim = Remove(lru);
                }
                else
                {
                    var busy = loaded.OrderBy(e => e.LastUsed).First();
                    if (!busy.UnloadWhenIdle)
                        logger.LogInformation("{Model}: waiting for {Busy} to finish its requests, then unloading it to make room", name, busy.Resolved.Name);
                    busy.UnloadWhenIdle = true;
                    idle = busy.WaitIdleAsync(CancellationToken.None);
                }
            }
            victim?.Dispose();
            if (idle is null) continue;
            var left = settings.RoomWait - time.GetElapsedTime(started);
            try
            {
                if (left <= TimeSpan.Zero) throw new TimeoutException();
                await idle.WaitAsync(left, time, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new InferenceException(InferenceErrorKind.InsufficientMemory,
                    $"model '{name}' needs about {needed / 1048576.0:F0} MiB and the models holding the rest of the {Budget / 1048576.0:F0} MiB budget were still answering after {settings.RoomWait.TotalSeconds:F0} s; retry later, or unload one (keep_alive 0)");
            }
        }
    }

    // The GPU placement and memory of one load. The estimate also orders evictions; the loader reports a bad file itself.
    private GpuOffloadPlan Estimate(ResolvedModel m, int numCtx, int? numGpu)
    {
        var fileBytes = File.Exists(m.GgufPath) ? new FileInfo(m.GgufPath).Length : 0;
        try
        {
            var header = GgufReader.ReadFile(m.GgufPath);
            var file = FileModel.From(header, Core.Catalog.Catalog.Embedded, m.Name);
            if (file.Weights is null) return new GpuOffloadPlan(numGpu ?? 0, 0, 0, fileBytes, "no memory plan for this file");
            return GpuOffload.Plan(file, numCtx, settings.Parallel, settings.BatchSize, settings.Hardware, numGpu, LlamaRuntime.Library?.GpuOffload == true);
        }
        catch (Exception e) when (e is GgufFormatException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            return new GpuOffloadPlan(0, 0, 0, fileBytes, "the file could not be read");
        }
    }

    /// <summary>Lets go of a lease; the last one out starts the keep-alive (a zero keep-alive unloads at once).</summary>
    public void Release(Lease lease, TimeSpan? keepAlive)
    {
        LoadedModel? victim = null;
        var e = lease.Entry;
        lock (gate)
        {
            e.Refs--;
            e.LastUsed = time.GetUtcNow();
            if (keepAlive is { } ka) e.KeepAlive = ka;
            if (e.Refs > 0) return;
            e.SignalIdle();
            var alive = e.KeepAlive ?? settings.KeepAlive;
            if (e.UnloadWhenIdle || alive == TimeSpan.Zero)
            {
                victim = Remove(e);
            }
            else
            {
                e.ExpiresAt = KeepAliveParser.ExpiryFrom(time.GetUtcNow(), alive);
                ArmExpiry(e);
            }
        }
        victim?.Dispose();
    }

    // Caller holds gate. A timer cannot wait longer than ~49 days, so a longer keep-alive wakes up at that bound and
    // re-arms (Expire checks the clock); a model that never expires gets no timer at all.
    private void ArmExpiry(Entry e)
    {
        e.Timer?.Dispose();
        e.Timer = null;
        if (e.ExpiresAt == DateTimeOffset.MaxValue) return;
        var due = e.ExpiresAt - time.GetUtcNow();
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        if (due > LongestTimerWait) due = LongestTimerWait;
        e.Timer = time.CreateTimer(_ => Expire(e), null, due, Timeout.InfiniteTimeSpan);
    }


    private void Expire(Entry e)
    {
        LoadedModel? victim = null;
        lock (gate)
        {
            if (e.Refs == 0 && e.Model is not null && entries.TryGetValue(e.Resolved.Name, out var current) && current == e)
            {
                if (time.GetUtcNow() >= e.ExpiresAt)
                {
                    logger.LogInformation("{Model}: idle past its keep-alive; unloading", e.Resolved.Name);
                    victim = Remove(e);
                }
                else
                {
                    ArmExpiry(e);
                }
            }
        }
        victim?.Dispose();
    }

    // Caller holds gate; the returned model is disposed outside the lock (joining the scheduler thread can take a step).
    private LoadedModel? Remove(Entry e)
    {
        if (entries.TryGetValue(e.Resolved.Name, out var current) && current == e) entries.Remove(e.Resolved.Name);
        e.Timer?.Dispose();
        e.Timer = null;
        var m = e.Model;
        e.Model = null;
        return m;
    }

    public LoadedModelInfo Info(Entry e) => new()
    {
        Name = e.Resolved.Name,
        GgufPath = e.Resolved.GgufPath,
        Digest = e.Resolved.Digest,
        FileBytes = e.Model?.FileBytes ?? 0,
        MemoryBytes = e.Plan.TotalBytes,
        GpuBytes = e.Plan.GpuBytes,
        GpuLayers = e.Plan.GpuLayers,
        TotalLayers = e.Plan.TotalLayers,
        ContextLength = e.Model?.NumCtx ?? e.RequestedCtx,
        Parallel = Math.Max(1, settings.Parallel),
        ExpiresAt = e.Refs > 0 ? KeepAliveParser.ExpiryFrom(time.GetUtcNow(), e.KeepAlive ?? settings.KeepAlive) : e.ExpiresAt,
        LoadDuration = e.Model?.LoadDuration ?? TimeSpan.Zero,
    };

    private static long AvailableMemory()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line.AsSpan(13).Trim().ToString().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kb * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    public void Dispose()
    {
        List<LoadedModel> models;
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            models = [.. entries.Values.Select(e => e.Model).OfType<LoadedModel>()];
            foreach (var e in entries.Values)
            {
                e.Timer?.Dispose();
                e.Model = null;
            }
            entries.Clear();
        }
        foreach (var m in models) m.Dispose();
        loadGate.Dispose();
    }

    /// <summary>A loaded model held by one request; <see cref="LoadDuration"/> is zero when it was loaded already.</summary>
    public sealed record Lease(Entry Entry, LoadedModel Model, TimeSpan LoadDuration);

    public sealed class Entry(ResolvedModel resolved, int requestedCtx, int? requestedGpu, LoadedModel model, GpuOffloadPlan plan)
    {
        private TaskCompletionSource idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ResolvedModel Resolved { get; } = resolved;
        public int RequestedCtx { get; } = requestedCtx;
        public LoadedModel? Model { get; set; } = model;
        public int? RequestedGpu { get; } = requestedGpu;
        public GpuOffloadPlan Plan { get; } = plan;
        public int Refs { get; set; }
        public DateTimeOffset LastUsed { get; set; }
        public DateTimeOffset ExpiresAt { get; set; } = DateTimeOffset.MaxValue;
        public TimeSpan? KeepAlive { get; set; }
        public ITimer? Timer { get; set; }
        public bool UnloadWhenIdle { get; set; }

        public bool Fits(ResolvedModel m, int numCtx, int? numGpu) => RequestedCtx == numCtx && RequestedGpu == numGpu && Resolved.GgufPath == m.GgufPath && Resolved.Digest == m.Digest;

        public void SignalIdle()
        {
            idle.TrySetResult();
            idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public Task WaitIdleAsync(CancellationToken ct) => Refs == 0 ? Task.CompletedTask : idle.Task.WaitAsync(ct);
    }

    private static long FileLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Keeps the latest progress llama.cpp reported for one load (it calls back from the loading thread).</summary>
    private sealed class LoadReporter(string model, DateTimeOffset started, long fileBytes) : IProgress<float>
    {
        private double progress;

        public void Report(float value) => Volatile.Write(ref progress, Math.Clamp(value, 0, 1));

        public ModelLoadProgress Snapshot() => new(model, Volatile.Read(ref progress), started, fileBytes);
    }
}
