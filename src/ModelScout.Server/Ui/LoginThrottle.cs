using System.Net;

namespace ModelScout.Server.Ui;

/// <summary>
/// Slows down guessing the API key through the login form: after <see cref="MaxFailures"/> wrong keys from one address
/// within <see cref="Window"/>, that address is refused (429) until the window of its first failure has passed. A right
/// key is never refused by an address's own earlier failures once the window is over, and it clears them.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    /// <summary>Wrong keys one address may try per window.</summary>
    public const int MaxFailures = 5;

    /// <summary>The window failures are counted in.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, (DateTimeOffset First, int Count)> failures = [];

    /// <summary>How long <paramref name="address"/> must wait before it may try again; null when it may try now.</summary>
    public TimeSpan? Wait(IPAddress? address)
    {
        if (address is null) return null;
        lock (gate)
        {
            if (!failures.TryGetValue(address, out var f)) return null;
            var left = f.First + Window - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                failures.Remove(address);
                return null;
            }
            return f.Count >= MaxFailures ? left : null;
        }
    }

    /// <summary>Counts a wrong key from <paramref name="address"/>.</summary>
    public void Failed(IPAddress? address)
    {
        if (address is null) return;
        lock (gate)
        {
            var now = time.GetUtcNow();
            // Forget windows that are over, so the table cannot grow without bound.
            if (failures.Count > 1024)
            {
                foreach (var old in failures.Where(p => p.Value.First + Window <= now).Select(p => p.Key).ToList()) failures.Remove(old);
            }
            failures[address] = failures.TryGetValue(address, out var f) && f.First + Window > now ? (f.First, f.Count + 1) : (now, 1);
        }
    }

    /// <summary>A right key: the address's count starts again.</summary>
    public void Succeeded(IPAddress? address)
    {
        if (address is null) return;
        lock (gate) failures.Remove(address);
    }
}
