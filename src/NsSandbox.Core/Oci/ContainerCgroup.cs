using System.Globalization;
using NsSandbox.Contract.Oci;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Oci;

/// <summary>A container's cgroup at its cgroupsPath: one directory on cgroup v2 when it has the controllers (device
/// rules there are a BPF program, DeviceAllowList), else one per v1 hierarchy (memory, pids, cpu, cpuacct, devices,
/// freezer, cpuset). It outlives the runtime process
/// that made it (the container runs on after `create` returns), so it is found again by path (<see cref="Open"/>).
/// Pause and resume: ContainerCgroup.Freezer.cs; `update`: ContainerCgroup.Update.cs.</summary>
public sealed partial record ContainerCgroup(int Version, IReadOnlyDictionary<string, string> Dirs)
{
    private static readonly string[] V1Controllers = ["memory", "pids", "cpu", "cpuacct", "devices", "freezer", "cpuset"];
    private static readonly string[] V2Controllers = ["memory", "pids", "cpu"];

    /// <summary>The parent of containers that name no cgroupsPath; removed with its last container.</summary>
    private const string DefaultParent = "nssandbox-oci";

    public static string PathFor(string? cgroupsPath, string id)
    {
        string path = cgroupsPath is { Length: > 0 } p ? p : $"/{DefaultParent}/{id}";
        if (path.Contains(':')) throw new SpecException("config.json", $"linux.cgroupsPath: '{path}' is systemd's slice:prefix:name form; --systemd-cgroup is not supported yet");
        if (!path.StartsWith('/')) path = "/" + path;
        if (path.Split('/').Contains("..")) throw new SpecException("config.json", $"linux.cgroupsPath: '{path}' leaves the hierarchy");
        return path;
    }

    public static ContainerCgroup Create(string path, ContainerResources r, Action<string> say)
    {
        var layout = CgroupLayout.Read();
        if (layout.V2Mount is { } v2 && CgroupV2Parent.Unusable(v2, V2Controllers) is null)
        {
            // Read before anything is made: a bad rule leaves nothing behind.
            byte[]? devices = r.DeviceRules.Count > 0 ? DeviceAllowList.From(r.DeviceRules).Program() : null;
            string[] controllers = V2Controllers;
            if (r.Cpus is not null || r.Mems is not null)
            {
                if (CgroupV2Parent.Unusable(v2, ["cpuset"]) is { } why) throw new SpecException("config.json", $"linux.resources.cpu.cpus/mems: {why}");
                controllers = [.. V2Controllers, "cpuset"];
            }
            string dir = Path.Combine(v2, path.TrimStart('/'));
            EnableDown(v2, dir, controllers, say);
            var cg = new ContainerCgroup(2, new Dictionary<string, string> { [""] = dir });
            try
            {
                cg.Apply(r);
                if (devices is not null) DeviceFilter.Attach(dir, devices);
            }
            catch
            {
                cg.Discard();
                throw;
            }
            return cg;
        }
        var dirs = new Dictionary<string, string>();
        foreach (string c in V1Controllers)
            if (layout.V1Mounts.TryGetValue(c, out string? mount)) dirs[c] = Path.Combine(mount, path.TrimStart('/'));
        if (r.DeviceRules.Count > 0) DeviceAllowList.From(r.DeviceRules); // the same reading, and errors, as on v2
        if (!dirs.ContainsKey("devices") && r.DeviceRules.Count > 0)
            throw new SpecException("config.json", "linux.resources.devices: no devices cgroup hierarchy is mounted");
        var v1 = new ContainerCgroup(1, dirs);
        try
        {
            foreach (string dir in dirs.Values) Directory.CreateDirectory(dir);
            if (dirs.TryGetValue("cpuset", out string? cpuset)) CgroupV1Cpuset.Inherit(layout.V1Mounts["cpuset"], cpuset);
            v1.Apply(r);
        }
        catch
        {
            v1.Discard();
            throw;
        }
        return v1;
    }

    /// <summary>Makes the directories from the v2 root down to <paramref name="dir"/>, each level passing the
    /// controllers down to the next (cgroup v2's subtree_control).</summary>
    private static void EnableDown(string v2, string dir, IReadOnlyList<string> controllers, Action<string> say)
    {
        string parent = v2;
        foreach (string part in Path.GetRelativePath(v2, dir).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            CgroupV2Parent.Prepare(parent, controllers, say);
            parent = Path.Combine(parent, part);
            Directory.CreateDirectory(parent);
        }
    }

    /// <summary>The directories a container's cgroup has, if they exist (for kill --all, ps, delete).</summary>
    public static ContainerCgroup Open(int version, IReadOnlyDictionary<string, string> dirs) => new(version, dirs);

    public string? V2Dir => Version == 2 ? Dirs[""] : null;

