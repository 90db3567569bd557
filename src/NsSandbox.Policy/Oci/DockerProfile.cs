using System.Globalization;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Oci;

/// <summary>What dockerd resolves a profile in Docker's format for: the machine's architecture, the container's
/// bounding capabilities and the running kernel's version.</summary>
public sealed record DockerTarget(Arch Arch, IReadOnlySet<string> Capabilities, Version Kernel)
{
    /// <summary>The capabilities a container gets from <c>docker run</c> without --cap-add or --cap-drop.</summary>
    public static IReadOnlySet<string> DefaultCapabilities { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    };

    /// <summary>Go's name for the architecture, which Docker's includes/excludes use.</summary>
    public string GoArch => Arch == Syscalls.Arch.X86_64 ? "amd64" : "arm64";
}

/// <summary>Resolves Docker's profile format (<c>docker run --security-opt seccomp=FILE</c>, moby's default.json)
/// into the runtime-spec form, as dockerd does before it writes config.json: archMap picks the entry of the
/// machine's architecture (with its sub-architectures), and an entry of <c>syscalls</c> stays only when its
/// <c>includes</c> all hold and none of its <c>excludes</c> does (capabilities against the bounding set, arches
/// against Go's name of the machine, minKernel against the running kernel).</summary>
public static class DockerProfile
{
    public static OciSeccomp Resolve(OciSeccomp profile, DockerTarget target)
    {
        if (profile.Architectures.Count > 0 && profile.ArchMap is { Count: > 0 } map)
            throw new PolicyException(map[0].Architecture.At,
                "archMap: 'architectures' and 'archMap' are both given (dockerd takes either)");
        var architectures = profile.Architectures.ToList();
        string native = ScmpNames.ArchitectureName(target.Arch);
        if (profile.ArchMap?.FirstOrDefault(a => a.Architecture.Value == native) is { } entry)
            architectures = [entry.Architecture, .. entry.SubArchitectures];
        // dockerd compares the major and minor version only.
        target = target with { Kernel = new Version(target.Kernel.Major, Math.Max(0, target.Kernel.Minor)) };
        var kept = profile.Syscalls.Where(rule => Applies(rule, target))
            .Select(rule => rule with { Includes = null, Excludes = null })
            .ToList();
        return profile with { Architectures = architectures, Syscalls = kept, ArchMap = null, DockerField = null };
    }

    private static bool Applies(OciSyscallRule rule, DockerTarget target)
    {
        if (rule.Excludes is { } excludes)
        {
            if (excludes.Arches.Any(a => a.Value == target.GoArch)) return false;
            if (excludes.Caps.Any(c => target.Capabilities.Contains(c.Value))) return false;
            if (excludes.MinKernel is { } min && target.Kernel >= Kernel(min, rule)) return false;
        }
        if (rule.Includes is { } includes)
        {
            if (includes.Arches.Count > 0 && !includes.Arches.Any(a => a.Value == target.GoArch)) return false;
            if (includes.Caps.Any(c => !target.Capabilities.Contains(c.Value))) return false;
            if (includes.MinKernel is { } min && target.Kernel < Kernel(min, rule)) return false;
        }
        return true;
    }

    /// <summary>"4.8": the major and minor version, as dockerd compares them.</summary>
    private static Version Kernel(Located<string> text, OciSyscallRule rule)
    {
        var parts = text.Value.Split('.');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor))
            return new Version(major, minor);
        throw new PolicyException(text.At, $"{rule.Label}: minKernel \"{text.Value}\" is not a kernel version such as \"4.8\"");
    }
}
