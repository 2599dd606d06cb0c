using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ModelScout.Engine.Quantization;

/// <summary>
/// The base model's next-token distributions over the scored tokens of a perplexity run, stored compactly for KL
/// divergence (see docs/perplexity.md). File: a header (magic, version, vocabulary size, SHA-256 of the vocabulary,
/// SHA-256 of the text's token ids, context, chunks, scored tokens, the per-token cap and tail target), then one record
/// per scored token in scoring order: the number of stored tokens n (uint16), n × (token id int32, probability float32)
/// in falling probability (ties by id), and the log-probability of the correct token (float64). Tokens are stored until
/// the mass left over is at most <see cref="TailTarget"/> or <see cref="MaxTokens"/> are stored; the rest of the
/// vocabulary is one bin whose mass is 1 − Σ stored. A vocabulary no larger than the cap is stored whole (exact).
/// </summary>
internal static class BaseLogitCache
{
    public const int Version = 1;

    /// <summary>Default most tokens stored per scored position.</summary>
    public const int MaxTokens = 256;

    /// <summary>Stop storing once the base's mass not yet stored is at most this.</summary>
    public const double TailTarget = 1e-5;

    private static readonly byte[] Magic = "SCOUTKLD"u8.ToArray();

    /// <summary>Bytes of one record holding <paramref name="stored"/> tokens.</summary>
    public static long RecordBytes(int stored) => 2 + stored * 8L + 8;

    /// <summary>Header bytes.</summary>
    public const int HeaderBytes = 8 + 4 + 4 + 32 + 32 + 4 + 4 + 4 + 4 + 8;

    /// <summary>The most a cache of <paramref name="scoredTokens"/> positions can take (every position at the cap).</summary>
    public static long WorstCaseBytes(long scoredTokens, int vocabulary, int cap = MaxTokens) =>
        HeaderBytes + scoredTokens * RecordBytes(Math.Min(vocabulary, cap));

