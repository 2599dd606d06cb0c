using System.Text.Json;
using ModelScout.Contracts;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Tests;

/// <summary>Wire JSON written from the compatibility checklist, in and out, byte for byte.</summary>
public sealed class TranslatorTests
{
    private static readonly WireJsonContext Wire = WireJsonContext.Wire;
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static readonly GenerationStats Stats = new()
    {
        Model = "llama3.1:8b",
        DoneReason = DoneReason.Stop,
        PromptTokens = 5,
        CompletionTokens = 10,
        TotalDuration = TimeSpan.FromMilliseconds(12.5),
        LoadDuration = TimeSpan.FromMilliseconds(2),
        PromptEvalDuration = TimeSpan.FromMilliseconds(1.5),
        EvalDuration = TimeSpan.FromMilliseconds(8),
    };

    [Fact]
    public void Ollama_generate_request_maps_options_format_keep_alive_system_and_raw()
    {
        const string json = """{"model":"llama3.1:8b","prompt":"Why?","system":"Be brief.","raw":true,"format":"json","keep_alive":"10m","options":{"temperature":0,"num_predict":12,"stop":["\n"],"num_ctx":"4096","mirostat":0},"unknown_field":{"x":1},"context":null,"images":null}""";
        var request = JsonSerializer.Deserialize(json, Wire.GenerateRequest)!;

        var g = OllamaTranslator.ToGeneration(request);

        Assert.Equal("llama3.1:8b", g.Model);
        Assert.Equal("Why?", g.Prompt);
        Assert.Equal("Be brief.", g.System);
        Assert.True(g.Raw);
        Assert.IsType<OutputConstraint.AnyJson>(g.Format);
        Assert.Equal(TimeSpan.FromMinutes(10), g.KeepAlive);
        Assert.Equal(0f, g.Options.Temperature);
        Assert.Equal(12, g.Options.NumPredict);
        Assert.Equal(4096, g.Options.NumCtx);
        Assert.Equal(["\n"], g.Options.Stop);
        Assert.Null(g.Messages);
    }

