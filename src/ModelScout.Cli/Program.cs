using System.Text;
using ModelScout.Cli;

Console.OutputEncoding = Encoding.UTF8;
return new ScoutApp(new SystemMachineSource(), new ScoutSettings()).Run(args, Console.Out, Console.Error);