    public static byte[] HashTokens(ReadOnlySpan<int> tokens)
    {
        var bytes = new byte[tokens.Length * 4];
        for (var i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), tokens[i]);
        return SHA256.HashData(bytes);
    }

    public static byte[] HashVocabulary(IEnumerable<string> tokens)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in tokens)
        {
            h.AppendData(Encoding.UTF8.GetBytes(t));
            h.AppendData([0]);
        }
        return h.GetHashAndReset();
    }

    /// <summary>
    /// The <paramref name="k"/> highest logits, in falling order (ties: lower id first), into the buffers; returns how
    /// many (k, or the vocabulary when smaller). A bounded min-heap: one comparison for most of a large vocabulary.
    /// </summary>
    public static int TopTokens(ReadOnlySpan<float> logits, int k, ref int[] ids, ref float[] values)
    {
        k = Math.Min(k, logits.Length);
        if (ids.Length < k)
        {
            ids = new int[k];
            values = new float[k];
        }
        var n = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var l = logits[i];
            if (n < k)
            {
                // Sift up: the root holds the smallest (lowest logit, then highest id).
                var c = n++;
                while (c > 0)
                {
                    var parent = (c - 1) / 2;
                    if (!Smaller(l, i, values[parent], ids[parent])) break;
                    ids[c] = ids[parent];
                    values[c] = values[parent];
                    c = parent;
                }
                ids[c] = i;
                values[c] = l;
            }
            else if (l > values[0])
            {
                SiftDown(ids, values, n, i, l);
            }
        }
        // Heap-sort in place: repeatedly move the smallest to the end, leaving the largest first.
        for (var end = n - 1; end > 0; end--)
        {
            var (id, v) = (ids[0], values[0]);
            SiftDown(ids, values, end, ids[end], values[end]);
            ids[end] = id;
            values[end] = v;
        }
        return n;
    }

    // "a is smaller than b" in heap order: lower logit, or the same logit and a higher id.
    private static bool Smaller(float la, int ia, float lb, int ib) => la < lb || (la == lb && ia > ib);

    private static void SiftDown(int[] ids, float[] values, int n, int id, float value)
    {
        var c = 0;
        while (true)
        {
            var child = 2 * c + 1;
            if (child >= n) break;
            if (child + 1 < n && Smaller(values[child + 1], ids[child + 1], values[child], ids[child])) child++;
            if (!Smaller(values[child], ids[child], value, id)) break;
            ids[c] = ids[child];
            values[c] = values[child];
            c = child;
        }
        ids[c] = id;
        values[c] = value;
    }

    internal sealed record Header(int Vocabulary, byte[] VocabularyHash, byte[] TokensHash, int Context, int Chunks, int ScoredTokens, int Cap, double Tail);

    /// <summary>Writes records to a temporary file beside the destination; <see cref="Commit"/> renames it into place.</summary>
    internal sealed class Writer : IDisposable
    {
        private readonly string path;
        private readonly string temp;
        private readonly BinaryWriter output;
        private readonly int cap;
        private readonly double tail;
        private int[] heapIds = [];
        private float[] heapLogits = [];
        private int written;
        private bool committed;

        public Writer(string path, Header header)
        {
            this.path = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(this.path)!;
            Directory.CreateDirectory(folder);
            temp = Path.Combine(folder, $".{Path.GetFileName(this.path)}.{Guid.NewGuid():N}.partial");
            output = new BinaryWriter(new BufferedStream(File.Create(temp), 1 << 20));
            cap = Math.Min(header.Cap <= 0 ? header.Vocabulary : Math.Min(header.Cap, header.Vocabulary), ushort.MaxValue);
            tail = header.Tail;
            Expected = header.ScoredTokens;
            output.Write(Magic);
            output.Write(Version);
            output.Write(header.Vocabulary);
            output.Write(header.VocabularyHash);
            output.Write(header.TokensHash);
            output.Write(header.Context);
            output.Write(header.Chunks);
            output.Write(header.ScoredTokens);
            output.Write(cap);
            output.Write(header.Tail);
        }

        public int Expected { get; }

        public long Bytes { get; private set; }

        /// <summary>Stores one position: <paramref name="logits"/> with log-normaliser <paramref name="logZ"/>, and the correct token's log-probability.</summary>
        public void Add(ReadOnlySpan<float> logits, double logZ, double correctLogProb)
        {
            var n = TopTokens(logits, cap, ref heapIds, ref heapLogits);
            var keep = 0;
            double mass = 0;
            while (keep < n && (1 - mass > tail || keep == 0 || n == logits.Length))
            {
                mass += Math.Exp(heapLogits[keep] - logZ);
                keep++;
            }
            output.Write((ushort)keep);
            for (var i = 0; i < keep; i++)
            {
                output.Write(heapIds[i]);
                output.Write((float)Math.Exp(heapLogits[i] - logZ));
            }
            output.Write(correctLogProb);
            written++;
        }

        public void Commit()
        {
            if (written != Expected) throw new InvalidOperationException($"the cache holds {written} positions, expected {Expected}");
            output.Flush();
            output.Dispose();
            Bytes = new FileInfo(temp).Length;
            File.Move(temp, path, overwrite: true);
            committed = true;
        }

        public void Dispose()
        {
            if (committed) return;
            output.Dispose();
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Reads records in order.</summary>
    internal sealed class Reader : IDisposable
    {
        private readonly BinaryReader input;
        private readonly string path;
        private int read;

        public Reader(string path)
        {
            this.path = path;
            if (!File.Exists(path))
                throw new InferenceException(InferenceErrorKind.InvalidRequest, $"no base cache at {path}; run the base model first with a cache to write") { Param = "base" };
            input = new BinaryReader(new BufferedStream(File.OpenRead(path), 1 << 20));
            try
            {
                var magic = input.ReadBytes(Magic.Length);
                if (!magic.AsSpan().SequenceEqual(Magic)) throw Damaged("it is not a ModelScout base-logit cache");
                var version = input.ReadInt32();
                if (version != Version) throw Damaged($"it has format version {version}, this build reads {Version}; recompute it");
                Header = new Header(input.ReadInt32(), input.ReadBytes(32), input.ReadBytes(32), input.ReadInt32(), input.ReadInt32(), input.ReadInt32(), input.ReadInt32(), input.ReadDouble());
            }
            catch (EndOfStreamException)
            {
                input.Dispose();
                throw Damaged("it ends inside its header");
            }
            catch
            {
                input.Dispose();
                throw;
            }
        }

        public Header Header { get; }

        private InferenceException Damaged(string why) => new(InferenceErrorKind.InvalidRequest, $"the base cache {path} cannot be used: {why}") { Param = "base" };

        /// <summary>The next position: stored token ids and probabilities (into the buffers), and the correct token's log-probability.</summary>
        public int Next(int[] ids, float[] probs, out double correctLogProb)
        {
            try
            {
                var n = input.ReadUInt16();
                for (var i = 0; i < n; i++)
                {
                    ids[i] = input.ReadInt32();
                    probs[i] = input.ReadSingle();
                    if ((uint)ids[i] >= (uint)Header.Vocabulary) throw Damaged($"position {read} names token {ids[i]}, outside the vocabulary");
                }
                correctLogProb = input.ReadDouble();
                read++;
                return n;
            }
            catch (EndOfStreamException)
            {
                throw Damaged($"it ends after {read} of {Header.ScoredTokens} positions");
            }
        }

        public void Dispose() => input.Dispose();
    }
}
