using System.Text.Json;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Scoring;

/// <summary>BFCL's AST rules on hand-built cases: each test names the rule and the exact verdict.</summary>
public class BfclCheckerTests
{
    // One documented function with every kind of parameter; "label" and "tags" are optional.
    private const string Area = """
        {"name": "geo.area", "description": "Area of a shape.", "parameters": {"type": "dict", "properties": {
          "radius": {"type": "float", "description": "Radius."},
          "sides": {"type": "integer", "description": "Number of sides."},
          "units": {"type": "string", "description": "Length unit."},
          "label": {"type": "string", "description": "A label."},
          "tags": {"type": "array", "items": {"type": "string"}, "description": "Tags in order."},
          "weights": {"type": "array", "items": {"type": "float"}, "description": "Weights."},
          "exact": {"type": "boolean", "description": "Exact arithmetic."},
          "origin": {"type": "dict", "description": "Centre.", "properties": {"x": {"type": "float"}, "y": {"type": "float"}, "frame": {"type": "string"}}}
        }, "required": ["radius", "units"]}}
        """;

    private const string Perimeter = """
        {"name": "geo.perimeter", "description": "Perimeter.", "parameters": {"type": "dict", "properties": {"radius": {"type": "float"}}, "required": ["radius"]}}
        """;

    private static BfclCase Case(BfclCategory category, string truth, params string[] functions)
    {
        var docs = functions.Select(f =>
        {
            var e = JsonDocument.Parse(f).RootElement;
            return new BfclFunction(e.GetProperty("name").GetString()!, e.GetProperty("description").GetString()!, e.GetProperty("parameters").Clone());
        }).ToList();
        var expected = JsonDocument.Parse(truth).RootElement.EnumerateArray().Select(entry =>
        {
            var call = entry.EnumerateObject().Single();
            var allowed = call.Value.EnumerateObject().ToDictionary(p => p.Name, p => (IReadOnlyList<JsonElement>)[.. p.Value.EnumerateArray().Select(v => v.Clone())]);
            return new BfclExpectedCall(call.Name, allowed);
        }).ToList();
        return new BfclCase("t", category, [("user", "q")], docs, expected);
    }

    private static BfclCase Simple(string allowed) => Case(BfclCategory.Simple, "[{\"geo.area\": {" + allowed + "}}]", Area);

    private static BfclVerdict Score(BfclCase @case, params (string Name, string Args)[] calls)
    {
        var (tools, back) = BfclSchema.Tools(@case.Functions);
        Assert.NotEmpty(tools);
        var (parsed, failure) = BfclChecker.Parse([.. calls.Select(c => new EvalToolCall(c.Name, c.Args))], back);
        return failure ?? BfclChecker.Check(@case, parsed);
    }

    private const string Basic = """ "radius": [4.0], "units": ["cm", "centimeters"], "label": ["disc", ""] """;

    [Fact]
    public void The_right_answer_scores_1_under_the_offered_underscored_name()
    {
        var verdict = Score(Simple(Basic), ("geo_area", """{"radius": 4.0, "units": "cm", "label": "disc"}"""));
        Assert.True(verdict.Correct, verdict.Detail);
        Assert.Null(verdict.Detail);
    }

