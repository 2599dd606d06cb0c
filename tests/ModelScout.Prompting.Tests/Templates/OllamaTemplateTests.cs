using ModelScout.Prompting.Templates;

namespace ModelScout.Prompting.Tests.Templates;

/// <summary>Templates written the way Ollama's library ships them, with the exact prompts each must produce.</summary>
public sealed class OllamaTemplateTests
{
    private static readonly ChatTurn[] Chat = [new("user", "Hi"), new("assistant", "Hello"), new("user", "Bye")];

    private const string Llama3 = """
        <|start_header_id|>system<|end_header_id|>

        Cutting Knowledge Date: December 2023

        {{ if .System }}{{ .System }}
        {{- end }}
        {{- if .Tools }}When you receive a tool call response, use the output to format an answer.
        {{- end }}<|eot_id|>
        {{- range $i, $_ := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if eq .Role "user" }}<|start_header_id|>user<|end_header_id|>
        {{- if and $.Tools $last }}

        Given the following functions, respond with a JSON function call.

        {{ range $.Tools }}
        {{- . }}
        {{ end }}
        {{ .Content }}<|eot_id|>
        {{- else }}

        {{ .Content }}<|eot_id|>
        {{- end }}{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

        {{ end }}
        {{- else if eq .Role "assistant" }}<|start_header_id|>assistant<|end_header_id|>
        {{- if .ToolCalls }}
        {{ range .ToolCalls }}
        {"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}
        {{- else }}

        {{ .Content }}
        {{- end }}{{ if not $last }}<|eot_id|>{{ end }}
        {{- else if eq .Role "tool" }}<|start_header_id|>ipython<|end_header_id|>

        {{ .Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

        {{ end }}
        {{- end }}
        {{- end }}
        """;

    [Fact]
    public void Llama3_chat()
    {
        var t = OllamaTemplate.Parse(Llama3);
        Assert.True(t.UsesMessages);
        Assert.Equal(
            "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n\nYou are terse.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
            t.Render(new TemplateData { System = "You are terse.", Messages = Chat }));
    }

    [Fact]
    public void Llama3_chat_with_a_system_message_and_a_prefilled_answer()
    {
        var t = OllamaTemplate.Parse(Llama3);
        Assert.Equal(
            "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n\nA\n\nB<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nQ1\n\nQ2<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nThe answer is",
            t.RenderChat([new("system", "A"), new("system", "B"), new("user", "Q1"), new("user", "Q2"), new("assistant", "The answer is")]));
    }

    private const string Llama2 = """
        {{- if .Messages }}
        {{- range $index, $_ := .Messages }}
        {{- if eq .Role "user" }}[INST] {{ if and (eq $index 0) $.System }}<<SYS>>{{ $.System }}<</SYS>>

        {{ end }}{{ .Content }}
        {{- else }} [/INST] {{ .Content }}</s><s>
        {{- end }}
        {{- end }} [/INST]
        {{- else }}[INST] {{ if .System }}<<SYS>>{{ .System }}<</SYS>>

        {{ end }}{{ .Prompt }} [/INST]
        {{- end }} {{ .Response }}
        {{- if .Response }}</s>
        {{- end }}
        """;

    [Fact]
    public void Llama2_chat_and_completion()
    {
        var t = OllamaTemplate.Parse(Llama2);
        Assert.Equal("[INST] <<SYS>>Be nice<</SYS>>\n\nHi [/INST] Hello</s><s>[INST] Bye [/INST] ",
            t.Render(new TemplateData { System = "Be nice", Messages = Chat }));
        Assert.Equal("[INST] <<SYS>>Be nice<</SYS>>\n\nHi [/INST] ", t.Render(new TemplateData { System = "Be nice", Prompt = "Hi" }));
        Assert.Equal("[INST] Hi [/INST] Hello</s>", t.Render(new TemplateData { Prompt = "Hi", Response = "Hello" }));
    }

    private const string Mistral = """
        {{- range $i, $_ := .Messages }}
        {{- if eq .Role "user" }}
        {{- if and $.Tools (le (len (slice $.Messages $i)) 2) }}[AVAILABLE_TOOLS] {{ $.Tools }}[/AVAILABLE_TOOLS]
        {{- end }}[INST] {{ if and $.System (eq (len (slice $.Messages $i)) 1) }}{{ $.System }}

        {{ end }}{{ .Content }}[/INST]
        {{- else if eq .Role "assistant" }}
        {{- if .Content }} {{ .Content }}
        {{- else if .ToolCalls }}[TOOL_CALLS] [
        {{- range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
        {{- end }}]
        {{- end }}</s>
        {{- else if eq .Role "tool" }}[TOOL_RESULTS] {"content": {{ .Content }}} [/TOOL_RESULTS]
        {{- end }}
        {{- end }}
        """;

