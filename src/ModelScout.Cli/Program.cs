using System.Text;
using ModelScout.Cli;

Console.OutputEncoding = Encoding.UTF8;
var settings = new ScoutSettings();
return new ScoutApp(new SystemMachineSource(settings), settings).Run(args, Console.Out, Console.Error);
