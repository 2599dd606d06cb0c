namespace ModelScout.Cli.Tests;

public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--host", "https://example.com:443", "TLS proxy")]
    [InlineData("--host", "127.0.0.1:99999", "--host=127.0.0.1:99999 is not a listen address")]
    [InlineData("--keep-alive", "forever", "--keep-alive")]
    [InlineData("--parallel", "0", "--parallel must be at least 1")]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    public void Bad_serve_options_exit_2_saying_what_to_write(string option, string value, string message)
    {
        var run = Scout.Run("serve", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void Serve_help_lists_every_option()
    {
        var run = Scout.Run("serve", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--host", "--models", "--parallel", "--threads", "--keep-alive", "--max-queue", "--api-key", "--origins" })
            Assert.Contains(option, run.Stdout, StringComparison.Ordinal);
    }
}
