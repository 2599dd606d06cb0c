
namespace ModelScout.Cli.Framework;

/// <summary>One scout command: its options, and what it does.</summary>
internal interface ICommandBuilder
{
    Command Build(CommonOptions options);

    int Run(CommandContext ctx);
}