    [Fact]
    public void Mistral_puts_the_system_prompt_in_the_last_user_turn()
    {
        Assert.Equal("[INST] Hi[/INST] Hello</s>[INST] Be brief\n\nBye[/INST]",
            OllamaTemplate.Parse(Mistral).Render(new TemplateData { System = "Be brief", Messages = Chat }));
    }

    private const string Gemma2 = """
        {{- range $i, $_ := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if or (eq .Role "user") (eq .Role "system") }}<start_of_turn>user
        {{ .Content }}<end_of_turn>
        {{ if $last }}<start_of_turn>model
        {{ end }}
        {{- else if eq .Role "assistant" }}<start_of_turn>model
        {{ .Content }}{{ if not $last }}<end_of_turn>
        {{ end }}
        {{- end }}
        {{- end }}
        """;

    [Fact]
    public void Gemma2_chat()
    {
        Assert.Equal(
            "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n",
            OllamaTemplate.Parse(Gemma2).Render(new TemplateData { Messages = Chat }));
    }

    private const string Phi3 = """
        {{- range $i, $_ := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 -}}
        <|{{ .Role }}|>
        {{ .Content }}<|end|>
        {{ if and $last (ne .Role "assistant") }}<|assistant|>
        {{ end }}
        {{- end }}
        """;

    [Fact]
    public void Phi3_chat()
    {
        Assert.Equal("<|system|>\nBe kind<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n",
            OllamaTemplate.Parse(Phi3).Render(new TemplateData { Messages = [new("system", "Be kind"), new("user", "Hi")] }));
    }

    private const string Qwen2 = """
        {{- if .Messages }}
        {{- if or .System .Tools }}<|im_start|>system
        {{- if .System }}
        {{ .System }}
        {{- end }}<|im_end|>
        {{ end }}
        {{- range $i, $_ := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 -}}
        {{- if eq .Role "user" }}<|im_start|>user
        {{ .Content }}<|im_end|>
        {{ else if eq .Role "assistant" }}<|im_start|>assistant
        {{ if .Content }}{{ .Content }}{{ end }}{{ if not $last }}<|im_end|>
        {{ end }}
        {{- end }}
        {{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
        {{ end }}
        {{- end }}
        {{- else }}
        {{- if .System }}<|im_start|>system
        {{ .System }}<|im_end|>
        {{ end }}{{ if .Prompt }}<|im_start|>user
        {{ .Prompt }}<|im_end|>
        {{ end }}<|im_start|>assistant
        {{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }}
        """;

