global using ModelScout.Cli.Framework;
global using ModelScout.Core.Settings;
