using System.Text.Json;
using NsSandbox.Contract.Oci;

namespace NsSandbox.Core.Oci;

/// <summary>What runc does to a container's cgroup after create: pause and resume (the freezer), update (new
/// limits) and events (its statistics, once or at an interval, and OOM kills), with runc's words for the
/// states it refuses.</summary>
public sealed partial class OciRuntime
{
    /// <summary>How often the events stream looks for an OOM kill and for the container's end.</summary>
    private static readonly TimeSpan EventsPoll = TimeSpan.FromMilliseconds(100);

    public void Pause(string id)
    {
        var state = Load(id);
        if (Status(state) is not ("running" or "created")) throw new OciException($"container not running: {id}");
        Cgroup(state).Freeze();
    }

    public void Resume(string id)
    {
        var state = Load(id);
        if (Status(state) != "paused") throw new OciException($"container not paused: {id}");
        Cgroup(state).Thaw();
    }

    public void Update(string id, ResourceUpdate update)
    {
        var state = Load(id);
        if (Status(state) == "stopped") throw new OciException($"container not running: {id}");
        if (update.Empty) return;
        debug?.Invoke($"update {id}: {update}");
        Cgroup(state).Update(update, say);
    }

    /// <summary>The device rules config.json gave (an update may repeat them, as a Kubernetes node's shim does).</summary>
    public IReadOnlyList<OciDeviceRule> ConfigDeviceRules(string id) =>
        TryReadSpec(Load(id).Bundle)?.Linux?.Resources?.Devices ?? [];

    /// <summary>runc's events: with <paramref name="once"/> one "stats" event; else a "stats" event every
    /// <paramref name="interval"/> and an "oom" event for each OOM kill, until the container stops or is deleted
    /// (runc's stream runs until it is killed).</summary>
    public void Events(string id, TimeSpan interval, bool once, Action<string> emit)
    {
        var state = Load(id);
        if (Status(state) == "stopped") throw new OciException($"container with id {id} is not running");
        var cgroup = Cgroup(state);
        if (once)
        {
            emit(EventJson(new OciEvent("stats", id, cgroup.Stats())));
            return;
        }
        ulong ooms = cgroup.OomKills();
        var next = DateTime.UtcNow + interval;
        while (true)
        {
            var wait = next - DateTime.UtcNow;
            if (wait > EventsPoll) wait = EventsPoll;
            if (wait > TimeSpan.Zero) Thread.Sleep(wait);
            // An OOM kill often ends the container: it is told before the stream ends.
            for (ulong now = cgroup.OomKills(); ooms < now; ooms++) emit(EventJson(new OciEvent("oom", id)));
            if (!File.Exists(Path.Combine(Dir(id), StateFile)) || Status(state) == "stopped") return;
            if (DateTime.UtcNow < next) continue;
            emit(EventJson(new OciEvent("stats", id, cgroup.Stats())));
            next += interval;
            if (next < DateTime.UtcNow) next = DateTime.UtcNow + interval; // a slow machine does not make a burst
        }
    }

    private static string EventJson(OciEvent e) => JsonSerializer.Serialize(e, OciEventJsonContext.Default.OciEvent);
}
