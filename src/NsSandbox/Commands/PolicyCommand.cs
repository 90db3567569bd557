using System.Runtime.InteropServices;
using NsSandbox.Core.Report;
using NsSandbox.Policy;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Commands;

/// <summary><c>nssandbox policy check|compile|explain</c>: the policy compiler on the command line, for writing
/// and reviewing policies without running anything. A bad policy is one line "file:line:column: message" on
/// stderr and exit 125; a bad command line is a <see cref="SpecException"/>, reported like a run's.</summary>
public static class PolicyCommand
{
    public const string Usage =
        "usage: nssandbox policy check FILE [--arch ARCH] [--kafel|--oci] | nssandbox policy compile FILE [--arch x86_64|aarch64] " +
        "[--format text|bpf] [--oci] | nssandbox policy explain FILE SYSCALL [ARG0 ... ARG5] [--arch ARCH] [--oci]";

    /// <summary>The filter and the reference evaluator disagree: a compiler defect, not bad input.</summary>
    public const int Disagreement = 70;

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var command = PolicyArgs.Parse(args);
        if (command.Oci) return PolicyOci.Run(command, stdout, stderr);
        CompiledPolicy compiled;
        try
        {
            compiled = PolicyCompiler.CompileFile(command.File, command.Arch, new PolicyOptions { Kafel = command.Kafel });
        }
        catch (PolicyException e)
        {
            stderr.WriteLine(e.Location is null ? $"nssandbox: {e.Message}" : e.Diagnostic);
            return ExitCodes.Usage;
        }
        switch (command.Verb)
        {
            case "check":
                return 0;
            case "compile" when command.Format == "bpf":
                stdout.Flush();
                using (var raw = Console.OpenStandardOutput()) raw.Write(compiled.Bytes);
                return 0;
            case "compile":
                stdout.WriteLine($"; {command.File} for {Arches.Name(command.Arch)}: {compiled.Program.Count} instructions " +
                    $"(syscall table of Linux {SyscallTable.For(command.Arch).KernelVersion})");
                stdout.Write(BpfListing.Format(compiled.Program, command.Arch));
                return 0;
            default:
                return PolicyExplain.Write(compiled, command, stdout, stderr) ? 0 : Disagreement;
        }
    }
}

/// <summary>The parsed command line of <c>nssandbox policy</c>. Options may come anywhere after the verb;
/// everything else is positional, so a negative argument value such as -1 stays a value. --kafel accepts only
/// kafel's language, so a policy that passes can be handed to nsjail unchanged; --oci reads FILE as an OCI seccomp
/// profile (JSON: a runtime config's linux.seccomp, a profile alone, or Docker's profile format).</summary>
public sealed record PolicyArgs(string Verb, string File, Arch Arch, string Format, IReadOnlyList<string> Positional, bool Kafel = false, bool Oci = false)
{
    public static PolicyArgs Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not ("check" or "compile" or "explain")) throw Bad(PolicyCommand.Usage);
        string verb = args[0];
        var arch = HostArch();
        string format = "text";
        bool kafel = false, oci = false;
        var positional = new List<string>();
        for (int i = 1; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(args[i]);
                continue;
            }
            if (args[i] is "--kafel" or "--oci")
            {
                kafel |= args[i] == "--kafel";
                oci |= args[i] == "--oci";
                if (kafel && oci) throw Bad("--kafel and --oci exclude each other: --kafel checks kafel's language, --oci reads JSON");
                continue;
            }
            // --name value or --name=value, as the run flags take them.
            string[] parts = args[i].Split('=', 2);
            string name = parts[0];
            if (name is not "--arch" && !(name == "--format" && verb == "compile"))
                throw Bad($"unknown option {name} for policy {verb}; {PolicyCommand.Usage}");
            if (parts.Length == 1 && i + 1 >= args.Count) throw Bad($"{name} needs a value");
            string value = parts.Length == 2 ? parts[1] : args[++i];
            if (name == "--arch" && !Arches.TryParse(value, out arch))
                throw Bad($"unknown architecture '{value}' (expected x86_64 or aarch64)");
            if (name == "--format" && value is not ("text" or "bpf"))
                throw Bad($"unknown format '{value}' (expected text or bpf)");
            if (name == "--format") format = value;
        }
        int wanted = verb == "explain" ? 2 : 1;
        if (positional.Count < wanted || (verb != "explain" && positional.Count > 1) || positional.Count > 2 + SeccompData.ArgCount)
            throw Bad(PolicyCommand.Usage);
        if (positional[0].Length == 0) throw Bad("the policy file's name is empty");
        return new PolicyArgs(verb, positional[0], arch, format, positional.Skip(1).ToList(), kafel, oci);
    }

    private static Arch HostArch() =>
        RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? Arch.Aarch64 : Arch.X86_64;

    private static SpecException Bad(string message) => new("policy", message);
}
