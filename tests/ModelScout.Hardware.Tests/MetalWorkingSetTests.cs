using ModelScout.Core.Catalog;

namespace ModelScout.Hardware.Tests;

public class MetalWorkingSetTests
{
    private static readonly AppleWorkingSet Readings = Catalog.Embedded.Document.AppleGpuWorkingSet;

    [Theory]
    [InlineData(16, 11.84)]
    [InlineData(128, 107.52)]
    public void Catalog_readings_are_returned_exactly(double total, double usable) =>
        Assert.Equal(usable, MetalWorkingSet.UsableGiB(Readings, total), 6);

    [Fact]
    public void Between_readings_the_share_is_interpolated_linearly()
    {
        // 72 GiB is halfway from 16 to 128: the share is halfway from 0.74 to 0.84.
        Assert.Equal(72 * 0.79, MetalWorkingSet.UsableGiB(Readings, 72), 6);
    }

    [Theory]
    [InlineData(8, 8 * 0.74)]
    [InlineData(192, 192 * 0.84)]
    public void Beyond_the_readings_the_nearest_share_is_kept(double total, double usable) =>
        Assert.Equal(usable, MetalWorkingSet.UsableGiB(Readings, total), 6);

    [Fact]
    public void Usable_grows_with_total()
    {
        var sizes = new[] { 8.0, 16, 24, 36, 48, 64, 96, 128, 192, 512 };
        var usable = sizes.Select(s => MetalWorkingSet.UsableGiB(Readings, s)).ToList();
        Assert.Equal(usable.Order(), usable);
        Assert.All(sizes.Zip(usable), p => Assert.True(p.Second < p.First));
    }

    [Fact]
    public void Bytes_follow_GiB() =>
        Assert.Equal((long)Math.Round(11.84 * (1L << 30)), MetalWorkingSet.UsableBytes(Readings, 16L << 30));
}
