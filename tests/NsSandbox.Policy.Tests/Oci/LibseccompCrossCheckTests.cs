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
            int n = libseccomp.Compare(filter, json, seed: p, Deviations);
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

    private static Arch HostArch => Libseccomp.HostArch;

    private List<string> Deviations { get; } = [];
}
