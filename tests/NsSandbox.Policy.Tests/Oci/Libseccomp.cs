using System.Diagnostics;
using System.Globalization;
using System.Text;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>libseccomp_oci.c built once for the tests that compare with libseccomp: what runc would load for a
/// profile. Unavailable (with the reason) without gcc or libseccomp's header.</summary>
public sealed class Libseccomp : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nss-libseccomp-").FullName;

    public Libseccomp()
    {
        if (!File.Exists("/usr/include/seccomp.h"))
        {
            SkipReason = "libseccomp's header is not installed (apt-get install libseccomp-dev)";
            return;
        }
        string source = Path.Combine(Repository.Root, "tests", "NsSandbox.Policy.Tests", "Oci", "libseccomp_oci.c");
        Helper = Path.Combine(_dir, "libseccomp_oci");
        var (code, output) = Run("gcc", ["-O1", "-Wall", "-Werror", "-o", Helper, source, "-lseccomp"]);
        if (code != 0)
        {
            SkipReason = $"cannot build libseccomp_oci.c with gcc (exit {code}): {output}";
            Helper = null;
        }
    }

    public string? Helper { get; }

    public string? SkipReason { get; }

    /// <summary>Every (number, name) libseccomp knows on the architecture.</summary>
    public IReadOnlyList<(int Number, string Name)> Names(Arch arch)
    {
        var (code, output) = Run(Helper!, ["names", Arches.Name(arch)]);
        Assert.True(code == 0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), p[1]))
            .ToList();
    }

    /// <summary>runc's program for the profile on one architecture (without runc's ENOSYS stub), and how libseccomp
    /// resolved each name (null: unknown); null when libseccomp refuses a rule, with its message.</summary>
    public (IReadOnlyList<BpfInstruction>? Program, Dictionary<string, int?> Names, string Output) Filter(OciSeccomp profile, Arch arch)
    {
        string rules = Path.Combine(_dir, $"{Guid.NewGuid():N}.rules"), bpf = Path.ChangeExtension(rules, ".bpf");
        File.WriteAllText(rules, Rules(profile));
        try
        {
            var (code, output) = Run(Helper!, ["filter", Arches.Name(arch), rules, bpf]);
            var names = new Dictionary<string, int?>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n').Where(l => l.StartsWith("name ", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ');
                names[parts[1]] = parts[2] == "none" ? null : int.Parse(parts[2], CultureInfo.InvariantCulture);
            }
            if (code == 2) return (null, names, output);
            Assert.True(code == 0, output);
            return (BpfCodec.FromBytes(File.ReadAllBytes(bpf)), names, output);
        }
        finally
        {
            File.Delete(rules);
            File.Delete(bpf);
        }
    }

    /// <summary>The profile as the helper reads it: everything, in order; the helper leaves out what runc leaves out.</summary>
    private static string Rules(OciSeccomp profile)
    {
        static string Errno(OciAction a) => a.ErrnoRet?.ToString(CultureInfo.InvariantCulture) ?? "-";
        var text = new StringBuilder($"default {ScmpNames.Name(profile.DefaultAction.Kind)} {Errno(profile.DefaultAction)}\n");
        foreach (var rule in profile.Syscalls)
            foreach (var name in rule.Names)
            {
                text.Append($"rule {name.Value} {ScmpNames.Name(rule.Action.Kind)} {Errno(rule.Action)}");
                foreach (var arg in rule.Args) text.Append($" {arg.Index} {ScmpNames.Name(arg.Op)} 0x{arg.Value:x} 0x{arg.ValueTwo:x}");
                text.Append('\n');
            }
        return text.ToString();
    }

    private static (int Code, string Output) Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{file} did not finish within 120 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }


    /// <summary>Compares the two programs on calls of the filter's architecture; returns how many.</summary>
    public int Compare(OciSeccompFilter filter, string json, int seed, List<string> deviations, int count = 2000)
    {
        var arch = filter.Compiled.Arch;
        var (program, names, message) = Filter(filter.Profile, arch);
        if (program is null)
        {
            // libseccomp refuses some rules with args on a name that is not a syscall of the architecture (a pseudo
            // number, such as socketcall's on x86_64), so runc fails where nssandbox skips the name; never a real one.
            string refused = message.Split('\n').Single(l => l.StartsWith("refused ", StringComparison.Ordinal)).Split(' ')[1];
            Assert.True(names[refused] is null or < 0, $"libseccomp refuses a rule for {refused}, a syscall of {Arches.Name(arch)}: {message}\n{json}");
            Assert.Contains(filter.SkippedNames, n => n.Value == refused);
            return 0;
        }
        // Syscalls newer than this libseccomp (our table is Linux 6.12's) have no rule in its program: their calls are
        // left out, and runc with a libseccomp that knows them would count them in its stub's highest number.
        var table = SyscallTable.For(arch);
        var newer = names.Where(n => n.Value is null && table.TryLookupTableName(n.Key, out _))
            .Select(n => table.TryLookupTableName(n.Key, out var s) ? (uint)s.Number : 0).ToHashSet();
        // runc's stub: above the highest number resolved, when the architecture is listed and the default denies.
        int highest = names.Values.Where(n => n is > 0).Select(n => n!.Value).Concat(newer.Select(n => (int)n)).DefaultIfEmpty(0).Max();
        bool stub = filter.Profile.Architectures.Any(a => a.Value == ScmpNames.ArchitectureName(arch)) && highest > 0
            && filter.Profile.DefaultAction.Kind is not (ScmpAction.Allow or ScmpAction.Log or ScmpAction.Trace);
        var numbers = names.Values.Where(n => n >= 0).Select(n => (uint)n!.Value).DefaultIfEmpty(0u).ToArray();
        var constants = filter.Profile.Syscalls.SelectMany(r => r.Args).SelectMany(a => new[] { a.Value, a.ValueTwo, a.Value + 1, a.Value - 1 }).ToArray();
        var random = new Random(seed);
        uint audit = Arches.AuditArch(arch);
        for (int i = 0; i < count; i++)
        {
            uint nr = random.Next(4) switch
            {
                < 2 => numbers[random.Next(numbers.Length)],
                2 => (uint)random.Next(0, 600),
                _ => (uint)random.NextInt64(0, 1L << 32) & ~Arches.X32SyscallBit,
            };
            // libseccomp's x86_64 filter takes every number from 0x40000000 up but -1 for x32 (bad architecture without
            // SCMP_ARCH_X32); ours kills those with bit 30 (the kernel's x32 test) and decides the rest, which no
            // syscall has: the kernel answers them ENOSYS. Left out here, in docs/seccomp.md.
            if (arch == Arch.X86_64) nr &= 0x3fffffff;
            var args = Enumerable.Range(0, 6).Select(_ => random.Next(3) > 0 && constants.Length > 0
                ? constants[random.Next(constants.Length)] : (ulong)random.NextInt64()).ToArray();
            if (newer.Contains(nr)) continue;
            var call = SeccompInput.Call(audit, unchecked((int)nr), args);
            uint expected = stub && nr > highest ? SeccompRet.Errno | OciResolver.Enosys : BpfInterpreter.Run(program!, call);
            uint actual = BpfInterpreter.Run(filter.Compiled.Program, call);
            if (actual == expected) continue;
            // libseccomp 2.5 merges several rules of one syscall that compare the same argument into a wrong tree: a call
            // one rule matches can miss it (semctl with a0 < 7 in one rule and a0 <= 3 && a5 == 0 in another lets a0 = 0,
            // a5 = 1 through; checked on the kernel). Such a call must get what the profile says, and be of that kind.
            string where = $"{Arches.Name(arch)} nr {nr} args [{string.Join(", ", args.Select(a => $"0x{a:x}"))}]: nssandbox " +
                $"{SeccompRet.Describe(actual)}, runc/libseccomp {SeccompRet.Describe(expected)}\n{json}\nlibseccomp's program:\n" +
                BpfListing.Format(program!, arch);
            var meaning = OciReferenceEvaluator.Decide(filter.Profile, arch, call);
            var conditional = filter.Compiled.Policy.Rules.Where(r => r.Number == nr && r.Condition is not null).ToList();
            Assert.True(actual == meaning.Action.SeccompReturn && conditional.Count >= 2, where);
            deviations.Add(where[..where.IndexOf('\n')]);
        }
        return count;
    }

    public static Arch HostArch => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
        ? Arch.Aarch64 : Arch.X86_64;

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
