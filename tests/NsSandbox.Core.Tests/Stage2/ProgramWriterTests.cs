using NsSandbox.Core.Plan;
using NsSandbox.Core.Stage2;
using NsSandbox.Linux;
using NsSandbox.Linux.Stage2Code;

namespace NsSandbox.Core.Tests;

/// <summary>The program stage 2 runs carries exactly the calls <see cref="SandboxBuilder"/> makes, laid out as the
/// native interpreter reads it (the end-to-end tests prove the interpreter and the kernel agree).</summary>
public sealed class ProgramWriterTests
{
    private static Stage2Plan MakePlan(Func<SandboxSpec, SandboxSpec>? change = null)
    {
        var spec = new SandboxSpec { Command = ["/bin/true", "a b"], StateDir = "/state" };
        if (change is not null) spec = change(spec);
        return TestPlans.Stage2(spec) with { Seccomp = new SeccompProgram([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], "test", false) };
    }

    [Fact]
    public void EveryCallBecomesOneOperationInOrder()
    {
        var plan = MakePlan();
        var recorded = new RecordingKernel();
        SandboxBuilder.Build(plan, recorded);
        var program = SandboxBuilder.Compile(plan);
        var ops = ProgramReader.Read(program.Bytes);
        // SetIds is two operations (setresgid, then setresuid), and marks are left out when not tracing.
        int Count(string prefix) => recorded.Calls.Count(c => c.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Equal(recorded.Calls.Count + Count("setids") - Count("mark"), ops.Count);
        Assert.Equal(ops.Count, program.Steps.Count);
        Assert.Equal(ops.Select(o => o.Code), program.Steps.Select(s => s.Code));
        Assert.Equal(Opcode.Mount, ops[0].Code);
        Assert.Equal("/", ops[0].B);
        Assert.Equal(Opcode.Exec, ops[^1].Code);
    }

    [Fact]
    public void ExecCarriesCandidatesArgvEnvironmentAndTheFilter()
    {
        var plan = MakePlan();
        var exec = ProgramReader.Read(SandboxBuilder.Compile(plan, describe: true).Bytes)[^1];
        Assert.Equal(plan.ExecCandidates, (List<string>)exec.A!);
        Assert.Equal(["/bin/true", "a b"], (List<string>)exec.B!);
        Assert.Equal(plan.Env, (List<string>)exec.C!);
        Assert.Equal(plan.Seccomp.Filter, (byte[])exec.D!);
        Assert.Equal((ulong)plan.Seccomp.Flags, exec.E);
        Assert.Equal("execve /bin/true", exec.What);
    }

    [Fact]
    public void AwaitStartIsAnOperationWithoutOperands()
    {
        var writer = new ProgramWriter(false, describe: true);
        writer.AwaitStart();
        writer.Exec(["/bin/true"], ["true"], [], null, 0);
        var program = writer.Finish();
        var op = ProgramReader.Read(program.Bytes)[0];
        Assert.Equal(new ProgramReader.Op(Opcode.AwaitStart, "await start", 0ul, 0ul, 0ul, 0ul, 0ul), op);
        Assert.Equal("await start", program.At(0)!.Call);
    }

    [Fact]
    public void OperationsSayWhatTheyDoAsTheSandboxSeesPaths()
    {
        // Only mode execve needs the descriptions: in mode once the parent phrases errors from its own steps.
        Assert.All(ProgramReader.Read(SandboxBuilder.Compile(MakePlan()).Bytes), o => Assert.Null(o.What));
        var ops = ProgramReader.Read(SandboxBuilder.Compile(MakePlan(), describe: true).Bytes);
        Assert.Contains(ops, o => o.Code == Opcode.MoveMount && o.A as string == "./data" && o.What == "move_mount /data");
        Assert.Contains(ops, o => o.Code == Opcode.SetResUid && (ulong)o.A! == 65534 && o.What == "setresuid 65534");
        Assert.Contains(ops, o => o.Code == Opcode.PivotRoot && o.What == "pivot_root /");
    }

    [Fact]
    public void ProgramsOfManyAndLongOperandsGrowTheirBuffer()
    {
        var plan = MakePlan() with { Env = Enumerable.Range(0, 300).Select(i => $"V{i}=" + new string('x', 100)).ToList() };
        var program = SandboxBuilder.Compile(plan);
        Assert.True(program.Bytes.Length > 30_000);
        Assert.Equal(plan.Env, (List<string>)ProgramReader.Read(program.Bytes)[^1].C!);
    }

    [Fact]
    public void TreeSlotsAreReusedOnceClosed()
    {
        var writer = new ProgramWriter(false);
        int first = writer.CloneTree("/a", true);
        writer.AttachTree(first, "./a");
        writer.CloseDescriptor(first);
        int second = writer.CloneTree("/b", true);
        int third = writer.CloneTree("/c", true);
        Assert.Equal(first, second);
        Assert.NotEqual(second, third);
    }

    [Fact]
    public void MoreOpenTreesThanTheInterpreterHoldsIsAClearError()
    {
        var writer = new ProgramWriter(false);
        for (int i = 0; i < ProgramFormat.Slots; i++) writer.CloneTree("/x" + i, true);
        var e = Assert.Throws<KernelException>(() => writer.CloneTree("/one-too-many", true));
        Assert.Equal("bind mount /one-too-many: Too many open files", e.Message);
    }

    [Fact]
    public void ANulByteInAStringIsAClearError()
    {
        var writer = new ProgramWriter(false);
        var e = Assert.Throws<KernelException>(() => writer.SetHostname("a\0b"));
        Assert.Equal("a NUL byte in a?b: Invalid argument", e.Message);
    }
}
