using ModelScout.Prompting.Tools;

namespace ModelScout.Prompting.Tests.Tools;

/// <summary>Format detection on short hand-written pieces of GGUF (Jinja) and Ollama (Go) templates.</summary>
public sealed class ChatFormatsTests
{
    [Theory]
    [InlineData("""{{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}""", "llama3", ToolCallSyntax.Llama3)]
    [InlineData("""{%- if builtin_tools is defined %}{{- "<|python_tag|>" }}{%- endif %}""", "llama3", ToolCallSyntax.Llama3)]
    [InlineData("""{{- "Environment: ipython\n" }}""", "llama3", ToolCallSyntax.Llama3)]
    [InlineData("""{{- '<tool_call>\n{"name": "' }}{{- '<|im_start|>assistant\n' }}""", "hermes", ToolCallSyntax.Hermes)]
    [InlineData("""{{- '<tool_call>\n' }}{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\n\n</think>\n\n' }}{%- endif %}""", "qwen3", ToolCallSyntax.Hermes)]
    [InlineData("""{{- '[AVAILABLE_TOOLS] [' }}""", "mistral", ToolCallSyntax.Mistral)]
    [InlineData("""{{- '[TOOL_CALLS] ' }}""", "mistral", ToolCallSyntax.Mistral)]
    [InlineData("""{{ '<|system|>' + message['content'] + '<|tool|>' + message['tools'] + '<|/tool|>' }}""", "phi4-mini", ToolCallSyntax.Phi4Mini)]
    [InlineData("""{{'<|tool_call|>'}}""", "phi4-mini", ToolCallSyntax.Phi4Mini)]
    [InlineData("""{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>'}}""", "deepseek", ToolCallSyntax.DeepSeek)]
    [InlineData("""{% if add_generation_prompt %}{{'<｜Assistant｜><think>\n'}}{% endif %}""", "deepseek", ToolCallSyntax.DeepSeek)]
    public void A_gguf_template_names_its_family_and_gets_that_familys_fallback(string jinja, string family, ToolCallSyntax syntax)
    {
        var f = ChatFormats.Detect(null, jinja);
        Assert.Equal(family, f.Family);
        Assert.Equal(syntax, f.ToolSyntax);
        Assert.NotNull(f.FallbackTemplate);
        Assert.Equal(family == "deepseek" ? "deepseek" : family, ChatFormats.Detect(f.FallbackTemplate, null).Family);
    }

    [Fact]
    public void Fallbacks_are_the_family_templates()
    {
        Assert.Same(FamilyTemplates.Llama3, ChatFormats.Detect(null, "<|python_tag|>").FallbackTemplate);
        Assert.Same(FamilyTemplates.Hermes, ChatFormats.Detect(null, "<tool_call>").FallbackTemplate);
        Assert.Same(FamilyTemplates.Qwen3, ChatFormats.Detect(null, "<tool_call><think>").FallbackTemplate);
        Assert.Same(FamilyTemplates.Mistral, ChatFormats.Detect(null, "[TOOL_CALLS]").FallbackTemplate);
        Assert.Same(FamilyTemplates.Phi4Mini, ChatFormats.Detect(null, "<|tool|>").FallbackTemplate);
        Assert.Same(FamilyTemplates.DeepSeek, ChatFormats.Detect(null, "<｜Assistant｜>").FallbackTemplate);
        Assert.Same(FamilyTemplates.DeepSeekR1, ChatFormats.Detect(null, "<｜Assistant｜>{{ content.split('</think>')[-1] }}").FallbackTemplate);
    }

    [Fact]
    public void Thinking_in_gguf_templates()
    {
        var qwen3 = ChatFormats.Detect(null, "<tool_call>{% if enable_thinking is false %}<think>\n\n</think>{% endif %}");
        Assert.True(qwen3.SupportsThinking);
        Assert.Equal(("<think>", "</think>"), (qwen3.ThinkOpen, qwen3.ThinkClose));
        Assert.True(qwen3.CanDisableThinking);
        Assert.Empty(qwen3.ThinkLevels);

        var qwq = ChatFormats.Detect(null, "<tool_call>{{ '<|im_start|>assistant\n<think>\n' }}");
        Assert.Equal("qwen3", qwq.Family);
        Assert.True(qwq.SupportsThinking);
        Assert.False(qwq.CanDisableThinking);

        var r1 = ChatFormats.Detect(null, "{{'<｜Assistant｜><think>\\n'}}{% if enable_thinking %}{% endif %}");
        Assert.True(r1.SupportsThinking);
        Assert.False(r1.CanDisableThinking);

        var v3 = ChatFormats.Detect(null, "{{'<｜Assistant｜>'}}");
        Assert.False(v3.SupportsThinking);
    }

    [Theory]
    [InlineData("{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}")]
    [InlineData("{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}")]
    [InlineData("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}")]
    [InlineData("{% if tools %}{{ tools | tojson }}{% endif %}")]
    public void Gguf_templates_of_other_families_take_no_tools_and_keep_llama_cpps_rendering(string jinja)
    {
        var f = ChatFormats.Detect(null, jinja);
        Assert.Equal("none", f.Family);
        Assert.False(f.SupportsTools);
        Assert.False(f.SupportsThinking);
        Assert.Null(f.FallbackTemplate);
    }

