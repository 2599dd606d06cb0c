using System.Globalization;

namespace ModelScout.Evaluation.Sandbox;

/// <summary>One fresh directory per run, and the sweep that removes it and anything left running from it.</summary>
internal static class SandboxDirectory
{
    public static string Create(string? root)
    {
        var parent = root ?? Path.GetTempPath();
        Directory.CreateDirectory(parent);
        var path = Path.Combine(parent, "scout-sandbox-" + Guid.NewGuid().ToString("N"));
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a process the sweep has not reaped yet; the temp folder's cleaner gets it later.
        }
        catch (UnauthorizedAccessException)
        {
            // Not root, and the program made a subfolder unreadable: same as above.
        }
    }

    /// <summary>Kills every live process in session <paramref name="sessionId"/> until none is left or the deadline passes.</summary>
    public static async Task KillSessionAsync(int sessionId, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var found = false;
            foreach (var pid in SessionMembers(sessionId))
            {
                found = true;
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (ArgumentException)
                {
                    // Gone between the listing and the kill.
                }
                catch (InvalidOperationException)
                {
                }
                catch (System.ComponentModel.Win32Exception)
                {
                }
            }
            if (!found || DateTime.UtcNow > until) return;
            await Task.Delay(20);
        }
    }

    /// <summary>Live (not zombie) processes whose session id is <paramref name="sessionId"/>, read from /proc/PID/stat.</summary>
    internal static List<int> SessionMembers(int sessionId)
    {
        var members = new List<int>();
        string[] entries;
        try
        {
            entries = Directory.GetDirectories("/proc");
        }
        catch (IOException)
        {
            return members;
        }
        foreach (var entry in entries)
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(entry, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            // The command name may hold spaces and parentheses; the fields after the last ')' do not.
            var close = stat.LastIndexOf(')');
            if (close < 0) continue;
            var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // state ppid pgrp session ...
            if (fields.Length < 4 || fields[0] == "Z" || fields[0] == "X") continue;
            if (int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var session) && session == sessionId)
            {
                members.Add(pid);
            }
        }
        return members;
    }
}
