using System.Text.Json;

namespace ModelScout.Prompting.Tests;

public sealed class ModelOptionsRangeTests
{
    [Fact]
    public void Every_numeric_option_has_a_range_and_both_ends_are_accepted()
    {
        var numeric = ModelOptions.KnownNames.Where(n => n != "stop").Order().ToList();
        Assert.Equal(numeric, ModelOptions.Ranges.Select(r => r.Name).Order().ToList());
        foreach (var (name, min, max, _) in ModelOptions.Ranges)
        {
            foreach (var end in new[] { min, max })
            {
                if (name == "repeat_penalty" && end == 0) continue;
                var json = $$"""{"{{name}}": {{end.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";
                var options = ModelOptions.FromJson(JsonDocument.Parse(json).RootElement);
                Assert.NotNull(options);
            }
        }
    }

    [Fact]
    public void One_past_either_end_is_refused_naming_the_option_as_the_api_spells_it()
    {
        foreach (var (name, min, max, _) in ModelOptions.Ranges.Where(r => r.Name != "seed"))
        {
            foreach (var past in new[] { min - 1, max + 1 })
            {
                var json = $$"""{"{{name}}": {{past.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";
                var e = Assert.Throws<InvalidRequestException>(() => ModelOptions.FromJson(JsonDocument.Parse(json).RootElement));
                Assert.Equal(name, e.Param);
                // Past the int range the value is not an integer option at all, which the message says instead.
                Assert.Contains(past > int.MaxValue ? "must be an integer" : "must be between", e.Message, StringComparison.Ordinal);
            }
        }
        var renamed = Assert.Throws<InvalidRequestException>(() => new ModelOptions { NumPredict = -5 }.Check(n => n == "num_predict" ? "max_tokens" : n));
        Assert.Equal("max_tokens", renamed.Param);
    }

    [Fact]
    public void Stop_lists_are_bounded_in_count_and_length()
    {
        Assert.Equal("stop", Assert.Throws<InvalidRequestException>(() => new ModelOptions { Stop = [.. Enumerable.Repeat("x", ModelOptions.MaxStops + 1)] }.Check()).Param);
        Assert.Equal("stop", Assert.Throws<InvalidRequestException>(() => new ModelOptions { Stop = [new string('x', ModelOptions.MaxStopLength + 1)] }.Check()).Param);
        Assert.NotNull(new ModelOptions { Stop = [.. Enumerable.Repeat("x", ModelOptions.MaxStops)] }.Check());
    }
}
