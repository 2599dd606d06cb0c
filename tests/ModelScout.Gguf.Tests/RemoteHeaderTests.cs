using System.Collections;

namespace ModelScout.Gguf.Tests;

public sealed class RemoteHeaderTests(GgufHttpServer server) : IClassFixture<GgufHttpServer>
{
    private const int ReaderBuffer = 64 << 10;

    private static HttpClient Client() => new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>The ranges the doubling strategy asks for until the header is covered.</summary>
    private static string[] DoublingRanges(long headerBytes, long fileLength)
    {
        var ranges = new List<string>();
        long start = 0, window = 512 << 10;
        while (start < headerBytes)
        {
            var end = Math.Min(start + window - 1, fileLength - 1);
            ranges.Add($"bytes={start}-{end}");
            start = end + 1;
            window = Math.Min(window * 2, 16 << 20);
        }
        return [.. ranges];
    }

    private static long RangeStart(string range) =>
        long.Parse(range.AsSpan("bytes=".Length, range.IndexOf('-', StringComparison.Ordinal) - "bytes=".Length), System.Globalization.CultureInfo.InvariantCulture);

    internal static void AssertSameHeader(GgufFile local, GgufFile remote, bool lengthKnown = true)
    {
        Assert.Equal(local.Version, remote.Version);
        Assert.Equal(local.Metadata.Count, remote.Metadata.Count);
        for (var i = 0; i < local.Metadata.Count; i++)
        {
            Assert.Equal(local.Metadata[i].Key, remote.Metadata[i].Key);
            AssertSameValue(local.Metadata[i].Value, remote.Metadata[i].Value);
        }
        Assert.Equal(local.Tensors.Select(t => (t.Name, t.Type, t.Shape, t.Offset)), remote.Tensors.Select(t => (t.Name, t.Type, t.Shape, t.Offset)));
        Assert.Equal(local.Alignment, remote.Alignment);
        Assert.Equal(local.HeaderBytes, remote.HeaderBytes);
        Assert.Equal(local.DataOffset, remote.DataOffset);
        Assert.Equal(lengthKnown ? local.FileLength : null, remote.FileLength);
    }

    private static void AssertSameValue(GgufValue a, GgufValue b)
    {
        Assert.Equal(a.Type, b.Type);
        Assert.Equal(a.ElementType, b.ElementType);
        if (a.Raw is GgufValue[] nested)
        {
            var other = Assert.IsType<GgufValue[]>(b.Raw);
            Assert.Equal(nested.Length, other.Length);
            for (var i = 0; i < nested.Length; i++) AssertSameValue(nested[i], other[i]);
        }
        else
        {
            Assert.True(StructuralComparisons.StructuralEqualityComparer.Equals(a.Raw, b.Raw), $"{a.Type} values differ");
        }
    }

    private GgufRemoteResult ReadAndCompare(string mode, string name, string query = "")
    {
        using var http = Client();
        var local = TestFiles.Local(name);
        var result = GgufRemote.Read(server.Url(mode, name, query), http);
        AssertSameHeader(local, result.File, lengthKnown: !query.Contains("total=unknown", StringComparison.Ordinal) && !query.Contains("chunked", StringComparison.Ordinal));
        Assert.InRange(result.BytesReceived, local.HeaderBytes, local.HeaderBytes + ReaderBuffer);
        return result;
    }

    [Fact]
    public void Stories260K_takes_one_range_request_of_the_first_window()
    {
        var before = server.Log.Count;
        var r = ReadAndCompare("range", TestFiles.Stories);
        Assert.True(r.RangeSupported);
        Assert.Equal(1, r.Requests);
        Assert.Equal(["bytes=0-524287"], server.Since(before).Select(q => q.Range));
        Assert.All(server.Since(before), q => Assert.Equal("ModelScout/0.1", q.UserAgent));
        Assert.True(GgufValidator.Validate(r.File).Clean);
    }

    [Fact]
    public void Llama2_tiny_random_header_of_724_KB_takes_a_second_doubled_range()
    {
        var before = server.Log.Count;
        var r = ReadAndCompare("range", TestFiles.TinyLlama);
        Assert.Equal(2, r.Requests);
        Assert.Equal(["bytes=0-524287", "bytes=524288-1572863"], server.Since(before).Select(q => q.Range));
        Assert.True(GgufValidator.Validate(r.File).Clean);
    }

    [Fact]
    public void A_6_MB_header_is_read_over_doubling_ranges_and_no_further()
    {
        var before = server.Log.Count;
        var r = ReadAndCompare("range", TestFiles.BigHeader);
        var expected = DoublingRanges(r.File.HeaderBytes, r.File.FileLength!.Value);
        // 512 KiB, 1 MiB, 2 MiB, then 4 MiB cut short by the end of the file.
        Assert.Equal(["bytes=0-524287", "bytes=524288-1572863", "bytes=1572864-3670015", $"bytes=3670016-{r.File.FileLength - 1}"], expected);
        Assert.Equal(expected, server.Since(before).Select(q => q.Range));
        Assert.Equal(expected.Length, r.Requests);
        Assert.Equal(300_000, r.File["tokenizer.ggml.tokens"]!.Count);
    }

