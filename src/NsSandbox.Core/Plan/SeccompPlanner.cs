using System.Runtime.InteropServices;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Core.Plan;

/// <summary>Compiles the run's seccomp policy into the filter stage 2 loads (docs/seccomp.md). Runs in the
/// parent before anything is created, so a bad policy is a usage error with its file:line:column.</summary>
public static class SeccompPlanner
{
    /// <summary>The name --seccomp_string text is reported under.</summary>
    public const string StringSource = "--seccomp_string";

    /// <summary>The host's architecture: the only one the filter lets through.</summary>
    public static Arch HostArch => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => Arch.X86_64,
        Architecture.Arm64 => Arch.Aarch64,
        var other => throw new SpecException("seccomp", $"no syscall table for {other}; use --disable_seccomp"),
    };

    /// <summary>The filter, or <see cref="SeccompProgram.None"/> with --disable_seccomp.</summary>
    public static SeccompProgram Compile(SeccompSpec spec)
    {
        if (spec.Disabled) return SeccompProgram.None;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var arch = HostArch;
        byte[] program;
        uint flags = 0;
        try
        {
            program = spec switch
            {
                // Compiled at build time: the launch runs no part of the compiler (DefaultFilter.cs).
                { UsesDefault: true } => DefaultFilter.For(arch).ToArray(),
                { OciProfile: { } oci } => CompileOci(oci, arch, out flags),
                { PolicyStrings.Count: 0, PolicyFile: { } file } => PolicyCompiler.CompileFile(file, arch).Bytes,
                _ => CompileStrings(spec, arch),
            };
        }
        catch (PolicyException e)
        {
            // "nssandbox: FILE:LINE:COLUMN: message", the position standing where a flag's name would.
            throw new SpecException(e.Location?.ToString() ?? Origin(spec), e.Message);
        }
        catch (IOException e)
        {
            throw new SpecException(Origin(spec), e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SpecException(Origin(spec), e.Message);
        }
        if (spec.Log)
        {
            try
            {
                program = SeccompLogMode.Apply(program, arch);
            }
            catch (PolicyException e)
            {
                throw new SpecException("--seccomp_log", e.Message);
            }
        }
        return new SeccompProgram(program, spec.Label, spec.Log)
        {
            Flags = flags,
            CompileTime = spec.UsesDefault ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(start),
        };
    }

    /// <summary>The strings are one source, joined by newlines, after an #include of the file (if any) on a
    /// line of its own; so the strings may USE the file's policies. Lines are counted from the strings' first.</summary>
    private static byte[] CompileStrings(SeccompSpec spec, Arch arch)
    {
        string text = string.Join('\n', spec.PolicyStrings);
        if (spec.PolicyFile is not { } file) return CompileText(text, arch);
        if (file.Contains('"') || file.Contains('\n'))
            throw new SpecException("--seccomp_policy", $"{file}: a policy path cannot contain a quote or a newline");
        if (!File.Exists(file)) throw new SpecException("--seccomp_policy", $"{file}: no such file");
        try
        {
            return CompileText($"#include \"{file}\"\n{text}", arch);
        }
        catch (PolicyException e) when (e.Location is { File: StringSource } at)
        {
            throw new PolicyException(at with { Line = at.Line - 1 }, e.Message);
        }
    }

    /// <summary>An OCI profile (docs/seccomp.md): its filter flags are passed to seccomp(2). Docker's format resolves
    /// as dockerd would for a container without capabilities, as the command has none. SCMP_ACT_NOTIFY would need a
    /// seccomp agent to answer the calls, which the launcher does not run.</summary>
    private static byte[] CompileOci(string file, Arch arch, out uint flags)
    {
        var docker = new DockerTarget(arch, new HashSet<string>(), Environment.OSVersion.Version);
        var filter = PolicyCompiler.CompileOciFile(file, arch, docker);
        if (filter.UsesNotify)
            throw new SpecException("--seccomp_oci",
                $"{file}: SCMP_ACT_NOTIFY needs a seccomp agent at listenerPath ({filter.ListenerPath}) to answer the calls; nssandbox runs none");
        flags = filter.FilterFlags;
        return filter.Compiled.Bytes;
    }

    // #include in a string is relative to the current directory, as for a path given on the command line.
    private static byte[] CompileText(string text, Arch arch) =>
        PolicyCompiler.Compile(new PolicySource(StringSource, text, Directory.GetCurrentDirectory()), arch).Bytes;

    private static string Origin(SeccompSpec spec) =>
        spec.UsesDefault ? "the built-in default policy" : spec.OciProfile is not null ? "--seccomp_oci"
        : spec.PolicyFile is null ? StringSource : "--seccomp_policy";
}
