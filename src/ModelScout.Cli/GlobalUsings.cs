global using ModelScout.Core.Settings;
