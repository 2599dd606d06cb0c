using ModelScout.Gguf.Fuzzing;
using ModelScout.Testing;
using Xunit.Abstractions;

namespace ModelScout.Gguf.Tests;

/// <summary>
/// Property: whatever the bytes, reading, validating and describing a GGUF header either works or raises
/// <see cref="GgufFormatException"/> with an offset inside the file; it never throws anything else, never hangs, and
/// never allocates more than 64 MiB + 32 bytes per input byte (<see cref="FuzzTarget"/>). Over 100,000 seeded variants
/// per run, of writer-made files here and of the two fixture models in <see cref="Stories260KFuzzTests"/> and
/// <see cref="Llama2TinyFuzzTests"/> (classes of their own, so that xunit runs them in parallel). bench/ModelScout.GgufFuzz runs the same mutator for as long as you like.
/// </summary>
public class GgufFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Writer_made_files_of_every_metadata_type_survive_mutation() =>
        FuzzHarness.Fuzz(output, FuzzSeeds.WriterMade().Select(s => (s, FuzzHarness.WriterVariantsPerSeed)));

    [Fact]
    public void The_fuzz_tests_run_at_least_100000_variants() => Assert.InRange(FuzzHarness.TotalVariants, 100_000, 200_000);

    [Fact]
    public void Every_seed_is_a_valid_file_the_field_walk_follows_to_the_end()
    {
        var seeds = FuzzSeeds.WriterMade()
            .Append(FuzzSeeds.Real(RepoPaths.Model("stories260K.gguf")))
            .Append(FuzzSeeds.Real(RepoPaths.Model("llama-2-tiny-random.gguf")));
        foreach (var seed in seeds)
        {
            var f = GgufReader.Read(new MemoryStream(seed.Bytes), seed.Bytes.Length);
            Assert.True(seed.Map.Complete, seed.Name);
            Assert.Equal(f.HeaderBytes, seed.Map.HeaderBytes);
            Assert.True(GgufValidator.Validate(f).Clean, seed.Name);
            Assert.Equal(seed.Name.Contains("big-endian", StringComparison.Ordinal), f.BigEndian);
            Assert.NotEmpty(seed.Map.Outline);
        }
    }

    [Fact]
    public void The_writer_made_seeds_hold_every_metadata_type_nested_arrays_and_several_tensor_types()
    {
        var files = FuzzSeeds.WriterMade().Select(s => GgufReader.Read(new MemoryStream(s.Bytes), s.Bytes.Length)).ToList();
        var values = files.SelectMany(f => f.Metadata.Select(kv => kv.Value)).ToList();
        foreach (var type in Enum.GetValues<GgufValueType>())
        {
            Assert.Contains(values, v => v.Type == type);
            if (type != GgufValueType.Array) Assert.Contains(values, v => v.ElementType == type);
        }
        static int Depth(GgufValue v) => v.Raw is GgufValue[] nested ? 1 + nested.Select(Depth).DefaultIfEmpty(0).Max() : v.IsArray ? 1 : 0;
        Assert.Equal(GgufLimits.Default.MaxArrayDepth, values.Max(Depth));
        Assert.True(files.SelectMany(f => f.Tensors).Select(t => t.Type).Distinct().Count() >= 10);
        Assert.Contains(files, f => f.BigEndian);
        Assert.Contains(files, f => f.Version == 2);
        Assert.Contains(files, f => f.Alignment != 32);
    }

    [Fact]
    public void Replaying_a_variant_gives_the_same_bytes()
    {
        var seed = FuzzSeeds.WriterMade()[0];
        for (var i = 0; i < 50; i++)
        {
            var (a, knownA, logA) = FuzzRunner.Replay(seed, FuzzHarness.BaseSeed, i);
            var (b, knownB, logB) = FuzzRunner.Replay(seed, FuzzHarness.BaseSeed, i);
            Assert.Equal(a, b);
            Assert.Equal(knownA, knownB);
            Assert.Equal(logA, logB);
            Assert.NotEmpty(logA);
        }
    }

    [Fact]
    public void Variants_of_one_seed_differ_and_reset_restores_the_seed()
    {
        var seed = FuzzSeeds.WriterMade()[0];
        var v = new FuzzVariant(seed.Bytes);
        var distinct = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var rng = new FuzzRandom(FuzzRandom.Derive(1, seed.Stream, i));
            GgufMutator.Mutate(seed, v, ref rng, null);
            distinct.Add(Convert.ToHexString(v.Span));
            v.Reset();
            Assert.True(v.Span.SequenceEqual(seed.Bytes));
        }
        Assert.True(distinct.Count > 190, $"{distinct.Count} distinct variants of 200");
    }
}

/// <summary>The fuzz property on variants of stories260K (a 14 KB header before 1.2 MB of F32 weights).</summary>
public class Stories260KFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Stories260K_survives_mutation() =>
        FuzzHarness.Fuzz(output, [(FuzzSeeds.Real(RepoPaths.Model("stories260K.gguf")), FuzzHarness.Stories260KVariants)]);
}

/// <summary>The fuzz property on variants of llama-2-tiny-random (a 724 KB header: a 32,000-token vocabulary).</summary>
public class Llama2TinyFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Llama2_tiny_random_with_its_32000_token_vocabulary_survives_mutation() =>
        FuzzHarness.Fuzz(output, [(FuzzSeeds.Real(RepoPaths.Model("llama-2-tiny-random.gguf")), FuzzHarness.Llama2TinyVariants)]);
}