    [Fact]
    public void Kestrels_own_range_processing_is_understood()
    {
        var r = ReadAndCompare("kestrel", TestFiles.TinyLlama);
        Assert.True(r.RangeSupported);
        Assert.Equal(2, r.Requests);
    }

    [Fact]
    public void A_server_that_ignores_Range_is_read_only_as_far_as_the_header_of_a_64_MiB_file()
    {
        using var http = Client();
        var size = new FileInfo(TestFiles.Get(TestFiles.ZeroData)).Length;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var r = GgufRemote.Read(server.Url("full", TestFiles.ZeroData), http);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.False(r.RangeSupported);
        Assert.Equal(1, r.Requests);
        Assert.Equal(size, r.File.FileLength);
        Assert.True(size > 64 << 20);
        Assert.InRange(r.BytesReceived, r.File.HeaderBytes, r.File.HeaderBytes + ReaderBuffer);
        Assert.True(allocated < 1 << 20, $"{allocated:N0} bytes allocated reading the header of a {size:N0}-byte file");
        Assert.True(GgufValidator.Validate(r.File).Clean);
    }

    [Fact]
    public void A_whole_body_carrying_a_6_MB_header_is_parsed_as_it_arrives()
    {
        var r = ReadAndCompare("full", TestFiles.BigHeader);
        Assert.False(r.RangeSupported);
        Assert.Equal(1, r.Requests);
    }

    [Fact]
    public void A_whole_body_without_Content_Length_leaves_the_length_unknown()
    {
        var r = ReadAndCompare("full", TestFiles.TinyLlama, "chunked=1");
        Assert.Null(r.File.FileLength);
        Assert.Contains(GgufValidator.Validate(r.File).Warnings, w => w.Contains("length is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Content_Range_total_of_star_leaves_the_length_unknown()
    {
        var r = ReadAndCompare("range", TestFiles.TinyLlama, "total=unknown");
        Assert.True(r.RangeSupported);
        Assert.Equal(2, r.Requests);
        Assert.Null(r.File.FileLength);
        Assert.Contains(GgufValidator.Validate(r.File).Warnings, w => w.Contains("length is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void A_server_that_sends_fewer_bytes_than_asked_is_asked_again_from_where_it_stopped()
    {
        var before = server.Log.Count;
        var r = ReadAndCompare("range", TestFiles.TinyLlama, "cap=100000");
        var starts = server.Since(before).Select(q => RangeStart(q.Range!)).ToArray();
        Assert.Equal(Enumerable.Range(0, starts.Length).Select(i => i * 100_000L), starts);
        Assert.Equal((int)((r.File.HeaderBytes + 99_999) / 100_000), r.Requests);
    }

    [Fact]
    public void A_server_that_stops_honouring_Range_part_way_has_the_bytes_already_read_skipped()
    {
        var before = server.Log.Count;
        using var http = Client();
        var local = TestFiles.Local(TestFiles.TinyLlama);
        var r = GgufRemote.Read(server.Url("range", TestFiles.TinyLlama, "rangesBelow=1"), http);
        AssertSameHeader(local, r.File);
        Assert.True(r.RangeSupported);
        Assert.Equal(2, r.Requests);
        Assert.Equal(["bytes=0-524287", "bytes=524288-1572863"], server.Since(before).Select(q => q.Range));
        // The second answer starts again at byte 0, so the first window arrives twice.
        Assert.InRange(r.BytesReceived, local.HeaderBytes + (512 << 10), local.HeaderBytes + (512 << 10) + ReaderBuffer);
    }

    [Fact]
    public void A_206_whose_body_ends_early_is_asked_again_from_where_it_ended()
    {
        var before = server.Log.Count;
        var r = ReadAndCompare("range", TestFiles.TinyLlama, "bodyOnly=300000");
        Assert.Equal(["bytes=0-524287", "bytes=300000-1348575", "bytes=600000-1750559"], server.Since(before).Select(q => q.Range));
        Assert.Equal(3, r.Requests);
    }

    [Fact]
    public void A_redirect_is_followed_once_and_later_ranges_go_straight_to_its_target()
    {
        var before = server.Log.Count;
        using var http = Client();
        var local = TestFiles.Local(TestFiles.TinyLlama);
        var r = GgufRemote.Read(server.Url("redirect", TestFiles.TinyLlama), http);
        AssertSameHeader(local, r.File);
        Assert.Equal(2, r.Requests);
        Assert.Equal(
            [
                new ServedRequest("/redirect/" + TestFiles.TinyLlama, "bytes=0-524287", "ModelScout/0.1"),
                new ServedRequest("/range/" + TestFiles.TinyLlama, "bytes=0-524287", "ModelScout/0.1"),
                new ServedRequest("/range/" + TestFiles.TinyLlama, "bytes=524288-1572863", "ModelScout/0.1"),
            ],
            server.Since(before));
    }

    [Fact]
    public void ReadHeader_returns_the_file_alone()
    {
        using var http = Client();
        var f = GgufRemote.ReadHeader(server.Url("range", TestFiles.Stories), http);
        Assert.Equal("llama", f.Architecture);
        Assert.Equal(48, f.Tensors.Count);
    }
}
