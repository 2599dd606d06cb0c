using System.Text.RegularExpressions;
using ModelScout.Prompting.Grammar;

namespace ModelScout.Prompting.Tests.Grammar;

// The accepted and refused lists come from running each grammar through llama.cpp (LLamaSharp 0.30) in a child
// process with bench/ModelScout.GrammarProbe (bench/ModelScout.GrammarProbe/cases.txt holds them all); the comment on
// each refused case is what llama.cpp did with it.
public sealed class GbnfCheckerTests
{
    public static TheoryData<string> AcceptedByLlamaCpp => new()
    {
        "root ::= \"a\"",
        "root ::= ",
        "root ::= \"a\" |",
        "root ::= \"a\" |\n  \"b\"",
        "root ::= (\n  \"a\"\n  | \"b\"\n)",
        "# c\nroot ::= \"a\" # tail\n# end",
        "root ::= \"a\"\r\nx ::= \"b\"\r\n",
        "root ::= \"a\"\rx ::= \"b\"",
        "root ::= \"a\"\nroot ::= \"b\"",
        "root ::= 1-x\n1-x ::= \"a\"",
        "root ::= \"\"",
        "root ::= []",
        "root ::= [^]",
        "root ::= [a-]",
        "root ::= [-a]",
        "root ::= [\n]",
        "root ::= \"a\nb\"",
        "root ::= \"\\[\\]\"",
        "root ::= \"a\"??",
        "root ::= \"a\"{0} \"b\"",
        "root ::= \"a\"{ 2 , 3 }",
        "root ::= \"a\"{2,}",
        "root ::= \"a\"{0,1999}",
        "root ::= (\"a\"{0,40}){0,48}",
        "root ::= \"a\"{0,44}{0,45}",
        "x ::= \"a\"\ny ::= \"b\"\nz ::= \"c\"\nroot ::= (x y z){0,1000}",
        "root ::= \"a\" root | \"b\"",
        "   \n\n root ::= \"a\"",
        "root\t::=\t\"a\"\t\"b\"",
        "root ::= . .?",
        "root ::= \"héllo 🎉\" [α-ω]",
        "root ::= [\\]a]",
        "root ::= \"#a\"",
        "root ::= \"\\x41\\u00e9\\U0001F600\\t\\r\\n\\\\\\\"\"",
        "root ::= [^\"\\\\\\x7F\\x00-\\x1F]+",
    };

    [Theory]
    [MemberData(nameof(AcceptedByLlamaCpp))]
    public void Grammars_llama_cpp_accepts_pass_unchanged(string gbnf) => Assert.Same(gbnf, GbnfChecker.Check(gbnf));

