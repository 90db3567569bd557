using NsSandbox.Contract.Oci;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Oci;

/// <summary>linux.resources.devices as cgroup v1's devices controller reads them, written one by one to
/// devices.allow or devices.deny: the same rules mean the same on v2, where <see cref="DeviceProgram"/> enforces the
/// result. A rule of type 'a' (or none) resets to allow-all or deny-all whatever its numbers; another rule adds an
/// exception when it goes against the default and takes its access away from equal exceptions when it agrees.</summary>
public sealed class DeviceAllowList
{
    private readonly List<DeviceException> _exceptions = [];

    public bool DefaultAllow { get; private set; } = true;
    public IReadOnlyList<DeviceException> Exceptions => _exceptions;

    public static DeviceAllowList From(IEnumerable<OciDeviceRule> rules)
    {
        var list = new DeviceAllowList();
        foreach (var rule in rules) list.Apply(rule);
        return list;
    }

    public void Apply(OciDeviceRule rule)
    {
        string type = rule.Type is { Length: > 0 } t ? t : "a";
        if (type == "a")
        {
            _exceptions.Clear();
            DefaultAllow = rule.Allow;
            return;
        }
        if (type is not ("b" or "c"))
            throw new SpecException("config.json", $"linux.resources.devices: type '{type}' is not a, b or c");
        var ex = new DeviceException(type[0], rule.Major ?? -1, rule.Minor ?? -1, AccessBits(rule.Access));
        if (rule.Allow == DefaultAllow) Remove(ex);
        else Add(ex);
    }

    private void Add(DeviceException ex)
    {
        int i = _exceptions.FindIndex(e => Same(e, ex));
        if (i >= 0) _exceptions[i] = _exceptions[i] with { Access = _exceptions[i].Access | ex.Access };
        else _exceptions.Add(ex);
    }

    private void Remove(DeviceException ex)
    {
        for (int i = _exceptions.Count - 1; i >= 0; i--)
        {
            if (!Same(_exceptions[i], ex)) continue;
            int left = _exceptions[i].Access & ~ex.Access;
            if (left == 0) _exceptions.RemoveAt(i);
            else _exceptions[i] = _exceptions[i] with { Access = left };
        }
    }

    private static bool Same(DeviceException a, DeviceException b) => a.Type == b.Type && a.Major == b.Major && a.Minor == b.Minor;

    /// <summary>"rwm" in any order and subset; empty or absent means all three, as the kernel and runc read it.</summary>
    public static int AccessBits(string? access)
    {
        if (access is not { Length: > 0 }) return DeviceProgram.Read | DeviceProgram.Write | DeviceProgram.Mknod;
        int bits = 0;
        foreach (char c in access)
            bits |= c switch
            {
                'r' => DeviceProgram.Read,
                'w' => DeviceProgram.Write,
                'm' => DeviceProgram.Mknod,
                _ => throw new SpecException("config.json", $"linux.resources.devices: access '{access}' is not a subset of rwm"),
            };
        return bits;
    }

    /// <summary>Whether an access (DeviceProgram bits) to a device is allowed: the kernel's check of v1.</summary>
    public bool Allows(char type, long major, long minor, int access)
    {
        bool Matches(DeviceException e) => e.Type == type && (e.Major < 0 || e.Major == major) && (e.Minor < 0 || e.Minor == minor);
        return DefaultAllow
            ? !_exceptions.Any(e => Matches(e) && (access & e.Access) != 0)
            : _exceptions.Any(e => Matches(e) && (access & ~e.Access) == 0);
    }

    public byte[] Program() => DeviceProgram.Build(DefaultAllow, _exceptions);
}
