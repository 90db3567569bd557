using System.Globalization;
using NsSandbox.Core.Report;
using NsSandbox.Policy;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Commands;

/// <summary><c>nssandbox policy check|compile|explain --oci FILE</c>: the policy tools on an OCI seccomp profile (a
/// runtime config's linux.seccomp, a profile alone, or Docker's profile format, resolved as dockerd would for a
/// container with Docker's default capabilities on this kernel). What of the profile has no effect here, and why,
/// is printed with the result (docs/seccomp.md).</summary>
public static class PolicyOci
{
    public static int Run(PolicyArgs command, TextWriter stdout, TextWriter stderr)
    {
        var docker = new DockerTarget(command.Arch, DockerTarget.DefaultCapabilities, Environment.OSVersion.Version);
        OciSeccompFilter filter;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            filter = PolicyCompiler.CompileOciFile(command.File, command.Arch, docker);
        }
        catch (PolicyException e)
        {
            stderr.WriteLine(e.Location is null ? $"nssandbox: {e.Message}" : e.Diagnostic);
            return ExitCodes.Usage;
        }
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        var notes = Notes(filter, command, docker).ToList();
        switch (command.Verb)
        {
            case "check":
                stdout.WriteLine($"{command.File}: {filter.Compiled.Program.Count} instructions for {Arches.Name(command.Arch)}, " +
                    $"compiled in {elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms");
                foreach (var note in notes) stdout.WriteLine($"{command.File}: {note}");
                return 0;
            case "compile" when command.Format == "bpf":
                stdout.Flush();
                using (var raw = Console.OpenStandardOutput()) raw.Write(filter.Compiled.Bytes);
                return 0;
            case "compile":
                stdout.WriteLine($"; {command.File} for {Arches.Name(command.Arch)}: {filter.Compiled.Program.Count} instructions " +
                    $"(syscall table of Linux {SyscallTable.For(command.Arch).KernelVersion})");
                foreach (var note in notes) stdout.WriteLine($"; {note}");
                stdout.Write(BpfListing.Format(filter.Compiled.Program, command.Arch));
                return 0;
            default:
                return Explain(filter, command, stdout, stderr) ? 0 : PolicyCommand.Disagreement;
        }
    }

    /// <summary>What the runtime does besides loading the program, and what of the profile has no effect.</summary>
    private static IEnumerable<string> Notes(OciSeccompFilter filter, PolicyArgs command, DockerTarget docker)
    {
        if (filter.FromDockerFormat)
            yield return $"Docker's profile format, resolved as dockerd resolves it for {docker.GoArch} with Docker's default " +
                $"capabilities on Linux {docker.Kernel.Major}.{docker.Kernel.Minor}";
        if (filter.Compiled.Policy.Newer is { } newer)
            yield return $"calls numbered above {newer.Above} ({SyscallTable.For(command.Arch).ByNumber((int)newer.Above)?.Name}), " +
                "the highest syscall the profile names, answer ENOSYS, as under runc";
        if (filter.FilterFlags != 0)
            yield return "seccomp(2) flags: " + string.Join(" | ", new (uint Bit, string Name)[]
                {
                    (ScmpNames.FlagLog, "SECCOMP_FILTER_FLAG_LOG"), (ScmpNames.FlagSpecAllow, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
                    (ScmpNames.FlagNewListener, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
                    (ScmpNames.FlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
                }.Where(f => (filter.FilterFlags & f.Bit) != 0).Select(f => f.Name));
        if (filter.UsesNotify) yield return $"the listener's fd goes to {filter.ListenerPath}";
        if (filter.SkippedSummary is { } skipped) yield return "note: " + skipped;
        foreach (var note in filter.Notes) yield return "note: " + note;
    }

    /// <summary>A long line (a config.json is often one) around the column: 40 characters before it, 80 after (the
    /// line is trimmed, so the cut is off by its indentation, which long lines rarely have).</summary>
    private static string Excerpt(string line, int column)
    {
        if (line.Length <= 120) return line;
        int at = Math.Max(0, column - 1);
        int from = Math.Clamp(at - 40, 0, line.Length), to = Math.Min(line.Length, at + 80);
        return (from > 0 ? "..." : "") + line[from..to] + (to < line.Length ? "..." : "");
    }

    /// <summary>The decision for one call by the profile's reference evaluation, with the entry (and its source line)
    /// that made it, and what the compiled program returns; false when the two disagree.</summary>
    private static bool Explain(OciSeccompFilter filter, PolicyArgs command, TextWriter stdout, TextWriter stderr)
    {
        var table = SyscallTable.For(filter.Compiled.Arch);
        uint number = PolicyExplain.SyscallNumber(table, command.Positional[0]);
        var arguments = command.Positional.Skip(1).Select(PolicyExplain.Argument).ToArray();
        var call = SeccompInput.Call(Arches.AuditArch(filter.Compiled.Arch), unchecked((int)number), arguments);
        var decision = OciReferenceEvaluator.Decide(filter.Profile, filter.Compiled.Arch, call);
        uint returned = BpfInterpreter.RunValidated(filter.Compiled.Program, call, out int executed);
        string name = number <= int.MaxValue && table.ByNumber((int)number) is { } known ? known.Name : $"SYSCALL[{number}]";
        string shown = string.Join(", ", arguments.Select(a => a < 4096 ? a.ToString(CultureInfo.InvariantCulture) : $"0x{a:x}"));
        stdout.WriteLine($"{name}({shown}) on {Arches.Name(filter.Compiled.Arch)}: {decision.Action}");
        stdout.WriteLine($"decided by: {decision.Reason}");
        var at = decision.Name?.At ?? (decision.Reason.StartsWith("defaultAction", StringComparison.Ordinal) ? filter.Profile.DefaultAction.At : null);
        if (PolicyExplain.SourceLine(at) is { } line) stdout.WriteLine($"    {Excerpt(line, at!.Value.Column)}");
        stdout.WriteLine($"filter: {SeccompRet.Describe(returned)} after {executed} instructions");
        if (returned == decision.Action.SeccompReturn) return true;
        stderr.WriteLine($"nssandbox: compiler defect: the filter returns {SeccompRet.Describe(returned)} but the profile says {decision.Action}");
        return false;
    }
}