    [Theory]
    // llama.cpp: "expecting name at | ..." (a rule ends at its line unless inside parentheses or after '|')
    [InlineData("root ::= \"a\"\n  | \"b\"", "line 2, column 3", "expecting a rule name")]
    [InlineData("root ::= a_b\na_b ::= \"a\"", "line 1, column 11", "unexpected '_'")]
    // llama.cpp: "expecting preceding item to */+/?/{"
    [InlineData("root ::= \"\"*", "line 1, column 12", "nothing before it to repeat")]
    [InlineData("root ::= []*", "line 1, column 12", "nothing before it to repeat")]
    [InlineData("root ::= \"b\" \"a\"{0}*", "line 1, column 20", "nothing before it to repeat")]
    [InlineData("root ::= *", "line 1, column 10", "nothing before it to repeat")]
    [InlineData("root ::= {2}", "line 1, column 10", "nothing before it to repeat")]
    // llama.cpp: "unknown escape", "expecting 2 hex chars"
    [InlineData("root ::= \"\\q\"", "line 1, column 11", "unknown escape '\\q'")]
    [InlineData("root ::= \"\\x4\"", "line 1, column 11", "exactly 2 hex digits")]
    // llama.cpp: "number of rules ... multiplied by the new repetition exceeds sane defaults"
    [InlineData("root ::= \"a\"{0,2000}", "line 1, column 13", "1 rule(s) x 2000 = 2000")]
    [InlineData("root ::= \"a\"{2000,}", "line 1, column 13", "= 2000")]
    [InlineData("root ::= (\"a\"{0,40}){0,49}", "line 1, column 21", "41 rule(s) x 49 = 2009")]
    [InlineData("root ::= (\"a\"{0,40}){49}", "line 1, column 21", "41 rule(s) x 49")]
    [InlineData("root ::= (x y z){0,500}\nx ::= \"a\"\ny ::= \"b\"\nz ::= \"c\"", "line 1, column 17", "4 rule(s) x 500")]
    [InlineData("root ::= (\"a\"{0,1999})*", "line 1, column 23", "2000 rule(s) x 1")]
    [InlineData("root ::= \"a\"{0,45}{0,45}", "line 1, column 19", "45 rule(s) x 45 = 2025")]
    // llama.cpp: "number of repetitions exceeds sane defaults", "stoull"
    [InlineData("root ::= \"a\"{2001,}", "line 1, column 13", "above 2000")]
    [InlineData("root ::= \"a\"{3,2001}", "line 1, column 13", "above 2000")]
    [InlineData("root ::= \"a\"{99999999999999999999999}", "line 1, column 13", "above 2000")]
    // llama.cpp: "expecting ')'", "expecting newline or end", "expecting ::="
    [InlineData("root ::= (\"a\"", "line 1, column 10", "'(' has no matching ')'")]
    [InlineData("root ::= (\"a\" ;)", "line 1, column 15", "expecting ')'")]
    [InlineData("root ::= \"a\")", "line 1, column 13", "')' without a matching '('")]
    [InlineData("root \"a\"", "line 1, column 6", "expecting '::='")]
    [InlineData("root\n::= \"a\"", "line 1, column 5", "expecting '::='")]
    [InlineData("root ::= \"a\" ;", "line 1, column 14", "unexpected ';'")]
    // llama.cpp: "unexpected end of input"
    [InlineData("root ::= [abc", "line 1, column 10", "no closing ']'")]
    [InlineData("root ::= \"abc", "line 1, column 10", "no closing '\"'")]
    // llama.cpp: "Undefined rule identifier"
    [InlineData("root ::= foo", "line 1, column 10", "'foo' is used but never defined")]
    [InlineData("root ::= \"a\"\nx ::= y", "line 2, column 7", "'y' is used but never defined")]
    [InlineData("x ::= root", "line 1, column 7", "'root' is used but never defined")]
    // llama.cpp: "unsupported grammar, left recursion detected"
    [InlineData("root ::= root \"a\" | \"b\"", "line 1, column 1", "left recursion (root -> root)")]
    [InlineData("root ::= \"a\"**", "line 1, column 14", "left recursion")]
    [InlineData("root ::= \"a\"*+", "line 1, column 14", "left recursion")]
    [InlineData("root ::= a \"x\" | \"y\"\na ::= root \"z\"", "line 1, column 1", "left recursion (root -> a -> root)")]
    [InlineData("root ::= e root \"x\" | \"y\"\ne ::= \"\" | \"z\"", "line 1, column 1", "left recursion")]
    [InlineData("root ::= \"a\"\nx ::= x \"a\"", "line 2, column 1", "left recursion (x -> x)")]
    [InlineData("root ::= (\"\" | \"z\")*", "line 1, column 20", "left recursion")]
    // llama.cpp: the token syntax needs the model's vocabulary ("invalid token '<the>'" on stories260K)
    [InlineData("root ::= <the>", "line 1, column 10", "token references")]
    [InlineData("root ::= !<[1]> \"a\"", "line 1, column 10", "token references")]
    public void Grammars_llama_cpp_refuses_are_refused_with_the_place_and_the_fault(string gbnf, string where, string what)
    {
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(gbnf));
        Assert.Equal("grammar", e.Param);
        Assert.Contains("at " + where + ":", e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    // llama.cpp: parses, then aborts ("terminate called after throwing std::runtime_error") once no token fits.
    [InlineData("root ::= \"\\x00\"", "matches no character")]
    [InlineData("root ::= \"a\" \"\\U00110000\"", "matches no character")]
    [InlineData("root ::= \"\\uD800\"", "matches no character")]
    [InlineData("root ::= [^\\x01-\\U0010FFFF]", "matches no character")]
    [InlineData("root ::= [z-a]", "matches no character")]
    // Parsed and sampled once by llama.cpp, but refused here: a dead alternative is only safe while nothing before it
    // has been read, and the checker does not follow the paths to tell.
    [InlineData("root ::= [z-a] | \"b\"", "matches no character")]
    [InlineData("root ::= \"a\" | \"\\UFFFFFFFF\"", "matches no character")]
    // llama.cpp's own check misses left recursion through a rule that is empty only via another rule; the first one
    // never returned from AddGrammar (20 s timeout), the second recurses as soon as 'a' can be empty.
    [InlineData("root ::= a root \"x\" | \"y\"\na ::= b\nb ::= \"\" | \"z\"", "left recursion (root -> root)")]
    [InlineData("root ::= a*\na ::= b\nb ::= \"\" | \"z\"", "left recursion")]
    public void Grammars_llama_cpp_parses_but_cannot_run_are_refused(string gbnf, string what)
    {
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(gbnf));
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_that_overflows_llama_cpps_stack_is_refused()
    {
        // 2,400 levels never came back from llama.cpp on a 1 MiB thread; 64 are allowed.
        string Nest(int n) => "root ::= " + new string('(', n) + "\"a\"" + new string(')', n);
        Assert.NotNull(GbnfChecker.Check(Nest(GbnfChecker.MaxNesting)));
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(Nest(2400)));
        Assert.Contains($"line 1, column {10 + GbnfChecker.MaxNesting}", e.Message, StringComparison.Ordinal);
        Assert.Contains("nested more than 64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_runs_of_optional_items_are_refused_because_llama_cpp_slows_down_with_them()
    {
        // Measured: 100 "a"? in a row take 1 s for the first token on stories260K, 400 take 19 s, 600 over 20 s.
        string Run(int n) => "root ::= " + string.Concat(Enumerable.Repeat("\"a\"? ", n));
        Assert.NotNull(GbnfChecker.Check(Run(GbnfChecker.MaxBranching - 1)));
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(Run(100)));
        Assert.Contains("more than 64 ways", e.Message, StringComparison.Ordinal);
        // The same language written as nested options is one way at each point.
        var nested = "root ::= " + string.Concat(Enumerable.Repeat("(\"a\" ", 60)) + new string(')', 0) + string.Concat(Enumerable.Repeat(")?", 60));
        Assert.NotNull(GbnfChecker.Check(nested));
    }

    [Fact]
    public void A_long_chain_of_rules_before_any_character_is_refused()
    {
        string Chain(int n) => "root ::= r1\n" + string.Join("\n", Enumerable.Range(1, n - 1).Select(i => $"r{i} ::= r{i + 1}")) + $"\nr{n} ::= \"a\"";
        Assert.NotNull(GbnfChecker.Check(Chain(900)));
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(Chain(1500)));
        Assert.Contains("chain of more than 1000 rules", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_limits_are_enforced_before_llama_cpp_spends_memory()
    {
        var tooLong = "root ::= \"" + new string('a', GbnfChecker.MaxLength) + "\"";
        Assert.Contains("the limit is 65536", Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(tooLong)).Message, StringComparison.Ordinal);

        // Each {0,1999} is 1,999 rules in llama.cpp; eleven of them pass 20,000.
        var manyRules = "root ::= " + string.Concat(Enumerable.Repeat("\"a\"{0,1999} ", 11));
        Assert.Contains("more than 20000 rules", Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(manyRules)).Message, StringComparison.Ordinal);

        // {1999} copies its item inline: 1,999 x 600 characters is more than a million elements.
        var manyElements = "root ::= \"" + new string('a', 600) + "\"{1999}";
        Assert.Contains("more than 1000000 elements", Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(manyElements)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the grammar is empty")]
    [InlineData("  # only a comment\n", "the grammar is empty")]
    [InlineData("start ::= \"a\"", "no rule named 'root'")]
    [InlineData("root ::= \"a\"\0junk", "NUL character")]
    [InlineData("root ::= \"a\"{3,2}", "maximum 2 is below its minimum 3")]
    public void Other_bad_input_is_refused_clearly(string gbnf, string what)
    {
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check(gbnf));
        Assert.Equal("grammar", e.Param);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused()
    {
        // Built here: attribute strings are stored as UTF-8, which cannot carry a lone surrogate.
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check("root ::= \"a" + '\ud800' + "\""));
        Assert.Contains("line 1, column 12: an unpaired UTF-16 surrogate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Positions_count_lines_and_columns_from_one()
    {
        var e = Assert.Throws<InvalidRequestException>(() => GbnfChecker.Check("root ::= x\r\n\r\nx ::= \"a\" \\q"));
        Assert.Matches(new Regex("^grammar error at line 3, column 11: "), e.Message);
    }

    [Fact]
    public void Every_grammar_the_json_converters_produce_passes()
    {
        Assert.NotNull(GbnfChecker.Check(JsonGrammar.AnyJson));
        Assert.NotNull(GbnfChecker.Check(JsonGrammar.AnyObject));
        foreach (var row in RunnableSchemas.Schemas)
        {
            var gbnf = JsonSchemaGrammar.Convert((string)row[1]);
            Assert.Same(gbnf, GbnfChecker.Check(gbnf));
        }
        // The converter's largest shapes: strings up to 1,000 characters and arrays up to its item limit.
        foreach (var schema in new[]
        {
            """{"type":"object","properties":{"a":{"type":"string","maxLength":1000},"b":{"type":"string","minLength":1000,"maxLength":1000},"c":{"type":"array","items":{"type":"integer"},"maxItems":1000}},"required":["a"]}""",
            """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"},"d":{"type":"integer"},"e":{"type":"integer"},"f":{"type":"integer"},"g":{"type":"integer"},"h":{"type":"integer"},"i":{"type":"integer"},"j":{"type":"integer"},"k":{"type":"integer"},"l":{"type":"integer"}}}""",
            """{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":3}},"required":["v"]}},"$ref":"#/$defs/node"}""",
        })
        {
            var gbnf = JsonSchemaGrammar.Convert(schema);
            Assert.Same(gbnf, GbnfChecker.Check(gbnf));
        }
    }
}
