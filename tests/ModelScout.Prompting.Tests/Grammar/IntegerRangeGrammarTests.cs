using ModelScout.Prompting.Grammar;

namespace ModelScout.Prompting.Tests.Grammar;

/// <summary>Small bounded integer ranges are enforced value by value; wide ones keep only the sign rule.</summary>
public sealed class IntegerRangeGrammarTests
{
    [Theory]
    [InlineData("""{"type":"integer","minimum":1,"maximum":7}""", "1", true)]
    [InlineData("""{"type":"integer","minimum":1,"maximum":7}""", "7", true)]
    [InlineData("""{"type":"integer","minimum":1,"maximum":7}""", "0", false)]
    [InlineData("""{"type":"integer","minimum":1,"maximum":7}""", "8", false)]
    [InlineData("""{"type":"integer","minimum":1,"maximum":7}""", "3000000000000000", false)]
    [InlineData("""{"type":"integer","minimum":-3,"maximum":3}""", "-3", true)]
    [InlineData("""{"type":"integer","minimum":-3,"maximum":3}""", "-4", false)]
    [InlineData("""{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}""", "0", false)]
    [InlineData("""{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}""", "9", true)]
    [InlineData("""{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10}""", "10", false)]
    [InlineData("""{"type":"integer","minimum":1.5,"maximum":3.5}""", "2", true)]
    [InlineData("""{"type":"integer","minimum":1.5,"maximum":3.5}""", "1", false)]
    // Wider than the listed limit: only the sign is enforced.
    [InlineData("""{"type":"integer","minimum":0,"maximum":100000}""", "123456", true)]
    [InlineData("""{"type":"integer","minimum":0,"maximum":100000}""", "-1", false)]
    public void Bounded_integers(string schema, string value, bool accepted) =>
        Assert.Equal(accepted, GbnfMatcher.Matches(JsonSchemaGrammar.Convert(schema), value));

    [Fact]
    public void A_range_that_holds_no_integer_is_refused_with_its_path()
    {
        var e = Assert.Throws<JsonSchemaException>(() => JsonSchemaGrammar.Convert("""{"type":"object","properties":{"n":{"type":"integer","minimum":2.2,"maximum":2.8}}}"""));
        Assert.Contains("no integer fits", e.Message, StringComparison.Ordinal);
    }
}
