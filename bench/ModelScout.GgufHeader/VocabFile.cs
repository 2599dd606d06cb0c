using System.Text;
using ModelScout.Gguf;

namespace ModelScout.Bench;

/// <summary>
/// A deterministic GGUF file shaped like a llama.cpp vocab file of a 100k-token BPE model (DeepSeek LLM's has 102,400
/// tokens and 99,757 merges): llama keys, a gpt2 tokenizer with byte-level BPE tokens of varied length (some of them
/// non-ASCII), an int32 token_type array, merges "a b" that split real tokens, a chat template of a few KB, and a
/// handful of small tensors. Only the header matters to the benchmark; the file is about 3 MB.
/// </summary>
public static class VocabFile
{
    public const int Tokens = 102_400;
    public const int Merges = 99_757;

    public static void Write(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + ".tmp";
        Build().WriteFile(tmp);
        File.Move(tmp, path, overwrite: true);
    }

    public static GgufWriter Build()
    {
        var rng = new Lcg(0x5EEDF11E);
        var tokens = MakeTokens(ref rng);
        var types = new int[Tokens];
        for (var i = 0; i < Tokens; i++) types[i] = tokens[i].StartsWith("<|", StringComparison.Ordinal) ? 3 : 1;
        var merges = MakeMerges(tokens, ref rng);

        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", "bench-vocab-100k")
            .Add("general.file_type", 15u)
            .Add("general.quantization_version", 2u)
            .Add("llama.context_length", 4096u)
            .Add("llama.embedding_length", 4096u)
            .Add("llama.block_count", 30u)
            .Add("llama.feed_forward_length", 11008u)
            .Add("llama.rope.dimension_count", 128u)
            .Add("llama.attention.head_count", 32u)
            .Add("llama.attention.head_count_kv", 32u)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-6f)
            .Add("llama.rope.freq_base", 10000f)
            .Add("llama.vocab_size", (uint)Tokens)
            .Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.pre", "deepseek-llm")
            .Add("tokenizer.ggml.tokens", GgufValue.Array(tokens))
            .Add("tokenizer.ggml.token_type", GgufValue.Array(types))
            .Add("tokenizer.ggml.merges", GgufValue.Array(merges))
            .Add("tokenizer.ggml.bos_token_id", 100_000u)
            .Add("tokenizer.ggml.eos_token_id", 100_001u)
            .Add("tokenizer.ggml.padding_token_id", 100_001u)
            .Add("tokenizer.ggml.add_bos_token", true)
            .Add("tokenizer.ggml.add_eos_token", false)
            .Add("tokenizer.chat_template", ChatTemplate());
        w.AddZeroTensor("token_embd.weight", [256, 16], GgmlType.Q4_K);
        w.AddZeroTensor("blk.0.attn_norm.weight", [256], GgmlType.F32);
        w.AddZeroTensor("blk.0.attn_q.weight", [256, 8], GgmlType.Q4_K);
        w.AddZeroTensor("blk.0.attn_k.weight", [256, 8], GgmlType.Q4_K);
        w.AddZeroTensor("blk.0.ffn_down.weight", [256, 8], GgmlType.Q6_K);
        w.AddZeroTensor("output_norm.weight", [256], GgmlType.F32);
        w.AddZeroTensor("output.weight", [256, 16], GgmlType.Q6_K);
        return w;
    }

    // GPT-2's byte-to-character map: printable Latin-1 stays, the other bytes move to U+0100 and up (space is 'Ġ').
    private static char[] ByteChars()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static string[] MakeTokens(ref Lcg rng)
    {
        var bytes = ByteChars();
        var tokens = new List<string>(Tokens);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in bytes)
        {
            tokens.Add(c.ToString());
            seen.Add(c.ToString());
        }
        // Syllables weighted like English text, plus byte-level renderings of UTF-8 (Cyrillic, CJK, accents, emoji).
        string[] syllables = ["th", "e", "in", "er", "an", "re", "on", "at", "en", "nd", "ti", "es", "or", "te", "of", "ed", "is", "it", "al", "ar",
            "st", "to", "nt", "ng", "se", "ha", "as", "ou", "io", "le", "ve", "co", "me", "de", "hi", "ri", "ro", "ic", "ne", "ea", "ra", "ce",
            "li", "ch", "ll", "be", "ma", "si", "om", "ur", "a", "i", "o", "u", "s", "t", "y", "ment", "tion", "ing", "ly", "ous", "able"];
        string[] foreign = ["привет", "мир", "的", "是", "一", "不", "了", "人", "我", "在", "ü", "é", "ñ", "ß", "ø", "ç", "日本", "한국", "😀", "Ω", "∑"];
        string[] code = ["()", "{", "}", "];", "->", "::", "==", "!=", "__", "self", "def", "return", "int", "const", "    ", "\n", "\t", "//", "#"];
        var specials = 0;
        while (tokens.Count < Tokens)
        {
            string t;
            var kind = rng.Next(100);
            if (tokens.Count >= 100_000 && specials < Tokens - 100_000)
            {
                t = specials switch
                {
                    0 => "<|begin▁of▁sentence|>",
                    1 => "<|end▁of▁sentence|>",
                    _ => $"<|reserved_special_token_{specials}|>",
                };
                specials++;
            }
            else if (kind < 8)
            {
                t = Bytes(foreign[rng.Next(foreign.Length)] + (rng.Next(2) == 0 ? foreign[rng.Next(foreign.Length)] : ""), bytes);
            }
            else if (kind < 14)
            {
                t = Bytes(code[rng.Next(code.Length)] + (rng.Next(3) == 0 ? code[rng.Next(code.Length)] : ""), bytes);
            }
            else if (kind < 17)
            {
                t = rng.Next(10_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                var sb = new StringBuilder();
                if (rng.Next(100) < 55) sb.Append('Ġ');
                var parts = 1 + rng.Next(4) + (rng.Next(6) == 0 ? rng.Next(4) : 0);
                for (var p = 0; p < parts; p++) sb.Append(syllables[rng.Next(syllables.Length)]);
                if (rng.Next(12) == 0) sb[sb[0] == 'Ġ' ? 1 : 0] = char.ToUpperInvariant(sb[sb[0] == 'Ġ' ? 1 : 0]);
                t = sb.ToString();
            }
            if (seen.Add(t)) tokens.Add(t);
        }
        return [.. tokens];
    }

    private static string Bytes(string text, char[] map)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text)) sb.Append(map[b]);
        return sb.ToString();
    }

    // Each merge splits a multi-character token in two, as the BPE training that made it did.
    private static string[] MakeMerges(string[] tokens, ref Lcg rng)
    {
        var merges = new string[Merges];
        var n = 0;
        for (var i = 0; n < Merges; i++)
        {
            var t = tokens[256 + i % (tokens.Length - 256)];
            if (t.Length < 2) continue;
            var cut = 1 + rng.Next(t.Length - 1);
            if (char.IsLowSurrogate(t[cut])) cut = cut > 1 ? cut - 1 : cut + 1;
            if (cut >= t.Length) continue;
            merges[n++] = $"{t[..cut]} {t[cut..]}";
        }
        return merges;
    }

    private static string ChatTemplate()
    {
        var sb = new StringBuilder();
        sb.Append("{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}");
        sb.Append("{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}");
        sb.Append("{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}");
        sb.Append("{{ bos_token }}{{ ns.system_prompt }}");
        for (var i = 0; i < 12; i++)
        {
            sb.Append("{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}");
            sb.Append("{{ '<｜User｜>' + message['content'] }}{%- endif %}");
            sb.Append("{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}");
            sb.Append("{%- for tool in message['tool_calls'] %}{%- if not ns.is_first %}");
            sb.Append("{{ '<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] }}");
            sb.Append("{%- set ns.is_first = true -%}{%- endif %}{%- endfor %}{%- endif %}{%- endfor %}\n");
        }
        sb.Append("{% if add_generation_prompt and not ns.is_tool %}{{ '<｜Assistant｜>' }}{% endif %}");
        return sb.ToString();
    }

    // A 64-bit LCG: the file must be the same on every machine and runtime.
    private struct Lcg(ulong seed)
    {
        private ulong state = seed;

        public int Next(int n)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            return (int)((state >> 33) % (ulong)n);
        }
    }
}
