using System.Diagnostics;
using System.Globalization;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>The compiled program, run on the BPF interpreter, against the reference evaluator (the resolved rules
/// read one by one) on millions of generated calls, for kafel-style policies: comparisons between arguments, masks,
/// 64-bit constants, custom and negative numbers, every action, USE, and the shipped policies. Two million calls
/// in every test run; NSS_POLICY_DIFF_CALLS sets another count (tools/fuzz-policy.sh-style long runs).</summary>
public class DifferentialTests(ITestOutputHelper output)
{
    private const string CallsVariable = "NSS_POLICY_DIFF_CALLS";

    /// <summary>Policies in the style of kafel's samples and tests (our own text).</summary>
    private static readonly string[] KafelStyle =
    [
        "POLICY s { ALLOW { write { (buf & fd) <= 0xc267df278caf1f35 } } } USE s DEFAULT KILL",
        "POLICY s { ALLOW { write { (fd & buf) != 0 } } } USE s DEFAULT KILL",
        "POLICY s { ALLOW { write { (buf & 0xffff0000ffff) == 0x123400005678 } } } USE s DEFAULT KILL",
        "POLICY s { ALLOW { write { (fd & 0xf0) == 0x30, (count & 0x8000000000000000) != 0 } } } USE s DEFAULT KILL",
        "POLICY s { ALLOW { write { fd != count && buf == count, buf > count } } } USE s DEFAULT KILL",
        "POLICY s { ALLOW { read { count | 8 | fd == 8 }, read { buf | buf & count == buf } } } USE s DEFAULT KILL",
        "POLICY s { ALLOW { read { (count | 2) & (fd | 3) == 2 }, openat { flags == 0x80000|0x800|1 } } } USE s DEFAULT ERRNO(9)",
        "#define mysyscall -1\n#define other 0x7fffffff\nPOLICY a { ALLOW { mysyscall }, TRAP(3) { SYSCALL[-2](x, y) { x == y } } }\n" +
            "POLICY b { ERRNO(1) { SYSCALL[-1](a, b, c) { a == 1 } }, ERRNO(2) { SYSCALL[-1], other } }\nUSE b, USE a DEFAULT KILL",
        "#define PROT_EXEC 4\n#define MAP_FIXED 0x10\nALLOW { mmap { (prot & PROT_EXEC) == 0 && (flags & MAP_FIXED) == 0 }, mprotect { (prot & PROT_EXEC) != PROT_EXEC } }\n" +
            "KILL_PROCESS { mmap, mprotect } DEFAULT LOG",
        "ALLOW { exit }, ERRNO(1) { read { !(fd == 5 && count == 0) } }, TRACE(7) { write { fd >= 3 || count < 0x100000000 } }\n" +
            "USER_NOTIF { close } TRAP(0xffff) { dup } KILL_THREAD { getpid } DEFAULT ERRNO(38)",
        "ALLOW { lseek { offset > whence, offset <= 0xffffffff, offset == -1 } } LOG { lseek } DEFAULT KILL_PROCESS",
        "ALLOW { fcntl { fd == 0x1234 }, exit } DEFAULT KILL",
        "ALLOW { read { fd == 1 }, exit }\nALLOW { read }\nALLOW { read }",
    ];

    [Fact]
    public void ProgramsAgreeWithTheReferenceOnMillionsOfCalls()
    {
        long calls = long.TryParse(Environment.GetEnvironmentVariable(CallsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            ? n : 2_000_000;
        var corpus = KafelStyle.Concat(Enumerable.Range(0, 60).Select(seed => new RandomPolicy(10_000 + seed).Next())).ToList();
        var shipped = new[] { "default.policy", "minimal.policy" }.Select(f => Path.Combine(Repository.Root, "configs", "policies", f)).ToList();
        int programs = (corpus.Count + shipped.Count) * Arches.All.Count;
        int perProgram = (int)Math.Max(1000, calls / programs);
        var actions = new HashSet<ActionKind>();
        var sources = new Dictionary<DecisionSource, long>();
        var clock = Stopwatch.StartNew();
        long done = 0;
        int index = 0;
        foreach (var arch in Arches.All)
        {
            var compiled = corpus.Select(text => PolicyCompiler.CompileText(text, arch))
                .Concat(shipped.Select(path => PolicyCompiler.CompileFile(path, arch)));
            foreach (var program in compiled)
            {
                var seen = Probes.Check(program, seed: index++, perProgram, d => actions.Add(d.Action.Kind));
                foreach (var (source, count) in seen) sources[source] = sources.GetValueOrDefault(source) + count;
                done += perProgram;
            }
        }
        string summary = $"{done:N0} calls over {programs} programs agreed in {clock.Elapsed.TotalSeconds:0.0} s: " +
            string.Join(", ", sources.OrderBy(s => s.Key).Select(s => $"{s.Value:N0} by {s.Key}"));
        output.WriteLine(summary);
        Console.Error.WriteLine($"policy differential: {summary}");
        Assert.True(done >= Math.Min(calls, 1_000_000), summary);
        Assert.Equal(Enum.GetValues<ActionKind>().ToHashSet(), actions);
        // Only OCI profiles answer calls newer than the policy (OciDifferentialTests).
        Assert.All(Enum.GetValues<DecisionSource>().Where(s => s != DecisionSource.NewerCall),
            source => Assert.True(sources.GetValueOrDefault(source) > 100, summary));
    }

}
