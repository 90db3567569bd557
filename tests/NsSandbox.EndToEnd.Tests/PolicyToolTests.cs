using System.Buffers.Binary;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>`nssandbox policy check|compile|explain`, run as the published binary: output on stdout, a bad
/// policy as one "file:line:column: message" line on stderr with exit 125. The tools need no privilege.</summary>
public sealed class PolicyToolTests : IDisposable
{
    private const string Policy = """
        #define STDOUT 1
        POLICY output {
          ALLOW { write { fd == STDOUT }, exit_group }
        }
        USE output
        ERRNO(1) { openat }
        DEFAULT KILL
        """;

    private readonly Launcher _nss = new();

    public void Dispose() => _nss.Dispose();

    private string Write(string name, string text)
    {
        string path = Path.Combine(_nss.TempDir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private LaunchResult Tool(params string[] args)
    {
        if (!File.Exists(Launcher.BinaryPath)) Assert.Fail($"{Launcher.BinaryPath} does not exist: build it first (./build.sh)");
        return _nss.RunRaw(["policy", .. args]);
    }

    private static void AssertBadInput(LaunchResult r, string line)
    {
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(line + "\n", r.Stderr);
    }

    [Fact]
    public void CheckPrintsNothingForAGoodPolicy()
    {
        var r = Tool("check", Write("good.policy", Policy));
        Assert.Equal((0, "", ""), (r.ExitCode, r.Stdout, r.Stderr));
        // open exists on x86_64 only.
        string x86Only = Write("x86.policy", "ALLOW { open }");
        Assert.Equal(0, Tool("check", x86Only, "--arch", "x86_64").ExitCode);
        AssertBadInput(Tool("check", x86Only, "--arch", "aarch64"),
            $"{x86Only}:1:9: unknown syscall 'open' on aarch64; did you mean fsopen, openat?");
    }

    [Fact]
    public void CheckReportsOneErrorWithFileLineAndColumn()
    {
        string bad = Write("bad.policy", "POLICY p {\n  ALLOW { wirte }\n}\nUSE p");
        AssertBadInput(Tool("check", bad), $"{bad}:2:11: unknown syscall 'wirte' on x86_64; did you mean write?");
        string syntax = Write("syntax.policy", "ALLOW { write { fd = 1 } }");
        AssertBadInput(Tool("check", syntax), $"{syntax}:1:20: unexpected '=': comparisons use '=='");
        string missing = Path.Combine(_nss.TempDir, "missing.policy");
        var r = Tool("check", missing);
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith($"nssandbox: cannot read policy file '{missing}'", Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void CompileListsTheProgramForEitherArchitecture()
    {
        string file = Write("good.policy", Policy);
        foreach (var (arch, auditArch) in new[] { ("x86_64", "#0xc000003e"), ("aarch64", "#0xc00000b7") })
        {
            var r = Tool("compile", file, "--arch", arch);
            Assert.Equal((0, ""), (r.ExitCode, r.Stderr));
            var lines = r.Stdout.TrimEnd('\n').Split('\n');
            var header = System.Text.RegularExpressions.Regex.Match(lines[0], $@"^; {file} for {arch}: (\d+) instructions \(syscall table of Linux [\d.]+\)$");
            Assert.True(header.Success, lines[0]);
            Assert.Equal(int.Parse(header.Groups[1].Value), lines.Length - 1);
            Assert.Equal("0: ld   [4]                           ; arch", lines[1].TrimStart());
            Assert.Contains($"jeq  {auditArch}", lines[2]);
            Assert.EndsWith($"; {arch}", lines[2]);
            Assert.Contains(lines, l => l.EndsWith("; ERRNO(1)", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith("; args[0].lo", StringComparison.Ordinal));
            Assert.Equal(arch == "x86_64", lines.Any(l => l.Contains("jset #0x40000000", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void CompileWritesRawSockFilterBytes()
    {
        string file = Write("good.policy", Policy);
        string output = Path.Combine(_nss.TempDir, "out.bpf");
        var r = _nss.RunRaw(["policy", "compile", file, "--format", "bpf", "--arch", "aarch64"], bashPrefix: $"exec >'{output}';");
        Assert.Equal((0, ""), (r.ExitCode, r.Stderr));
        byte[] bytes = File.ReadAllBytes(output);
        int count = int.Parse(Tool("compile", file, "--arch", "aarch64").Stdout.Split(' ')[4]);
        Assert.Equal(count * 8, bytes.Length);
        // struct sock_filter { u16 code; u8 jt, jf; u32 k; }: ld [4] (arch), then jeq AUDIT_ARCH_AARCH64.
        Assert.Equal((0x20, 4u), (BinaryPrimitives.ReadUInt16LittleEndian(bytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4))));
        Assert.Equal((0x15, 0xc00000b7u), (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12))));
    }

    [Fact]
    public void ExplainNamesTheDecisionAndTheRule()
    {
        string file = Write("good.policy", Policy);
        var allowed = Tool("explain", file, "write", "1", "0x1000", "5");
        Assert.Equal(0, allowed.ExitCode);
        Assert.Matches($@"^write\(1, 0x1000, 5\) on x86_64: ALLOW\ndecided by: rule at {file}:3:11 \(write\)\n" +
            @"    ALLOW \{ write \{ fd == STDOUT \}, exit_group \}\nfilter: ALLOW after \d+ instructions\n$", allowed.Stdout);
        var errno = Tool("explain", file, "openat", "-100");
        Assert.StartsWith($"openat(0xffffffffffffff9c) on x86_64: ERRNO(1)\ndecided by: rule at {file}:6:12 (openat)\n    ERRNO(1) {{ openat }}\nfilter: ERRNO(1) after", errno.Stdout);
        var byDefault = Tool("explain", file, "write", "2");
        Assert.StartsWith($"write(2) on x86_64: KILL\ndecided by: DEFAULT at {file}:7:1\n    DEFAULT KILL\nfilter: KILL_THREAD after", byDefault.Stdout);
        var x32 = Tool("explain", file, "0x40000001");
        Assert.StartsWith("SYSCALL[1073741825]() on x86_64: KILL_PROCESS\ndecided by: an x32 syscall (bit 30 of the number) on x86_64\nfilter: KILL_PROCESS after 5 instructions", x32.Stdout);
        var arm = Tool("explain", file, "64", "1", "--arch=aarch64"); // write is 64 on aarch64
        Assert.StartsWith("write(1) on aarch64: ALLOW\n", arm.Stdout);
    }

    [Theory]
    [InlineData(new[] { "explain", "{file}", "wrte" }, "nssandbox: policy explain: unknown syscall 'wrte' on x86_64; did you mean write, writev?")]
    [InlineData(new[] { "explain", "{file}", "write", "one" }, "nssandbox: policy explain: invalid argument 'one' (expected a number: decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)")]
    [InlineData(new[] { "explain", "{file}" }, "nssandbox: policy: " + Usage)]
    [InlineData(new[] { "explain", "{file}", "write", "1", "2", "3", "4", "5", "6", "7" }, "nssandbox: policy: " + Usage)]
    [InlineData(new[] { "compile", "{file}", "--format", "elf" }, "nssandbox: policy: unknown format 'elf' (expected text or bpf)")]
    [InlineData(new[] { "compile", "{file}", "--arch", "sparc" }, "nssandbox: policy: unknown architecture 'sparc' (expected x86_64 or aarch64)")]
    [InlineData(new[] { "check", "{file}", "--format", "bpf" }, "nssandbox: policy: unknown option --format for policy check; " + Usage)]
    [InlineData(new[] { "check", "{file}", "--arch" }, "nssandbox: policy: --arch needs a value")]
    [InlineData(new[] { "check", "{file}", "--verbose" }, "nssandbox: policy: unknown option --verbose for policy check; " + Usage)]
    [InlineData(new[] { "compile", "{file}", "--format=elf" }, "nssandbox: policy: unknown format 'elf' (expected text or bpf)")]
    [InlineData(new[] { "lint", "{file}" }, "nssandbox: policy: " + Usage)]
    public void BadCommandLinesAreUsageErrors(string[] args, string line)
    {
        string file = Write("good.policy", Policy);
        AssertBadInput(Tool(args.Select(a => a == "{file}" ? file : a).ToArray()), line);
    }

    private const string Usage =
        "usage: nssandbox policy check FILE [--arch ARCH] [--kafel|--oci] | nssandbox policy compile FILE [--arch x86_64|aarch64] " +
        "[--format text|bpf] [--oci] | nssandbox policy explain FILE SYSCALL [ARG0 ... ARG5] [--arch ARCH] [--oci]";

    private const string Profile = """
        {"defaultAction": "SCMP_ACT_ERRNO",
         "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_X86"],
         "flags": ["SECCOMP_FILTER_FLAG_LOG"],
         "syscalls": [
           {"names": ["read", "write", "exit_group", "stat64"], "action": "SCMP_ACT_ALLOW"},
           {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
           {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
        """;

    [Fact]
    public void CheckOciSaysWhatTheProfileCompilesToAndWhatHasNoEffect()
    {
        string file = Write("profile.json", Profile);
        var r = Tool("check", "--oci", file, "--arch", "x86_64");
        Assert.Equal((0, ""), (r.ExitCode, r.Stderr));
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(file)}: \d+ instructions for x86_64, compiled in [\d.]+ ms$", lines[0]);
        Assert.Equal([
            $"{file}: calls numbered above 435 (clone3), the highest syscall the profile names, answer ENOSYS, as under runc",
            $"{file}: seccomp(2) flags: SECCOMP_FILTER_FLAG_LOG",
            $"{file}: note: 1 syscall name not on x86_64, skipped as runc skips them: stat64",
            $"{file}: note: architectures: SCMP_ARCH_AARCH64, SCMP_ARCH_X86 not compiled: the filter decides SCMP_ARCH_X86_64 calls only, " +
                "and a call through another ABI (i386's int 0x80, x32's numbers) kills the process"], lines[1..]);
        AssertBadInput(Tool("check", "--oci", Write("bad.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}")),
            $"{Path.Combine(_nss.TempDir, "bad.json")}:1:50: syscalls[0]: 'action' is missing");
        AssertBadInput(Tool("check", file, "--oci", "--kafel"),
            "nssandbox: policy: --kafel and --oci exclude each other: --kafel checks kafel's language, --oci reads JSON");
    }

    [Fact]
    public void CheckOciReadsDockersFormatAsDockerdResolvesIt()
    {
        string file = Write("docker.json", """
            {"defaultAction": "SCMP_ACT_ERRNO",
             "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
             "syscalls": [{"names": ["read", "openat2"], "action": "SCMP_ACT_ALLOW", "comment": "", "includes": {}, "excludes": {}},
                          {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
                          {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"]}}]}
            """);
        var r = Tool("check", "--oci", file, "--arch", "x86_64");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"{file}: Docker's profile format, resolved as dockerd resolves it for amd64 with Docker's default capabilities on Linux ", r.Stdout);
        Assert.StartsWith("mount() on x86_64: ERRNO(1)\n", Tool("explain", "--oci", file, "mount", "--arch", "x86_64").Stdout);
        Assert.StartsWith("chown() on x86_64: ALLOW\n", Tool("explain", "--oci", file, "chown", "--arch", "x86_64").Stdout);
    }

    [Fact]
    public void ExplainOciNamesTheEntryAndCompileListsTheProgram()
    {
        string file = Write("profile.json", Profile);
        var allowed = Tool("explain", "--oci", file, "personality", "8", "--arch", "x86_64");
        Assert.Matches(@"^personality\(8\) on x86_64: ALLOW\ndecided by: syscalls\[1\] at 6:15 \(personality, SCMP_ACT_ALLOW\): its args match\n" +
            @"    \{""names"": \[""personality""\], .*\nfilter: ALLOW after \d+ instructions\n$", allowed.Stdout);
        Assert.StartsWith("personality(9) on x86_64: ERRNO(1)\ndecided by: defaultAction at 1:19 (no rule's args match)\n",
            Tool("explain", "--oci", file, "personality", "9", "--arch", "x86_64").Stdout);
        Assert.StartsWith("SYSCALL[999]() on x86_64: ERRNO(38)\ndecided by: a number above 435, the highest syscall the profile names: ENOSYS",
            Tool("explain", "--oci", file, "999", "--arch", "x86_64").Stdout);
        var arm = Tool("explain", "--oci", file, "clone3", "--arch", "aarch64");
        Assert.StartsWith("clone3() on aarch64: ERRNO(38)\ndecided by: syscalls[2] at 7:15 (clone3, SCMP_ACT_ERRNO (errnoRet 38)): it has no args\n", arm.Stdout);
        var listing = Tool("compile", "--oci", file, "--arch", "x86_64");
        Assert.Equal(0, listing.ExitCode);
        Assert.Contains("; ERRNO(38)", listing.Stdout);
        Assert.Contains("; seccomp(2) flags: SECCOMP_FILTER_FLAG_LOG\n", listing.Stdout);
    }
}
