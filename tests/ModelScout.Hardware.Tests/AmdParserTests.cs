namespace ModelScout.Hardware.Tests;

public class AmdParserTests
{
    [Fact]
    public void Reads_one_7900_XTX_from_rocm_smi()
    {
        var listing = RocmSmiParser.Parse(TestFiles.Sample("amd-7900xtx.handwritten.rocm-smi.json"));

        Assert.Empty(listing.Warnings);
        var gpu = Assert.Single(listing.Gpus);
        Assert.Equal(0, gpu.Index);
        Assert.Equal("Radeon RX 7900 XTX", gpu.Name);
        Assert.DoesNotContain("0x744c", gpu.Names);
        Assert.Equal(25753026560, gpu.TotalBytes);
        Assert.Equal(1073741824, gpu.UsedBytes);
    }

    [Fact]
    public void Field_names_are_matched_without_case_and_numbers_may_be_bare()
    {
        var json = """
            {"card1": {"Card Series": "AMD Instinct MI300X", "VRAM Total Memory (B)": 206141652992},
             "card0": {"Card SKU": "D7070100", "vram total memory (b)": "25753026560"},
             "system": {"Driver version": "6.7.0"}}
            """;

        var listing = RocmSmiParser.Parse(json);

        Assert.Empty(listing.Warnings);
        Assert.Equal(2, listing.Gpus.Count);
        Assert.Equal((1, "AMD Instinct MI300X", 206141652992L), (listing.Gpus[0].Index, listing.Gpus[0].Name, listing.Gpus[0].TotalBytes!.Value));
        Assert.Equal(("D7070100", 25753026560L), (listing.Gpus[1].Name, listing.Gpus[1].TotalBytes!.Value));
    }

    [Fact]
    public void Card_without_any_name_gets_a_generic_one()
    {
        var gpu = Assert.Single(RocmSmiParser.Parse("""{"card2": {"Card model": "0x73bf"}}""").Gpus);

        Assert.Equal("AMD GPU card2", gpu.Name);
        Assert.Null(gpu.TotalBytes);
    }

    [Fact]
    public void Cut_off_JSON_after_a_notice_is_a_warning()
    {
        var listing = RocmSmiParser.Parse(TestFiles.Sample("garbage.rocm-smi.json"));

        Assert.Empty(listing.Gpus);
        Assert.Contains("malformed JSON", Assert.Single(listing.Warnings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ERROR: No AMD GPUs specified", "did not print JSON")]
    [InlineData("[1, 2]", "not an object")]
    [InlineData("", "printed nothing")]
    public void Output_that_is_not_a_card_object_is_a_warning(string text, string mentioned)
    {
        var listing = RocmSmiParser.Parse(text);

        Assert.Empty(listing.Gpus);
        Assert.Contains(mentioned, Assert.Single(listing.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Notices_around_the_JSON_are_skipped()
    {
        var text = "WARNING: low-power state\n{\"card0\": {\"Card series\": \"Radeon RX 7900 XTX\", \"VRAM Total Memory (B)\": \"25753026560\"}}\n=== end ===\n";

        var listing = RocmSmiParser.Parse(text);

        Assert.Empty(listing.Warnings);
        Assert.Equal(25753026560, Assert.Single(listing.Gpus).TotalBytes);
    }

    [Fact]
    public void Sysfs_lists_AMD_cards_and_skips_connectors_and_other_vendors()
    {
        var files = new FakeSystemFiles()
            .With("/sys/class/drm/card1/device/vendor", "0x1002\n")
            .With("/sys/class/drm/card1/device/mem_info_vram_total", "25753026560\n")
            .With("/sys/class/drm/card1/device/mem_info_vram_used", "536870912\n")
            .With("/sys/class/drm/card1/device/product_name", "Radeon RX 7900 XTX\n")
            .With("/sys/class/drm/card1-DP-1/status", "connected\n")
            .With("/sys/class/drm/card0/device/vendor", "0x10de\n")
            .With("/sys/class/drm/card2/device/vendor", "0x1002\n")
            .With("/sys/class/drm/card2/device/device", "0x744c\n")
            .With("/sys/class/drm/card2/device/mem_info_vram_total", "garbage\n")
            .With("/sys/class/drm/renderD128/device/vendor", "0x1002\n");

        var listing = AmdSysfsReader.Read(files);

        Assert.Equal(2, listing.Gpus.Count);
        var first = listing.Gpus[0];
        Assert.Equal((1, "Radeon RX 7900 XTX", 25753026560L, 536870912L), (first.Index, first.Name, first.TotalBytes!.Value, first.UsedBytes!.Value));
        Assert.Equal(("AMD GPU (device 0x744c)", (long?)null), (listing.Gpus[1].Name, listing.Gpus[1].TotalBytes));
        Assert.Contains("card2", Assert.Single(listing.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Sysfs_without_DRM_lists_nothing()
    {
        var listing = AmdSysfsReader.Read(new FakeSystemFiles());

        Assert.Empty(listing.Gpus);
        Assert.Empty(listing.Warnings);
    }
}
