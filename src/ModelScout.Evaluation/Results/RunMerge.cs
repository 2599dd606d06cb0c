namespace ModelScout.Evaluation.Results;

/// <summary>One shard run to merge: the store it is in and the run.</summary>
public sealed record ShardRun(EvalStore Store, EvalRunInfo Run)
{
    /// <summary>"file#run", as messages and the merged record name it.</summary>
    public string Label => $"{Store.FilePath}#{Run.Name}";
}

/// <summary>
/// Combines the shard runs of one split run (<c>scout eval --shard i/N</c> on several machines) into one run, as if one
/// run had done it: every reply (with the endpoint that answered), score and scoring error is copied, so a report of
/// the merged run reads exactly what one whole run would have stored. Refuses shards that do not belong together: a
/// different model (id, digest, quantization), different settings (everything the run name hashes but the shard),
/// scoring modes, dataset contents or chat template; a shard missing, given twice or not finished; an item in two shards.
/// </summary>
public static class RunMerge
{
    /// <summary>The whole run's name for a shard's run name (drops the "-shardIofN" ending the CLI adds); null when it has none.</summary>
    public static string? WholeName(string shardRunName, Shard shard)
    {
        ArgumentNullException.ThrowIfNull(shardRunName);
        ArgumentNullException.ThrowIfNull(shard);
        return shardRunName.EndsWith(shard.NameSuffix, StringComparison.Ordinal) ? shardRunName[..^shard.NameSuffix.Length] : null;
    }

    /// <summary>Checks that <paramref name="shards"/> are the N shards of one run; returns them ordered by shard index.</summary>
    public static IReadOnlyList<(ShardRun Run, Shard Shard)> Check(IReadOnlyList<ShardRun> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0) throw new EvalException("no shard runs to merge") { Hint = "name the result files (or run names) the shards wrote" };
        var parsed = new List<(ShardRun Run, Shard Shard)>();
        foreach (var s in shards)
        {
            if (s.Run.Record.Shard is not { } text)
                throw new EvalException($"{s.Label} is not a shard (it was not run with --shard i/N)") { Hint = "merge only the runs of one `scout eval --shard` split" };
            parsed.Add((s, Shard.Parse(text)));
        }
        var first = parsed[0];
        foreach (var (run, shard) in parsed.Skip(1))
        {
            var diff = Differences(first.Run.Run, run.Run);
            if (shard.Count != first.Shard.Count) diff.Insert(0, $"shard count {first.Shard.Count} vs {shard.Count}");
            if (diff.Count > 0)
                throw new EvalException($"{run.Label} cannot be merged with {first.Run.Label}: {string.Join("; ", diff)}")
                { Hint = "merge shards of the same command, run with the same model and settings" };
        }
        var n = first.Shard.Count;
        var twice = parsed.GroupBy(p => p.Shard.Index).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new EvalException($"shard {twice.Key}/{n} is given twice: {string.Join(", ", twice.Select(t => t.Run.Label))}");
        var missing = Enumerable.Range(1, n).Except(parsed.Select(p => p.Shard.Index)).ToList();
        if (missing.Count > 0)
            throw new EvalException($"shard(s) {string.Join(", ", missing.Select(i => $"{i}/{n}"))} missing; a merge needs all {n}")
            { Hint = "run the missing shards (scout eval ... --shard i/N) and name their result files too" };
        foreach (var (run, shard) in parsed)
            if (run.Run.Status != RunStatus.Complete)
                throw new EvalException($"{run.Label} (shard {shard}) is {run.Run.Status}, not complete") { Hint = "rerun that shard's command to finish it, then merge" };
        return [.. parsed.OrderBy(p => p.Shard.Index)];
    }

    /// <summary>
    /// Writes the merged run <paramref name="name"/> into <paramref name="into"/> (which must not hold a run of that name)
    /// and marks it complete.
    /// </summary>
    public static EvalRunInfo Merge(EvalStore into, string name, IReadOnlyList<ShardRun> shards)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var ordered = Check(shards);
        if (into.FindRun(name) is not null)
            throw new EvalException($"{into.FilePath} already has a run named {name}") { Hint = "pass --run NEWNAME, or --into another file" };
        var first = ordered[0].Run.Run;
        var endpoints = ordered.Select(o => o.Run.Run.Key.Endpoint).Distinct(StringComparer.Ordinal).ToList();
        var key = endpoints.Count == 1 ? first.Key : RunKey.ForReplicas(first.Key.ModelId, first.Key.ModelDigest, first.Key.Quantization);
        var servedBy = ordered.SelectMany(o => ServedBy(o.Run.Run)).Distinct(StringComparer.Ordinal).ToList();
        var record = first.Record with
        {
            Endpoint = key.Endpoint,
            Shard = null,
            Sampling = WithoutShard(first.Record.Sampling),
            Endpoints = servedBy.Count > 0 ? servedBy : null,
            MergedFrom = [.. ordered.Select(o => o.Run.Label)],
        };
        var merged = into.OpenRun(name, key, record);
        try
        {
            foreach (var (run, _) in ordered) into.CopyRun(run.Store.FilePath, run.Run.Id, merged);
        }
        catch
        {
            into.DeleteRun(name);
            throw;
        }
        into.SetStatus(merged, RunStatus.Complete);
        return into.FindRun(name)!;
    }

    private static IEnumerable<string> ServedBy(EvalRunInfo run) =>
        run.Record.Endpoints ?? (run.Key.Endpoint is RunKey.InProcess or RunKey.Replicas ? [] : [run.Key.Endpoint]);

    private static Dictionary<string, string>? WithoutShard(IReadOnlyDictionary<string, string>? sampling) =>
        sampling?.Where(kv => kv.Key != "shard").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    // What must agree between two shards: the model, the settings that shape the requests, how they are scored, the data.
    private static List<string> Differences(EvalRunInfo a, EvalRunInfo b)
    {
        var d = new List<string>();
        void Same(string what, string? x, string? y)
        {
            if (!string.Equals(x ?? "", y ?? "", StringComparison.Ordinal)) d.Add($"{what} {x ?? "(none)"} vs {y ?? "(none)"}");
        }
        Same("model", a.Key.ModelId, b.Key.ModelId);
        Same("model digest", a.Key.ModelDigest, b.Key.ModelDigest);
        Same("quantization", a.Key.Quantization, b.Key.Quantization);
        Same("chat template", a.Record.ChatTemplateHash, b.Record.ChatTemplateHash);
        Same("settings", Flat(WithoutShard(a.Record.Sampling)), Flat(WithoutShard(b.Record.Sampling)));
        Same("scoring", Flat(a.Record.ScoringModes), Flat(b.Record.ScoringModes));
        // Machines keep the data in different folders: the files are compared by name and content.
        Same("datasets", Flat(ByFileName(a.Record.DatasetHashes)), Flat(ByFileName(b.Record.DatasetHashes)));
        return d;
    }

    private static Dictionary<string, string>? ByFileName(IReadOnlyDictionary<string, string>? hashes) =>
        hashes?.GroupBy(kv => Path.GetFileName(kv.Key), StringComparer.Ordinal).ToDictionary(g => g.Key, g => string.Join('+', g.Select(kv => kv.Value).Order(StringComparer.Ordinal)), StringComparer.Ordinal);

    private static string? Flat(IReadOnlyDictionary<string, string>? map) =>
        map is null ? null : string.Join(", ", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
