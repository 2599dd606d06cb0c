namespace ModelScout.Prompting.Tools;

/// <summary>
/// ModelScout's own chat templates, in Ollama's Go template dialect, one per model family, written from each family's
/// documented prompt format. Each renders the system prompt, the tools in the family's convention, user and assistant
/// turns, assistant tool calls in the family's call syntax, tool results, and reasoning where the family has it. They
/// are the <see cref="ChatFormat.FallbackTemplate"/> for a model whose template is GGUF Jinja (llama.cpp's built-in
/// template support renders it without tools) and, for <see cref="Generic"/>, for a model with no template at all.
/// </summary>
/// <remarks>
/// Conventions shared by all of them, as in Ollama's own templates: system messages are read from <c>.System</c>
/// (all of them joined), a final assistant message is left open so the model continues it, and otherwise the prompt
/// ends where the assistant starts writing. No template writes the beginning-of-text token: the tokenizer adds it.
/// </remarks>
public static class FamilyTemplates
{
    /// <summary>
    /// Llama 3.1-3.3 JSON tool calling: the tools as JSON in the first user message with the instruction to answer with
    /// <c>{"name": ..., "parameters": {...}}</c>; each call on its own line; each result in an <c>ipython</c> turn.
    /// </summary>
    public const string Llama3 = """
        {{- $first := -1 }}
        {{- $prev := "" }}
        {{- range $i, $m := .Messages }}{{ if and (eq $m.Role "user") (lt $first 0) }}{{ $first = $i }}{{ end }}{{ end }}
        {{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>

        {{ if .Tools }}Environment: ipython{{ if .System }}

        {{ end }}{{ end }}{{ .System }}<|eot_id|>
        {{- end }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if eq .Role "user" }}<|start_header_id|>user<|end_header_id|>

        {{ if and $.Tools (eq $i $first) }}Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.

        Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. Do not use variables.

        {{ range $.Tools }}{{ json . }}

        {{ end }}{{ end }}{{ .Content }}<|eot_id|>
        {{- else if eq .Role "assistant" }}<|start_header_id|>assistant<|end_header_id|>

        {{ .Content }}
        {{- range $j, $c := .ToolCalls }}{{ if or $j $m.Content }}
        {{ end }}{"name": {{ json $c.Function.Name }}, "parameters": {{ $c.Function.Arguments }}}{{ end }}
        {{- if not $last }}<|eot_id|>{{ end }}
        {{- else if eq .Role "tool" }}<|start_header_id|>ipython<|end_header_id|>

        {{ .Content }}<|eot_id|>
        {{- else }}{{ continue }}
        {{- end }}
        {{- $prev = .Role }}
        {{- end }}
        {{- if ne $prev "assistant" }}<|start_header_id|>assistant<|end_header_id|>

        {{ end }}
        """;

    private const string ChatMLTools = """
        {{- if or .System .Tools }}<|im_start|>system
        {{ if .System }}{{ .System }}{{ if .Tools }}

        {{ end }}{{ end }}
        {{- if .Tools }}# Tools

        You may call one or more functions to assist with the user query.

        You are provided with function signatures within <tools></tools> XML tags:
        <tools>
        {{- range .Tools }}
        {{ json . }}
        {{- end }}
        </tools>

        For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
        <tool_call>
        {"name": <function-name>, "arguments": <args-json-object>}
        </tool_call>
        {{- end }}<|im_end|>
        {{ end }}
        """;

    private const string ChatMLCalls = """
        {{- range .ToolCalls }}
        <tool_call>
        {"name": {{ json .Function.Name }}, "arguments": {{ .Function.Arguments }}}
        </tool_call>
        {{- end }}
        """;

    // Consecutive tool results share one user turn, each in <tool_response> tags.
    private const string ChatMLResults = """
        {{- else if eq .Role "tool" }}{{ if ne $prev "tool" }}<|im_start|>user{{ end }}
        <tool_response>
        {{ .Content }}
        </tool_response>
        {{- else }}{{ continue }}
        {{- end }}
        {{- $prev = .Role }}
        {{- end }}
        {{- if eq $prev "tool" }}<|im_end|>
        {{ end }}
        """;

    /// <summary>
    /// Qwen 2.5 and Hermes (ChatML): the tools inside <c>&lt;tools&gt;</c> in the system turn, each call in
    /// <c>&lt;tool_call&gt;</c> tags, the results in <c>&lt;tool_response&gt;</c> tags inside a user turn.
    /// </summary>
    public const string Hermes = ChatMLTools + """

        {{- $prev := "" }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if and (eq $prev "tool") (ne .Role "tool") }}<|im_end|>
        {{ end }}
        {{- if eq .Role "user" }}<|im_start|>user
        {{ .Content }}<|im_end|>
        {{ else if eq .Role "assistant" }}<|im_start|>assistant
        {{- if .Content }}
        {{ .Content }}{{ else if not .ToolCalls }}
        {{ end }}
        """ + ChatMLCalls + """
        {{- if not $last }}<|im_end|>
        {{ end }}
        """ + ChatMLResults + """
        {{- if ne $prev "assistant" }}<|im_start|>assistant
        {{ end }}
        """;