    [Fact]
    public void Qwen2_chatml_chat_and_completion()
    {
        var t = OllamaTemplate.Parse(Qwen2);
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
            t.RenderChat([new("system", "You are Qwen."), .. Chat]));
        Assert.Equal("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\n",
            t.Render(new TemplateData { System = "S", Prompt = "P" }));
    }

    [Fact]
    public void Old_style_templates_render_once_per_exchange_and_stop_at_the_last_response()
    {
        var t = OllamaTemplate.Parse("{{ if .System }}<<SYS>>{{ .System }}<</SYS>> {{ end }}[INST] {{ .Prompt }} [/INST] {{ .Response }}</s>");
        Assert.False(t.UsesMessages);
        Assert.Equal("<<SYS>>S<</SYS>> [INST] A [/INST] B</s>[INST] C [/INST] ",
            t.RenderChat([new("system", "S"), new("user", "A"), new("assistant", "B"), new("user", "C")]));
    }

    [Theory]
    [InlineData("{{ print 1 2 \"a\" \"b\" 3 }}", "1 2ab3")]
    [InlineData("{{ len \"héllo\" }}", "6")]
    [InlineData("{{ slice \"abcdef\" 1 3 }}|{{ slice \"abc\" 1 }}", "bc|bc")]
    [InlineData("{{ (index .Messages 1).Content }} {{ slice .Messages 1 | len }}", "Hello 2")]
    [InlineData("{{ and 1 0 \"x\" }}|{{ and 1 \"x\" }}|{{ or \"\" \"y\" }}|{{ or 0 \"\" }}|{{ not \"\" }}", "0|x|y||true")]
    [InlineData("{{ if lt 1 2.5 }}lt{{ end }}{{ if ge \"b\" \"a\" }} ge{{ end }}{{ if ne 1 2 }} ne{{ end }}{{ if eq 2 1 2 }} eq{{ end }}", "lt ge ne eq")]
    [InlineData("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2")]
    [InlineData("{{ with .System }}[{{ . }}]{{ else }}none{{ end }}", "none")]
    [InlineData("{{ range .Messages }}{{ .Role }},{{ else }}empty{{ end }}", "user,assistant,user,")]
    [InlineData("{{ range $i, $m := .Messages }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if gt $i 1 }}{{ break }}{{ end }}{{ $m.Content }}{{ $.Prompt }}{{ end }}", "Hi!")]
    [InlineData("a  {{- /* a comment */ -}}  b{{/* another */}}c", "abc")]
    [InlineData("{{ \"a\\tb\" }}{{ `x\\n` }}{{ 'A' }}", "a\tbx\\n65")]
    [InlineData("{{ .Prompt | len }} {{ .Prompt | print \"p=\" }}", "1 p=!")]
    [InlineData("{{ 1.5 }} {{ 1e21 }} {{ -3 }} {{ 0x10 }} {{ 100000.0 }}", "1.5 1e+21 -3 16 100000")]
    [InlineData("{{ if and .Messages (eq (len .Messages) 3) }}three{{ else if .Prompt }}prompt{{ else }}neither{{ end }}", "three")]
    [InlineData("{{ range 3 }}{{ . }}{{ end }}", "012")]
    [InlineData("{{ $m := index .Messages 2 }}{{ $m.Role }}:{{ $m.Content }} {{ .Messages }}", "user:Bye [{user Hi} {assistant Hello} {user Bye}]")]
    [InlineData("{{ json .Prompt }} {{ json (index .Messages 0) }}", "\"!\" {\"role\":\"user\",\"content\":\"Hi\"}")]
    [InlineData("{{ if .Tools }}tools{{ end }}{{ .Response }}x{{- \" y\" }}", "x y")]
    public void Functions_variables_and_control_flow_behave_as_in_go(string template, string expected)
    {
        Assert.Equal(expected, OllamaTemplate.Parse(template).Render(new TemplateData { Prompt = "!", Messages = Chat }));
    }

    [Theory]
    [InlineData("Hi {{ .Prompt }", 1, 4, "never closed")]
    [InlineData("{{ printf \"%s\" .Prompt }}", 1, 4, "not supported")]
    [InlineData("{{ upper .Prompt }}", 1, 4, "function \"upper\" not defined")]
    [InlineData("x\n{{ if .System }}y", 2, 1, "has no {{end}}")]
    [InlineData("x{{ end }}", 1, 2, "unexpected {{end}}")]
    [InlineData("{{ $x }}", 1, 4, "undefined variable $x")]
    [InlineData("{{ $x = 1 }}", 1, 4, "undefined variable $x")]
    [InlineData("{{ break }}", 1, 1, "outside {{range}}")]
    [InlineData("{{ range .Messages }}{{ else if .X }}{{ end }}", 1, 30, "unexpected 'if' after else")]
    [InlineData("{{ define \"x\" }}{{ end }}", 1, 4, "not supported")]
    [InlineData("{{ }}", 1, 1, "empty action")]
    [InlineData("{{ .Prompt ; }}", 1, 12, "unexpected ';'")]
    [InlineData("{{ (len .Prompt }}", 1, 4, "unclosed '('")]
    [InlineData("{{/* open }}", 1, 3, "comment is never closed")]
    public void Malformed_templates_fail_at_parse_time_with_a_position(string template, int line, int column, string expected)
    {
        var e = Assert.Throws<TemplateException>(() => OllamaTemplate.Parse(template));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("{{ .Nope }}", "can't evaluate field Nope")]
    [InlineData("{{ range .Messages }}{{ .Name }}{{ end }}", "can't evaluate field Name of a message")]
    [InlineData("{{ index .Messages 5 }}", "index out of range: 5")]
    [InlineData("{{ slice .Messages 2 1 }}", "index out of range")]
    [InlineData("{{ eq .Prompt 1 }}", "incompatible types")]
    [InlineData("{{ .Prompt 1 }}", "non-function")]
    [InlineData("{{ len 3 }}", "len of int")]
    public void Runtime_errors_are_template_exceptions(string template, string expected)
    {
        var t = OllamaTemplate.Parse(template);
        var e = Assert.Throws<TemplateException>(() => t.Render(new TemplateData { Prompt = "p", Messages = Chat }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
