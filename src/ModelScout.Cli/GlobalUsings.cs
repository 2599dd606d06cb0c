global using System.CommandLine;
global using ModelScout.Cli.Framework;
global using ModelScout.Core.Settings;
global using Spectre.Console;
