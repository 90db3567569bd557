using System.Collections.Concurrent;
using NsSandbox.Client;

namespace SandboxService;

/// <summary>The live sessions by id (random, unguessable), at most a configured number, each removed when it
/// has not been used for the idle time, or when the service stops.</summary>
internal sealed class SessionStore(NsSandboxClient client, ServiceSettings settings) : IAsyncDisposable
{
    private sealed class Entry(SandboxSession session)
    {
        public SandboxSession Session { get; } = session;
        public long LastUsed = Environment.TickCount64;
    }

    private readonly ConcurrentDictionary<string, Entry> _sessions = new();
    private readonly SemaphoreSlim _creating = new(1, 1);
    private Timer? _reaper;

    public int Count => _sessions.Count;

    public void StartReaper() =>
        _reaper = new Timer(_ => _ = RemoveIdleAsync(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    /// <summary>A new session's id, or null when the store is full.</summary>
    public async Task<string?> CreateAsync(SandboxOptions options, CancellationToken cancellationToken)
    {
        await _creating.WaitAsync(cancellationToken);
        try
        {
            if (_sessions.Count >= settings.MaxSessions) return null;
            var session = await client.CreateSessionAsync(options, cancellationToken);
            string id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            _sessions[id] = new Entry(session);
            return id;
        }
        finally
        {
            _creating.Release();
        }
    }

    public SandboxSession? Get(string id)
    {
        if (!_sessions.TryGetValue(id, out var entry)) return null;
        entry.LastUsed = Environment.TickCount64;
        return entry.Session;
    }

    public async Task<bool> RemoveAsync(string id)
    {
        if (!_sessions.TryRemove(id, out var entry)) return false;
        await entry.Session.DisposeAsync();
        return true;
    }

    private async Task RemoveIdleAsync()
    {
        long idle = settings.SessionIdleMinutes * 60_000L;
        foreach (var (id, entry) in _sessions)
            if (Environment.TickCount64 - entry.LastUsed > idle) await RemoveAsync(id);
    }

    public async ValueTask DisposeAsync()
    {
        if (_reaper is not null) await _reaper.DisposeAsync();
        foreach (string id in _sessions.Keys) await RemoveAsync(id);
    }
}