    /// <summary>
    /// Qwen3: as <see cref="Hermes"/>, plus reasoning. An assistant turn after the last user message shows its
    /// reasoning in <c>&lt;think&gt;</c> tags (earlier turns drop it, as Qwen3 was trained); with <c>think: false</c>
    /// the prompt ends with an empty think block, which is how Qwen3 turns reasoning off.
    /// </summary>
    public const string Qwen3 = ChatMLTools + """

        {{- $lastUser := -1 }}
        {{- range $i, $m := .Messages }}{{ if eq $m.Role "user" }}{{ $lastUser = $i }}{{ end }}{{ end }}
        {{- $prev := "" }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if and (eq $prev "tool") (ne .Role "tool") }}<|im_end|>
        {{ end }}
        {{- if eq .Role "user" }}<|im_start|>user
        {{ .Content }}<|im_end|>
        {{ else if eq .Role "assistant" }}<|im_start|>assistant
        {{- if and .Thinking (gt $i $lastUser) }}
        <think>
        {{ .Thinking }}
        </think>
        {{ end }}
        {{- if .Content }}
        {{ .Content }}{{ else if not .ToolCalls }}
        {{ end }}
        """ + ChatMLCalls + """
        {{- if not $last }}<|im_end|>
        {{ end }}
        """ + ChatMLResults + """
        {{- if ne $prev "assistant" }}<|im_start|>assistant
        {{ if and $.IsThinkSet (not $.Think) }}<think>

        </think>

        {{ end }}{{ end }}
        """;

    /// <summary>
    /// Mistral (v0.3 tokenizer): <c>[AVAILABLE_TOOLS]</c> and the system prompt before the last user message,
    /// <c>[TOOL_CALLS]</c> with a JSON array of calls (with their ids), each result in <c>[TOOL_RESULTS]</c> naming its call.
    /// </summary>
    public const string Mistral = """
        {{- $lastUser := -1 }}
        {{- range $i, $m := .Messages }}{{ if eq $m.Role "user" }}{{ $lastUser = $i }}{{ end }}{{ end }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if eq .Role "user" }}
        {{- if and $.Tools (eq $i $lastUser) }}[AVAILABLE_TOOLS] {{ json $.Tools }}[/AVAILABLE_TOOLS]{{ end -}}
        [INST] {{ if and $.System (eq $i $lastUser) }}{{ $.System }}

        {{ end }}{{ .Content }}[/INST]
        {{- else if eq .Role "assistant" }}
        {{- if .Content }} {{ .Content }}{{ end }}
        {{- if .ToolCalls }}[TOOL_CALLS] [
        {{- range $j, $c := .ToolCalls }}{{ if $j }}, {{ end }}{"name": {{ json $c.Function.Name }}, "arguments": {{ $c.Function.Arguments }}, "id": {{ json $c.ID }}}{{ end }}]
        {{- end }}
        {{- if not $last }}</s>{{ end }}
        {{- else if eq .Role "tool" }}[TOOL_RESULTS] {"content": {{ json .Content }}, "call_id": {{ json .ToolCallID }}}[/TOOL_RESULTS]
        {{- end }}
        {{- end }}
        """;

    /// <summary>
    /// Phi-4-mini: the functions as a JSON array between <c>&lt;|tool|&gt;</c> and <c>&lt;|/tool|&gt;</c> in the system
    /// turn, calls as a JSON array between <c>&lt;|tool_call|&gt;</c> and <c>&lt;|/tool_call|&gt;</c>, each result in a
    /// <c>&lt;|tool_response|&gt;</c> turn.
    /// </summary>
    public const string Phi4Mini = """
        {{- if or .System .Tools }}<|system|>{{ .System }}
        {{- if .Tools }}<|tool|>[{{ range $i, $t := .Tools }}{{ if $i }}, {{ end }}{{ json $t.Function }}{{ end }}]<|/tool|>{{ end }}<|end|>
        {{- end }}
        {{- $prev := "" }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if eq .Role "user" }}<|user|>{{ .Content }}<|end|>
        {{- else if eq .Role "assistant" }}<|assistant|>{{ .Content }}
        {{- if .ToolCalls }}<|tool_call|>[
        {{- range $j, $c := .ToolCalls }}{{ if $j }}, {{ end }}{"name": {{ json $c.Function.Name }}, "arguments": {{ $c.Function.Arguments }}}{{ end -}}
        ]<|/tool_call|>{{ end }}
        {{- if not $last }}<|end|>{{ end }}
        {{- else if eq .Role "tool" }}<|tool_response|>{{ .Content }}<|end|>
        {{- else }}{{ continue }}
        {{- end }}
        {{- $prev = .Role }}
        {{- end }}
        {{- if ne $prev "assistant" }}<|assistant|>{{ end }}
        """;

