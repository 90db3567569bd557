using System.Text.Json;
using NsSandbox.Contract.Oci;

namespace NsSandbox.Core.Oci;

/// <summary>The runtime-spec fields this runtime does not implement yet: each is refused by name when it asks for
/// something (a field at its "nothing" value passes), never ignored. docs/oci.md keeps the same list.</summary>
public static class OciSupport
{
    public static void Check(OciSpec spec)
    {
        var refused = new List<string>();
        void Refuse(bool present, string field) { if (present) refused.Add(field); }

        Refuse(Set(spec.Solaris) || Set(spec.Windows) || Set(spec.Vm) || Set(spec.Zos), "solaris/windows/vm/zos (not a Linux container)");
        if (spec.Process is { } p) CheckProcess(p, "config.json", refused);
        if (spec.Linux is { } l)
        {
            Refuse(Set(l.TimeOffsets), "linux.timeOffsets");
            Refuse(Set(l.IntelRdt), "linux.intelRdt");
            Refuse(Set(l.Personality), "linux.personality");
            Refuse(l.MountLabel is { Length: > 0 }, "linux.mountLabel (SELinux)");
            if (l.Resources is { } r)
            {
                Refuse(r.Memory?.Kernel is not null, "linux.resources.memory.kernel");
                Refuse(r.Memory?.KernelTCP is not null, "linux.resources.memory.kernelTCP");
                Refuse(r.Memory?.Swappiness is not null and not ulong.MaxValue, "linux.resources.memory.swappiness");
                Refuse(r.Memory?.DisableOOMKiller == true, "linux.resources.memory.disableOOMKiller");
                Refuse(r.Memory?.CheckBeforeUpdate == true, "linux.resources.memory.checkBeforeUpdate");
                Refuse(r.Cpu?.Burst is > 0, "linux.resources.cpu.burst");
                Refuse(r.Cpu?.RealtimeRuntime is > 0 || r.Cpu?.RealtimePeriod is > 0, "linux.resources.cpu.realtimeRuntime/realtimePeriod");
                Refuse(r.Cpu?.Idle is > 0, "linux.resources.cpu.idle");
                if (r.BlockIO is { } b)
                    Refuse(b.Weight is > 0 || b.LeafWeight is > 0 || Set(b.WeightDevice) || Set(b.ThrottleReadBpsDevice)
                        || Set(b.ThrottleWriteBpsDevice) || Set(b.ThrottleReadIOPSDevice) || Set(b.ThrottleWriteIOPSDevice), "linux.resources.blockIO");
                Refuse(Set(r.Network), "linux.resources.network");
                Refuse(Set(r.Rdma), "linux.resources.rdma");
                Refuse(r.Unified is { Count: > 0 }, "linux.resources.unified");
            }
        }
        if (refused.Count > 0)
            throw new SpecException("config.json", $"not supported yet: {string.Join(", ", refused)} (docs/oci.md)");
    }

    public static void CheckProcess(OciProcess p, string origin)
    {
        var refused = new List<string>();
        CheckProcess(p, origin, refused);
        if (refused.Count > 0) throw new SpecException(origin, $"not supported yet: {string.Join(", ", refused)} (docs/oci.md)");
    }

    private static void CheckProcess(OciProcess p, string origin, List<string> refused)
    {
        void Refuse(bool present, string field) { if (present) refused.Add(field); }
        Refuse(p.ConsoleSize is not null && !p.Terminal, "process.consoleSize (without terminal)");
        Refuse(p.CommandLine is not null, "process.commandLine (Windows only)");
        Refuse(p.ApparmorProfile is { Length: > 0 }, "process.apparmorProfile (AppArmor)");
        Refuse(Set(p.Scheduler), "process.scheduler");
        Refuse(p.SelinuxLabel is { Length: > 0 }, "process.selinuxLabel (SELinux)");
        Refuse(Set(p.IoPriority), "process.ioPriority");
        Refuse(Set(p.ExecCPUAffinity), "process.execCPUAffinity");
        Refuse(p.User?.Umask is not null, "process.user.umask");
        Refuse(p.User?.Username is { Length: > 0 }, "process.user.username (Windows only)");
    }

    /// <summary>Present and not empty: null, {}, [] and 0 ask for nothing.</summary>
    internal static bool Set(JsonElement? e) => e is { } v && v.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False => false,
        JsonValueKind.Object => v.EnumerateObject().Any(),
        JsonValueKind.Array => v.GetArrayLength() > 0,
        _ => true,
    };
}