    [Fact]
    public void Ollama_format_schema_object_becomes_a_json_schema_constraint_with_the_raw_schema()
    {
        const string json = """{"model":"m","messages":[{"role":"user","content":"hi"}],"format":{"type":"object","properties":{"age":{"type":"integer"}}}}""";
        var g = OllamaTranslator.ToGeneration(JsonSerializer.Deserialize(json, Wire.ChatRequest)!);

        var schema = Assert.IsType<OutputConstraint.JsonSchema>(g.Format);
        Assert.Equal("""{"type":"object","properties":{"age":{"type":"integer"}}}""", schema.Schema);
        Assert.Equal([new ChatTurn("user", "hi")], g.Messages);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x","images":["aGk="]}]}""", "messages[0].images")]
    [InlineData("""{"model":"m","messages":[{"role":"wizard","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"format":"yaml"}""", "format")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"temperature":"hot"}}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"keep_alive":"forever"}""", "keep_alive")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}""", "tools[0].function")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"num_ctx":2147483647}}""", "num_ctx")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"num_ctx":0}}""", "num_ctx")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"num_thread":100000}}""", "num_thread")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"num_batch":0}}""", "num_batch")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"temperature":1e39}}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"temperature":"NaN"}}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"top_p":-0.5}}""", "top_p")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"repeat_penalty":0}}""", "repeat_penalty")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"num_predict":-3}}""", "num_predict")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"repeat_last_n":-2}}""", "repeat_last_n")]
    public void Ollama_chat_requests_the_server_cannot_honour_are_invalid_requests_naming_the_field(string json, string param)
    {
        var problem = ApiProblem.Of(Assert.ThrowsAny<Exception>(() => OllamaTranslator.ToGeneration(JsonSerializer.Deserialize(json, Wire.ChatRequest)!)));
        Assert.Equal(400, problem?.Status);
        Assert.Equal(param, problem?.Param);
    }

    [Fact]
    public void Ollama_final_generate_object_carries_timings_in_nanoseconds_byte_for_byte()
    {
        var json = JsonSerializer.Serialize(OllamaTranslator.GenerateDone("llama3.1:8b", Now, Stats), Wire.GenerateResponse);
        Assert.Equal("""{"model":"llama3.1:8b","created_at":"2026-03-04T05:06:07.0000000Z","response":"","done":true,"done_reason":"stop","total_duration":12500000,"load_duration":2000000,"prompt_eval_count":5,"prompt_eval_duration":1500000,"eval_count":10,"eval_duration":8000000}""", json);
    }

    [Fact]
    public void Ollama_chat_chunk_byte_for_byte()
    {
        var json = JsonSerializer.Serialize(OllamaTranslator.ChatChunk("llama3.1:8b", Now, new GenerationPiece(" there")), Wire.ChatResponse);
        Assert.Equal("""{"model":"llama3.1:8b","created_at":"2026-03-04T05:06:07.0000000Z","message":{"role":"assistant","content":" there"},"done":false}""", json);
    }

    [Fact]
    public void Ollama_load_only_answer_says_load()
    {
        var json = JsonSerializer.Serialize(OllamaTranslator.ChatLoaded("m", Now, "load"), Wire.ChatResponse);
        Assert.Equal("""{"model":"m","created_at":"2026-03-04T05:06:07.0000000Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"load"}""", json);
    }

    [Fact]
    public void OpenAI_chat_request_tolerates_nulls_and_unknown_fields_and_maps_every_sampling_field()
    {
        const string json = """
            {"model":"llama3.1:8b","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]},{"role":"assistant","content":null}],
             "max_tokens":null,"max_completion_tokens":99999999999,"temperature":0,"top_p":0.5,"seed":4294967297,"stop":"END","presence_penalty":0.5,"frequency_penalty":-0.5,
             "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},"logprobs":true,"top_logprobs":3,"user":"u1","tools":null,"num_ctx":8192,"keep_alive":0,
             "parallel_tool_calls":false,"metadata":{"a":"b"}}
            """;
        var g = OpenAITranslator.ToGeneration(JsonSerializer.Deserialize(json, Wire.ChatCompletionRequest)!);

        Assert.Equal([new ChatTurn("system", "Be brief."), new ChatTurn("user", "Hi there"), new ChatTurn("assistant", "")], g.Messages);
        Assert.Equal(int.MaxValue, g.Options.NumPredict);
        Assert.Equal(0f, g.Options.Temperature);
        Assert.Equal(0.5f, g.Options.TopP);
        Assert.Equal(1, g.Options.Seed);
        Assert.Equal(["END"], g.Options.Stop);
        Assert.Equal(0.5f, g.Options.PresencePenalty);
        Assert.Equal(-0.5f, g.Options.FrequencyPenalty);
        Assert.Equal(8192, g.Options.NumCtx);
        Assert.Equal(TimeSpan.Zero, g.KeepAlive);
        Assert.Equal("""{"type":"object"}""", Assert.IsType<OutputConstraint.JsonSchema>(g.Format).Schema);
        Assert.True(g.Logprobs);
        Assert.Equal(3, g.TopLogprobs);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}""", "temperature")]
    [InlineData("""{"model":"m","messages":[]}""", "messages")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f g"}}]}""", "tools[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}""", "response_format.type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1,2]}""", "stop")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"num_ctx":2147483647}""", "num_ctx")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"top_k":-1}""", "top_k")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"min_p":1.5}""", "min_p")]
    public void OpenAI_chat_requests_the_server_cannot_honour_are_invalid_requests_naming_the_param(string json, string param)
    {
        var problem = ApiProblem.Of(Assert.ThrowsAny<Exception>(() => OpenAITranslator.ToGeneration(JsonSerializer.Deserialize(json, Wire.ChatCompletionRequest)!)));
        Assert.Equal(400, problem?.Status);
        Assert.Equal(param, problem?.Param);
    }

    [Fact]
    public void OpenAI_completion_is_raw_and_legacy_logprobs_count_sets_top_logprobs()
    {
        var g = OpenAITranslator.ToGeneration(JsonSerializer.Deserialize("""{"model":"m","prompt":["Once upon a time"],"max_tokens":10,"logprobs":2}""", Wire.CompletionRequest)!);
        Assert.True(g.Raw);
        Assert.Equal("Once upon a time", g.Prompt);
        Assert.Equal(10, g.Options.NumPredict);
        Assert.True(g.Logprobs);
        Assert.Equal(2, g.TopLogprobs);
    }

    [Fact]
    public void OpenAI_stream_chunks_byte_for_byte()
    {
        Assert.Equal("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""",
            JsonSerializer.Serialize(OpenAITranslator.RoleChunk("chatcmpl-1", 1700000000, "m", 0), Wire.ChatCompletionChunk));
        Assert.Equal("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[{"index":0,"delta":{"content":" Lily"},"logprobs":null,"finish_reason":null}]}""",
            JsonSerializer.Serialize(OpenAITranslator.ContentChunk("chatcmpl-1", 1700000000, "m", 0, " Lily"), Wire.ChatCompletionChunk));
        Assert.Equal("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}""",
            JsonSerializer.Serialize(OpenAITranslator.FinishChunk("chatcmpl-1", 1700000000, "m", 0, DoneReason.Length), Wire.ChatCompletionChunk));
        Assert.Equal("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":10,"total_tokens":15}}""",
            JsonSerializer.Serialize(OpenAITranslator.UsageChunk("chatcmpl-1", 1700000000, "m", OpenAITranslator.Usage([Stats])), Wire.ChatCompletionChunk));
    }

    [Fact]
    public void OpenAI_chat_completion_with_logprobs_byte_for_byte()
    {
        var outcome = new GenerationOutcome("Hé", Stats with { DoneReason = DoneReason.Length },
            [new EmittedLogprob(new TokenLogprob(7, "Hé", -0.25), [new TokenLogprob(7, "Hé", -0.25), new TokenLogprob(8, "A", -2)])]);
        var json = JsonSerializer.Serialize(OpenAITranslator.Chat("chatcmpl-1", 1700000000, "m", [outcome], logprobs: true), Wire.ChatCompletion);
        Assert.Equal("""{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[{"index":0,"message":{"role":"assistant","content":"Hé"},"logprobs":{"content":[{"token":"Hé","logprob":-0.25,"bytes":[72,195,169],"top_logprobs":[{"token":"Hé","logprob":-0.25,"bytes":[72,195,169]},{"token":"A","logprob":-2,"bytes":[65]}]}]},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":10,"total_tokens":15},"timings":{"cache_n":0,"prompt_n":5,"prompt_ms":1.5,"prompt_per_token_ms":0.3,"prompt_per_second":3333.3333333333335,"predicted_n":10,"predicted_ms":8,"predicted_per_token_ms":0.8,"predicted_per_second":1250}}""", json);
    }

    [Fact]
    public void Completion_logprobs_are_parallel_arrays_with_offsets_from_the_prompt_start()
    {
        var lp = OpenAITranslator.CompletionLogprobs(
            [new EmittedLogprob(new TokenLogprob(1, ",", -0.1), [new TokenLogprob(1, ",", -0.1)]), new EmittedLogprob(new TokenLogprob(2, " there", -0.2), [])], startOffset: 16);
        Assert.Equal("""{"tokens":[",", " there"],"token_logprobs":[-0.1,-0.2],"top_logprobs":[{",":-0.1},{}],"text_offset":[16,17]}""".Replace(", ", ",", StringComparison.Ordinal),
            JsonSerializer.Serialize(lp, Wire.CompletionLogprobs));
    }

    [Fact]
    public void Base64_embeddings_are_little_endian_float32()
    {
        var list = OpenAITranslator.Embeddings("m", [[1f, -2.5f]], 3, base64: true);
        var bytes = Convert.FromBase64String(list.Data[0].Embedding.GetString()!);
        Assert.Equal([1f, -2.5f], [BitConverter.ToSingle(bytes, 0), BitConverter.ToSingle(bytes, 4)]);
        Assert.Equal("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,-2.5]}],"model":"m","usage":{"prompt_tokens":3,"total_tokens":3}}""",
            JsonSerializer.Serialize(OpenAITranslator.Embeddings("m", [[1f, -2.5f]], 3, base64: false), Wire.EmbeddingList));
    }

    [Fact]
    public void Transcript_holds_a_held_back_tokens_logprob_until_text_is_released_and_drops_a_trailing_stop()
    {
        var t = new GenerationTranscript();
        Assert.Empty(t.Add(new GenerationToken("", 1, new TokenLogprob(1, "\xE2", -1), null)));
        var released = t.Add(new GenerationToken("€", 2, new TokenLogprob(2, "\x82\xAC", -2), null));
        Assert.Equal([1, 2], released.Select(r => r.Chosen.TokenId));
        Assert.Empty(t.Add(new GenerationToken("", 3, new TokenLogprob(3, "EN", -3), null)));
        t.Add(new GenerationCompleted(Stats));
        var outcome = t.ToOutcome();
        Assert.Equal("€", outcome.Text);
        Assert.Equal([1, 2], outcome.Logprobs.Select(r => r.Chosen.TokenId));
    }

    [Fact]
    public void Dimensions_cut_vectors_and_renormalise()
    {
        var cut = RequestFields.CutVectors([[3f, 4f, 12f]], 2, normalize: true);
        Assert.Equal([0.6f, 0.8f], cut[0]);
        Assert.Equal("dimensions", Assert.Throws<ApiException>(() => RequestFields.CutVectors([[1f]], 2, normalize: true)).Problem.Param);
    }
}