    [Fact]
    public void A_chatml_reasoning_template_without_tools_thinks_but_takes_no_tools()
    {
        var f = ChatFormats.Detect(null, "{{'<|im_start|>assistant\n<think>\n'}}");
        Assert.False(f.SupportsTools);
        Assert.True(f.SupportsThinking);
    }

    [Fact]
    public void No_template_at_all_is_plain_with_the_generic_template()
    {
        Assert.Same(ChatFormat.Plain, ChatFormats.Detect(null, null));
        Assert.Same(ChatFormat.Plain, ChatFormats.Detect(" \n", ""));
        Assert.Equal("generic", ChatFormat.Plain.Family);
        Assert.Equal(ToolCallSyntax.GenericJson, ChatFormat.Plain.ToolSyntax);
        Assert.False(ChatFormat.Plain.SupportsThinking);
        Assert.Same(FamilyTemplates.Generic, ChatFormat.Plain.FallbackTemplate);
    }

    [Theory]
    [InlineData("{{ range .Messages }}{{ .Content }}{{ end }}", "none", ToolCallSyntax.None)]
    [InlineData("{{ if .Tools }}{{ json .Tools }}{{ end }}{{ range .Messages }}{{ .Content }}{{ end }}", "generic", ToolCallSyntax.GenericJson)]
    [InlineData("{{ range .Messages }}{{ if $.Tools }}x{{ end }}{{ end }}", "generic", ToolCallSyntax.GenericJson)]
    [InlineData("{{ if .Tools }}<tools>{{ range .Tools }}{{ . }}{{ end }}</tools>{{ end }}{{ range .ToolCalls }}<tool_call>{{ end }}", "hermes", ToolCallSyntax.Hermes)]
    [InlineData("{{ if .Tools }}<tool_call>{{ end }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}", "qwen3", ToolCallSyntax.Hermes)]
    [InlineData("{{ if .Tools }}[AVAILABLE_TOOLS] {{ json $.Tools }}[/AVAILABLE_TOOLS]{{ end }}", "mistral", ToolCallSyntax.Mistral)]
    [InlineData("{{ if .Tools }}Environment: ipython{{ end }}<|start_header_id|>ipython<|end_header_id|>", "llama3", ToolCallSyntax.Llama3)]
    [InlineData("{{ if .Tools }}<|tool|>{{ json .Tools }}<|/tool|>{{ end }}", "phi4-mini", ToolCallSyntax.Phi4Mini)]
    [InlineData("{{ if .Tools }}<｜tool▁calls▁begin｜>{{ end }}<｜Assistant｜>", "deepseek", ToolCallSyntax.DeepSeek)]
    [InlineData("<tool_call>{{ range .Messages }}{{ .Content }}{{ end }}", "hermes", ToolCallSyntax.None)]
    public void An_ollama_template_takes_tools_only_when_it_mentions_dot_tools(string go, string family, ToolCallSyntax syntax)
    {
        var f = ChatFormats.Detect(go, null);
        Assert.Equal(family, f.Family);
        Assert.Equal(syntax, f.ToolSyntax);
        Assert.Null(f.FallbackTemplate);
    }

    [Fact]
    public void Thinking_in_ollama_templates()
    {
        var history = ChatFormats.Detect("{{ range .Messages }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ end }}", null);
        Assert.True(history.SupportsThinking);
        Assert.False(history.CanDisableThinking);
        Assert.Empty(history.ThinkLevels);

        var switchable = ChatFormats.Detect("{{ if and $.IsThinkSet (not $.Think) }}<think>\n\n</think>{{ end }}", null);
        Assert.True(switchable.SupportsThinking);
        Assert.True(switchable.CanDisableThinking);

        var levels = ChatFormats.Detect("{{ if .Think }}Reasoning: {{ .ThinkLevel }}{{ end }}", null);
        Assert.True(levels.SupportsThinking);
        Assert.True(levels.CanDisableThinking);
        Assert.Equal(["low", "medium", "high"], levels.ThinkLevels);

        var tagOnly = ChatFormats.Detect("{{ range .Messages }}{{ .Content }}{{ end }}<think>", null);
        Assert.True(tagOnly.SupportsThinking);
        Assert.False(tagOnly.CanDisableThinking);

        var r1 = ChatFormats.Detect("<｜Assistant｜>{{ if .IsThinkSet }}{{ end }}<think>", null);
        Assert.True(r1.SupportsThinking);
        Assert.False(r1.CanDisableThinking);

        var neither = ChatFormats.Detect("{{ .ThinkingBudget }}{{ .Thinker }}", null);
        Assert.False(neither.SupportsThinking);
    }

    [Fact]
    public void The_ollama_template_wins_over_the_gguf_template()
    {
        var f = ChatFormats.Detect("{{ .Prompt }}", "<tool_call><think>");
        Assert.Equal("none", f.Family);
        Assert.False(f.SupportsTools);
        Assert.False(f.SupportsThinking);
        Assert.Null(f.FallbackTemplate);
        Assert.Equal("qwen3", ChatFormats.Detect("   ", "<tool_call><think>").Family);
    }
}