    [Fact]
    public void A_wrong_parameter_value_scores_0_with_the_reason()
    {
        var verdict = Score(Simple(Basic), ("geo_area", """{"radius": 5.0, "units": "cm"}"""));
        Assert.Equal(BfclError.WrongValue, verdict.Error);
        Assert.StartsWith("wrong_value: geo.area: \"radius\" is 5.0", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_optional_parameter_may_be_left_out_only_when_its_accepted_values_include_the_empty_string()
    {
        // label accepts "": leaving it out is right.
        Assert.True(Score(Simple(Basic), ("geo_area", """{"radius": 4, "units": "cm"}""")).Correct);
        // label does not accept "": the answer expects it, so leaving it out is a missing parameter.
        var strict = Simple(""" "radius": [4.0], "units": ["cm"], "label": ["disc"] """);
        Assert.Equal(BfclError.MissingParam, Score(strict, ("geo_area", """{"radius": 4, "units": "cm"}""")).Error);
    }

    [Fact]
    public void An_extra_optional_parameter_counts_only_when_the_answer_lists_it_and_the_value_is_accepted()
    {
        // Declared optional "label" given with an accepted value: right.
        Assert.True(Score(Simple(Basic), ("geo_area", """{"radius": 4, "units": "cm", "label": "disc"}""")).Correct);
        // Given with a value the answer does not accept: wrong value.
        Assert.Equal(BfclError.WrongValue, Score(Simple(Basic), ("geo_area", """{"radius": 4, "units": "cm", "label": "ring"}""")).Error);
        // Declared optional "sides", but the possible answer does not list it at all: unexpected.
        var verdict = Score(Simple(Basic), ("geo_area", """{"radius": 4, "units": "cm", "sides": 6}"""));
        Assert.Equal(BfclError.UnexpectedParam, verdict.Error);
        Assert.Contains("not expected in this answer", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_required_parameter_scores_0()
    {
        var verdict = Score(Simple(Basic), ("geo_area", """{"radius": 4.0}"""));
        Assert.Equal(BfclError.MissingParam, verdict.Error);
        Assert.Contains("required parameter \"units\"", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_the_function_does_not_declare_scores_0()
    {
        var verdict = Score(Simple(Basic), ("geo_area", """{"radius": 4.0, "units": "cm", "colour": "red"}"""));
        Assert.Equal(BfclError.UnexpectedParam, verdict.Error);
        Assert.Contains("not a parameter of the function", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_an_integer_passes_for_a_float_but_not_the_other_way_and_not_inside_a_float_list()
    {
        Assert.True(Score(Simple(Basic), ("geo_area", """{"radius": 4, "units": "cm"}""")).Correct);
        var withSides = Simple(""" "radius": [4.0], "units": ["cm"], "sides": [6] """);
        Assert.True(Score(withSides, ("geo_area", """{"radius": 4.0, "units": "cm", "sides": 6}""")).Correct);
        Assert.Equal(BfclError.WrongType, Score(withSides, ("geo_area", """{"radius": 4.0, "units": "cm", "sides": 6.0}""")).Error);
        Assert.Equal(BfclError.WrongType, Score(Simple(Basic), ("geo_area", """{"radius": "4", "units": "cm"}""")).Error);
        var weights = Simple(""" "radius": [4.0], "units": ["cm"], "weights": [[1.0, 2.5]] """);
        Assert.True(Score(weights, ("geo_area", """{"radius": 4, "units": "cm", "weights": [1.0, 2.5]}""")).Correct);
        Assert.Equal(BfclError.WrongType, Score(weights, ("geo_area", """{"radius": 4, "units": "cm", "weights": [1, 2.5]}""")).Error);
        var exact = Simple(""" "radius": [4.0], "units": ["cm"], "exact": [true] """);
        Assert.Equal(BfclError.WrongType, Score(exact, ("geo_area", """{"radius": 4, "units": "cm", "exact": "true"}""")).Error);
    }

    [Fact]
    public void Strings_compare_after_bfcl_normalisation()
    {
        var city = Simple(""" "radius": [4.0], "units": ["New York, NY"] """);
        Assert.True(Score(city, ("geo_area", """{"radius": 4, "units": "new york ny"}""")).Correct);
        Assert.True(Score(city, ("geo_area", """{"radius": 4, "units": "NEW-YORK_NY."}""")).Correct);
        Assert.Equal(BfclError.WrongValue, Score(city, ("geo_area", """{"radius": 4, "units": "New York City"}""")).Error);
        Assert.Equal("it\"sa2", BfclChecker.Normalise("It's a 2^"));
        Assert.Equal("abc\"d\"", BfclChecker.Normalise("A.b,C/'d'*-_ "));
    }

    [Fact]
    public void Lists_compare_in_order_and_dicts_key_by_key()
    {
        var tags = Simple(""" "radius": [4.0], "units": ["cm"], "tags": [["red", "Big Circle"]] """);
        Assert.True(Score(tags, ("geo_area", """{"radius": 4, "units": "cm", "tags": ["RED", "big circle"]}""")).Correct);
        Assert.Equal(BfclError.WrongValue, Score(tags, ("geo_area", """{"radius": 4, "units": "cm", "tags": ["big circle", "red"]}""")).Error);
        var origin = Simple(""" "radius": [4.0], "units": ["cm"], "origin": [{"x": [1.0], "y": [2.0, 2.5], "frame": ["world", ""]}] """);
        Assert.True(Score(origin, ("geo_area", """{"radius": 4, "units": "cm", "origin": {"x": 1, "y": 2.5}}""")).Correct);
        Assert.True(Score(origin, ("geo_area", """{"radius": 4, "units": "cm", "origin": {"x": 1, "y": 2, "frame": "World"}}""")).Correct);
        Assert.Equal(BfclError.WrongValue, Score(origin, ("geo_area", """{"radius": 4, "units": "cm", "origin": {"x": 1}}""")).Error);
        Assert.Equal(BfclError.WrongValue, Score(origin, ("geo_area", """{"radius": 4, "units": "cm", "origin": {"x": 1, "y": 2, "z": 0}}""")).Error);
    }

    private static BfclCase TwoCities() => Case(BfclCategory.Parallel,
        """[{"geo.area": {"radius": [1.0], "units": ["cm"]}}, {"geo.area": {"radius": [2.0], "units": ["cm"]}}]""", Area);

    [Fact]
    public void Parallel_calls_match_in_any_order_each_expected_call_used_once()
    {
        Assert.True(Score(TwoCities(), ("geo_area", """{"radius": 1, "units": "cm"}"""), ("geo_area", """{"radius": 2, "units": "cm"}""")).Correct);
        Assert.True(Score(TwoCities(), ("geo_area", """{"radius": 2, "units": "cm"}"""), ("geo_area", """{"radius": 1, "units": "cm"}""")).Correct);
        // The same call twice matches only one of the two expected calls.
        Assert.Equal(BfclError.WrongValue, Score(TwoCities(), ("geo_area", """{"radius": 1, "units": "cm"}"""), ("geo_area", """{"radius": 1, "units": "cm"}""")).Error);
    }

    [Fact]
    public void Parallel_with_a_call_missing_scores_0_as_a_wrong_count()
    {
        var verdict = Score(TwoCities(), ("geo_area", """{"radius": 1, "units": "cm"}"""));
        Assert.Equal(BfclError.WrongCount, verdict.Error);
        Assert.Equal("wrong_count: 1 call(s), the answer has 2", verdict.Detail);
    }

    [Fact]
    public void Parallel_matching_finds_the_assignment_a_first_fit_would_miss()
    {
        // The first call fits both expected calls, the second only the first: only the swap matches all.
        var @case = Case(BfclCategory.Parallel,
            """[{"geo.area": {"radius": [1.0], "units": ["cm", "mm"]}}, {"geo.area": {"radius": [1.0], "units": ["cm"]}}]""", Area);
        Assert.True(Score(@case, ("geo_area", """{"radius": 1, "units": "cm"}"""), ("geo_area", """{"radius": 1, "units": "mm"}""")).Correct);
    }

    [Fact]
    public void Multiple_calling_the_wrong_one_of_several_functions_scores_0()
    {
        var @case = Case(BfclCategory.Multiple, """[{"geo.perimeter": {"radius": [3.0]}}]""", Area, Perimeter);
        Assert.True(Score(@case, ("geo_perimeter", """{"radius": 3}""")).Correct);
        var verdict = Score(@case, ("geo_area", """{"radius": 3, "units": "cm"}"""));
        Assert.Equal(BfclError.WrongName, verdict.Error);
        Assert.Equal("wrong_name: called geo.area, expected geo.perimeter", verdict.Detail);
        Assert.Equal(BfclError.WrongCount, Score(@case, ("geo_perimeter", """{"radius": 3}"""), ("geo_perimeter", """{"radius": 3}""")).Error);
    }

    [Fact]
    public void Parallel_multiple_matches_calls_of_different_functions_in_any_order()
    {
        var @case = Case(BfclCategory.ParallelMultiple,
            """[{"geo.area": {"radius": [1.0], "units": ["cm"]}}, {"geo.perimeter": {"radius": [3.0]}}]""", Area, Perimeter);
        Assert.True(Score(@case, ("geo_perimeter", """{"radius": 3}"""), ("geo_area", """{"radius": 1, "units": "cm"}""")).Correct);
        Assert.Equal(BfclError.WrongName, Score(@case, ("geo_area", """{"radius": 3, "units": "cm"}"""), ("geo_area", """{"radius": 1, "units": "cm"}""")).Error);
    }

    [Fact]
    public void No_call_and_unreadable_arguments_are_their_own_reasons()
    {
        Assert.Equal(BfclError.NoCall, Score(Simple(Basic)).Error);
        Assert.Equal(BfclError.Unparseable, Score(Simple(Basic), ("geo_area", """{"radius": 4, "units": """)).Error);
        Assert.Equal(BfclError.Unparseable, Score(Simple(Basic), ("geo_area", "[4, \"cm\"]")).Error);
        // Empty arguments read as {}: then the required parameters are missing.
        Assert.Equal(BfclError.MissingParam, Score(Simple(Basic), ("geo_area", "")).Error);
    }

    [Fact]
    public void Bfcl_types_become_json_schema_types_and_names_lose_their_dots()
    {
        var @case = Simple(Basic);
        var (tools, back) = BfclSchema.Tools(@case.Functions);
        var tool = Assert.Single(tools);
        Assert.Equal("geo_area", tool.Name);
        Assert.Equal("geo.area", back("geo_area"));
        Assert.Equal("unknown_fn", back("unknown_fn"));
        var schema = JsonDocument.Parse(tool.ParametersSchema).RootElement;
        Assert.Equal("object", schema.GetProperty("type").GetString());
        var props = schema.GetProperty("properties");
        Assert.Equal("number", props.GetProperty("radius").GetProperty("type").GetString());
        Assert.Equal("integer", props.GetProperty("sides").GetProperty("type").GetString());
        Assert.Equal("number", props.GetProperty("weights").GetProperty("items").GetProperty("type").GetString());
        Assert.Equal("object", props.GetProperty("origin").GetProperty("type").GetString());
        Assert.Equal("number", props.GetProperty("origin").GetProperty("properties").GetProperty("x").GetProperty("type").GetString());
        Assert.Equal(["radius", "units"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var anyTuple = JsonDocument.Parse("""{"type": "dict", "properties": {"v": {"type": "any"}, "t": {"type": "tuple", "items": {"type": "float"}}}}""").RootElement;
        var converted = JsonDocument.Parse(BfclSchema.ToJsonSchema(anyTuple)).RootElement.GetProperty("properties");
        Assert.False(converted.GetProperty("v").TryGetProperty("type", out _));
        Assert.Equal("array", converted.GetProperty("t").GetProperty("type").GetString());
        Assert.Equal("number", converted.GetProperty("t").GetProperty("items").GetProperty("type").GetString());
    }

    [Fact]
    public void A_tuple_parameter_takes_a_json_array()
    {
        const string Point = """
            {"name": "plot", "description": "", "parameters": {"type": "dict", "properties": {"p": {"type": "tuple", "items": {"type": "integer"}}}, "required": ["p"]}}
            """;
        var @case = Case(BfclCategory.Simple, """[{"plot": {"p": [[3, 4]]}}]""", Point);
        Assert.True(Score(@case, ("plot", """{"p": [3, 4]}""")).Correct);
        Assert.Equal(BfclError.WrongType, Score(@case, ("plot", """{"p": "3, 4"}""")).Error);
    }
}