    public void Attach(int pid)
    {
        foreach (string dir in Dirs.Values) CgroupFs.Write(Path.Combine(dir, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
    }

    public IReadOnlyList<int> Pids()
    {
        string? dir = Version == 2 ? Dirs[""] : Dirs.GetValueOrDefault("pids") ?? Dirs.GetValueOrDefault("memory") ?? Dirs.Values.FirstOrDefault();
        return dir is null || !Directory.Exists(dir) ? [] : CgroupFs.ReadPids(Path.Combine(dir, "cgroup.procs"));
    }

    /// <summary>Kills what is left and removes the directories (a paused container is thawed first: frozen
    /// processes of cgroup v1 do not die until then).</summary>
    public void Remove()
    {
        ThawForRemoval();
        foreach (string dir in Dirs.Values) CgroupLeaf.Remove(dir);
    }

    /// <summary><see cref="Remove"/>, and the default parent with it when no other container is in it.</summary>
    public void Discard()
    {
        Remove();
        RemoveDefaultParent(Dirs);
    }

    public static void RemoveDefaultParent(IReadOnlyDictionary<string, string> dirs)
    {
        foreach (string dir in dirs.Values)
        {
            string? parent = Path.GetDirectoryName(dir);
            if (Path.GetFileName(parent) != DefaultParent) continue;
            try
            {
                Directory.Delete(parent!); // only when empty: another container may still be in it
            }
            catch (IOException)
            {
            }
        }
    }

    private void Apply(ContainerResources r)
    {
        if (Version == 2) ApplyV2(Dirs[""], r);
        else ApplyV1(r);
    }

    private void ApplyV1(ContainerResources r)
    {
        void Write(string controller, string file, string value)
        {
            if (!Dirs.TryGetValue(controller, out string? dir))
                throw new SpecException("config.json", $"linux.resources: no {controller} cgroup hierarchy is mounted for {file}");
            CgroupFs.Write(Path.Combine(dir, file), value);
        }
        if (r.MemoryLimit is { } limit) Write("memory", "memory.limit_in_bytes", N(limit));
        if (r.MemorySwap is { } swap)
        {
            string memsw = Path.Combine(Dirs.GetValueOrDefault("memory") ?? "", "memory.memsw.limit_in_bytes");
            if (File.Exists(memsw)) CgroupFs.Write(memsw, N(swap));
            else if (swap > (r.MemoryLimit ?? 0) && HostHasSwap())
                throw new SpecException("config.json", "linux.resources.memory.swap: the kernel does not account swap (boot with swapaccount=1)");
        }
        if (r.MemoryReservation is { } low) Write("memory", "memory.soft_limit_in_bytes", N(low));
        if (r.PidsLimit is { } pids) Write("pids", "pids.max", N(pids));
        if (r.CpuShares is { } shares) Write("cpu", "cpu.shares", N((long)shares));
        if (r.CpuPeriod is { } period) Write("cpu", "cpu.cfs_period_us", N((long)period));
        if (r.CpuQuota is { } quota) Write("cpu", "cpu.cfs_quota_us", N(quota));
        if (r.Cpus is { } cpus) Write("cpuset", "cpuset.cpus", cpus);
        if (r.Mems is { } mems) Write("cpuset", "cpuset.mems", mems);
        if (r.DeviceRules.Count > 0)
        {
            foreach (var rule in r.DeviceRules)
                Write("devices", rule.Allow ? "devices.allow" : "devices.deny", DeviceRule(rule));
        }
    }

    private static void ApplyV2(string dir, ContainerResources r)
    {
        void Write(string file, string value) => CgroupFs.Write(Path.Combine(dir, file), value);
        if (r.MemoryLimit is { } limit) Write("memory.max", N(limit));
        if (r.MemorySwap is { } swap && r.MemoryLimit is { } l) Write("memory.swap.max", N(Math.Max(0, swap - l)));
        if (r.MemoryReservation is { } low) Write("memory.low", N(low));
        if (r.PidsLimit is { } pids) Write("pids.max", N(pids));
        if (r.CpuShares is { } shares) Write("cpu.weight", N(SharesToWeight(shares)));
        if (r.CpuQuota is not null || r.CpuPeriod is not null)
            Write("cpu.max", $"{(r.CpuQuota is { } q ? N(q) : "max")} {N((long)(r.CpuPeriod ?? 100000))}");
        if (r.Cpus is { } cpus) Write("cpuset.cpus", cpus);
        if (r.Mems is { } mems) Write("cpuset.mems", mems);
    }

    /// <summary>"type major:minor access" as devices.allow/deny read it; "a" alone for every device.</summary>
    private static string DeviceRule(OciDeviceRule rule)
    {
        string type = rule.Type is { Length: > 0 } t ? t : "a";
        if (type == "a" && rule.Major is null or -1 && rule.Minor is null or -1) return "a";
        string Num(long? n) => n is null or -1 ? "*" : N(n.Value);
        return $"{type} {Num(rule.Major)}:{Num(rule.Minor)} {(rule.Access is { Length: > 0 } a ? a : "rwm")}";
    }

    private static bool HostHasSwap() => File.ReadLines("/proc/swaps").Skip(1).Any(l => l.Trim().Length > 0);

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
}
