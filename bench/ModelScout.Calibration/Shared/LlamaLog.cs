using System.Text;
using LLama.Native;

namespace ModelScout.Calibration;

/// <summary>
/// Collects llama.cpp's log as whole lines. The callback is installed once per process, before the native library
/// loads; <see cref="Capture"/> serialises callers so one measurement's lines never mix with another's.
/// </summary>
public static class LlamaLog
{
    private static readonly Lock Gate = new();
    private static readonly Lock CaptureGate = new();
    private static readonly StringBuilder Pending = new();
    private static readonly List<string> Lines = [];
    private static bool configured;

    /// <summary>Installs the callback; safe to call many times, must come before any native call.</summary>
    public static void EnsureConfigured()
    {
        lock (Gate)
        {
            if (configured) return;
            NativeLibraryConfig.All.WithLogCallback(OnLog);
            configured = true;
        }
    }

    /// <summary>Runs <paramref name="action"/> and returns the log lines llama.cpp printed meanwhile.</summary>
    public static IReadOnlyList<string> Capture(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        EnsureConfigured();
        lock (CaptureGate)
        {
            lock (Gate)
            {
                Pending.Clear();
                Lines.Clear();
            }
            try
            {
                action();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(e.Message + Environment.NewLine + "llama.cpp log tail:" + Environment.NewLine + string.Join(Environment.NewLine, Take().TakeLast(25)), e);
            }
            return Take();
        }
    }

    private static List<string> Take()
    {
        lock (Gate)
        {
            if (Pending.Length > 0)
            {
                Lines.Add(Pending.ToString());
                Pending.Clear();
            }
            return [.. Lines];
        }
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        lock (Gate)
        {
            foreach (var c in message)
            {
                if (c == '\n')
                {
                    Lines.Add(Pending.ToString());
                    Pending.Clear();
                }
                else
                {
                    Pending.Append(c);
                }
            }
        }
    }
}
