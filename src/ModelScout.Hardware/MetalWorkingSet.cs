using ModelScout.Core.Catalog;

namespace ModelScout.Hardware;

/// <summary>
/// How much unified memory Metal lets the GPU wire on a Mac whose <c>iogpu.wired_limit_mb</c> is not set: the catalog's
/// readings give the usable share at a few total sizes; between readings the share is interpolated linearly by total
/// memory, and beyond them the nearest reading's share is kept.
/// </summary>
public static class MetalWorkingSet
{
    /// <summary>The usable GiB for a Mac with <paramref name="totalGiB"/> of unified memory (16 → 11.84 with the embedded catalog).</summary>
    public static double UsableGiB(AppleWorkingSet readings, double totalGiB)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var points = readings.Points.Where(p => p.TotalGiB > 0 && p.UsableGiB > 0).OrderBy(p => p.TotalGiB).ToList();
        if (points.Count == 0 || totalGiB <= 0) return Math.Max(totalGiB, 0);

        static double Share(WorkingSetPoint p) => p.UsableGiB / p.TotalGiB;
        if (totalGiB <= points[0].TotalGiB) return totalGiB * Share(points[0]);
        if (totalGiB >= points[^1].TotalGiB) return totalGiB * Share(points[^1]);
        for (var i = 0; i + 1 < points.Count; i++)
        {
            var (low, high) = (points[i], points[i + 1]);
            if (totalGiB > high.TotalGiB) continue;
            var t = (totalGiB - low.TotalGiB) / (high.TotalGiB - low.TotalGiB);
            return totalGiB * (Share(low) + (t * (Share(high) - Share(low))));
        }
        return totalGiB * Share(points[^1]);
    }

    /// <summary>The usable bytes for a Mac with <paramref name="totalBytes"/> of unified memory.</summary>
    public static long UsableBytes(AppleWorkingSet readings, long totalBytes) =>
        Units.FromGiB(UsableGiB(readings, totalBytes / (double)Units.GiB));
}