    private const string DeepSeekBody = """
        {{- .System }}
        {{- if .Tools }}{{ if .System }}

        {{ end }}## Tools

        You can call the following functions:
        {{- range .Tools }}
        {{ json . }}{{ end }}

        To call functions, write each call as <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME, a newline, the arguments as a JSON object in a ```json block, then <｜tool▁call▁end｜>; put all calls between <｜tool▁calls▁begin｜> and <｜tool▁calls▁end｜>.
        {{- end }}
        {{- $prev := "" }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if eq .Role "system" }}{{ continue }}{{ end }}
        {{- if and (eq $prev "tool") (ne .Role "tool") }}<｜tool▁outputs▁end｜>{{ end }}
        {{- if eq .Role "user" }}<｜User｜>{{ .Content }}
        {{- else if eq .Role "assistant" }}{{ if ne $prev "tool" }}<｜Assistant｜>{{ end }}{{ .Content }}
        {{- if .ToolCalls }}<｜tool▁calls▁begin｜>
        {{- range $j, $c := .ToolCalls }}{{ if $j }}
        {{ end }}<｜tool▁call▁begin｜>function<｜tool▁sep｜>{{ $c.Function.Name }}
        ```json
        {{ $c.Function.Arguments }}
        ```<｜tool▁call▁end｜>{{ end }}<｜tool▁calls▁end｜>
        {{- end }}
        {{- if not $last }}<｜end▁of▁sentence｜>{{ end }}
        {{- else if eq .Role "tool" }}{{ if eq $prev "tool" }}
        {{ else }}<｜tool▁outputs▁begin｜>{{ end }}<｜tool▁output▁begin｜>{{ .Content }}<｜tool▁output▁end｜>
        {{- end }}
        {{- $prev = .Role }}
        {{- end }}
        """;

    /// <summary>
    /// DeepSeek V3: the system prompt first, then the tools; turns marked <c>&lt;｜User｜&gt;</c> and
    /// <c>&lt;｜Assistant｜&gt;</c>; calls between <c>&lt;｜tool▁calls▁begin｜&gt;</c> and <c>&lt;｜tool▁calls▁end｜&gt;</c>
    /// with JSON arguments; results between <c>&lt;｜tool▁outputs▁begin｜&gt;</c> and <c>&lt;｜tool▁outputs▁end｜&gt;</c>,
    /// after which the assistant answers without a new marker, as DeepSeek's format has it.
    /// </summary>
    public const string DeepSeek = DeepSeekBody + """

        {{- if eq $prev "tool" }}<｜tool▁outputs▁end｜>{{ else if ne $prev "assistant" }}<｜Assistant｜>{{ end }}
        """;

    /// <summary>
    /// DeepSeek-R1: as <see cref="DeepSeek"/>; earlier answers are shown without their reasoning and the prompt ends
    /// by opening <c>&lt;think&gt;</c>, since R1 always reasons.
    /// </summary>
    public const string DeepSeekR1 = DeepSeekBody + """

        {{- if eq $prev "tool" }}<｜tool▁outputs▁end｜>{{ else if ne $prev "assistant" }}<｜Assistant｜>{{ end }}
        {{- if ne $prev "assistant" }}<think>
        {{ end }}
        """;

    /// <summary>
    /// For a model with no template (stories260K and other base models): plain text. The tools are listed as JSON with
    /// one sentence saying how to call them (a JSON object <c>{"name", "arguments"}</c>, or an array of them); then the
    /// turns as <c>User:</c>, <c>Assistant:</c> and <c>Tool result:</c> lines, ending with <c>Assistant:</c>.
    /// </summary>
    public const string Generic = """
        {{- if .System }}{{ .System }}

        {{ end }}
        {{- if .Tools }}You can call these tools:
        {{ range .Tools }}{{ json . }}
        {{ end }}
        To call a tool, answer with only a JSON object {"name": "<tool name>", "arguments": {"<argument>": <value>}}, or with a JSON array of such objects to call several tools at once.

        {{ end }}
        {{- $prev := "" }}
        {{- range $i, $m := .Messages }}
        {{- $last := eq (len (slice $.Messages $i)) 1 }}
        {{- if eq .Role "user" }}User: {{ .Content }}
        {{ else if eq .Role "assistant" }}Assistant: {{ .Content }}
        {{- if .ToolCalls }}{{ if .Content }} {{ end }}{{ if gt (len .ToolCalls) 1 }}[{{ end }}
        {{- range $j, $c := .ToolCalls }}{{ if $j }}, {{ end }}{"name": {{ json $c.Function.Name }}, "arguments": {{ $c.Function.Arguments }}}{{ end }}
        {{- if gt (len .ToolCalls) 1 }}]{{ end }}{{ end }}
        {{- if not $last }}
        {{ end }}
        {{- else if eq .Role "tool" }}Tool result{{ with .ToolName }} ({{ . }}){{ end }}: {{ .Content }}
        {{ else }}{{ continue }}
        {{- end }}
        {{- $prev = .Role }}
        {{- end }}
        {{- if ne $prev "assistant" }}Assistant:{{ end }}
        """;
}
