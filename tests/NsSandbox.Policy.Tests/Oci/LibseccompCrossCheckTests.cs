using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>Our program against what runc loads for the same profile: libseccomp's own program (built by
/// libseccomp_oci.c, which plays runc) run on the same interpreter, with runc's ENOSYS stub in front of it, for
/// random profiles on the host's architecture (libseccomp's programs for another one, exported on this host, can
/// be wrong: with a pseudo syscall such as arm_fadvise64_64 in an aarch64 filter, 2.5.4 forgets to load the
/// number). Other architectures and x86_64's numbers from 0x40000000 up are left out: where the two differ by
/// design (docs/seccomp.md).</summary>
public class LibseccompCrossCheckTests(Libseccomp libseccomp, ITestOutputHelper output) : IClassFixture<Libseccomp>
{
    [Fact]
    public void TheTableNamesAreLibseccompsNames()
    {
        if (libseccomp.SkipReason is { } reason) Assert.Skip(reason);
        foreach (var arch in Arches.All)
        {
            var table = SyscallTable.For(arch);
            var known = libseccomp.Names(arch);
            foreach (var (number, name) in known)
                Assert.True(table.TryLookupTableName(name, out var s) && s.Number == number, $"{Arches.Name(arch)}: libseccomp's {name} is {number}");
            var ours = table.Names.Where(n => table.TryLookupTableName(n, out _)).ToList();
            // The other way: a name only our table has is one this libseccomp has no name for at its number (newer).
            var only = ours.Where(n => !known.Any(k => k.Name == n)).ToList();
            Assert.All(only, n => Assert.True(table.TryLookupTableName(n, out var s) && known.All(k => k.Number != s.Number),
                $"{n}: libseccomp calls its number something else"));
            output.WriteLine($"{Arches.Name(arch)}: {known.Count} names agree; newer than this libseccomp: {string.Join(", ", only)}");
        }
    }

    [Fact]
    public void RandomProfilesDecideEveryCallAsRuncsFilterDoes()
    {
        if (libseccomp.SkipReason is { } reason) Assert.Skip(reason);
        var generator = new RandomOciProfile(30_000);
        int compared = 0, calls = 0, refusedByLibseccomp = 0;
        for (int p = 0; p < 250; p++)
        {
            string json = generator.Next();
            OciSeccompFilter filter;
            try
            {
                filter = PolicyCompiler.CompileOci(json, $"random-{p}.json", HostArch);
            }
            catch (PolicyException e) when (e.Message.Contains("both match", StringComparison.Ordinal))
            {
                continue;
            }
            int n = Compare(filter, json, seed: p);
            calls += n;
            compared += n > 0 ? 1 : 0;
            refusedByLibseccomp += n > 0 ? 0 : 1;
        }
        output.WriteLine($"{compared} programs compared with libseccomp's on {calls:N0} calls; libseccomp refused {refusedByLibseccomp} " +
            $"profiles; {Deviations.Count} calls where libseccomp's tree of several rules misses a match:");
        foreach (var deviation in Deviations.Take(3)) output.WriteLine(deviation);
        Assert.True(compared >= 180, $"only {compared} programs compared");
        Assert.True(Deviations.Count < calls / 1000, $"{Deviations.Count} of {calls} calls deviate");
    }

    private static Arch HostArch => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
        ? Arch.Aarch64 : Arch.X86_64;

    private List<string> Deviations { get; } = [];

    /// <summary>Compares the two programs on calls of the filter's architecture; returns how many.</summary>
    public int Compare(OciSeccompFilter filter, string json, int seed, int count = 2000)
    {
        var arch = filter.Compiled.Arch;
        var (program, names, message) = libseccomp.Filter(filter.Profile, arch);
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
            Deviations.Add(where[..where.IndexOf('\n')]);
        }
        return count;
    }
}
