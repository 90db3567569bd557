using System.Diagnostics;
using System.Text.Json;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Tests.Oci.OciProfiles;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>Docker's profiles: the default one exactly as a real dockerd sends it (captured, not copied) compiles and
/// means what runc's libseccomp program means; Docker's format resolves as that dockerd resolves it.</summary>
public class DockerProfileTests(DockerCapture capture, Libseccomp libseccomp, ITestOutputHelper output)
    : IClassFixture<DockerCapture>, IClassFixture<Libseccomp>
{
    private static Arch Host => Libseccomp.HostArch;

    [Fact]
    public void DockersDefaultProfileAsDockerdSendsItCompiles()
    {
        capture.Require();
        var clock = Stopwatch.StartNew();
        var filter = PolicyCompiler.CompileOciFile(capture.DefaultConfig!, Host);
        var elapsed = clock.Elapsed;
        output.WriteLine($"{capture.Log}\nDocker's default profile: {filter.Profile.Syscalls.Count} entries, " +
            $"{filter.Profile.Syscalls.Sum(r => r.Names.Count)} names, {filter.Compiled.Program.Count} instructions " +
            $"for {Arches.Name(Host)}, compiled in {elapsed.TotalMilliseconds:0.0} ms (first compile in this process)");
        foreach (var note in filter.Notes.Append(filter.SkippedSummary!)) output.WriteLine(note);
        Assert.InRange(filter.Compiled.Program.Count, 20, 400);
        Assert.Equal(0u, filter.FilterFlags);

        // What Docker's profile is for, call by call, for a container with Docker's default capabilities.
        Assert.Equal("ALLOW", Decide(filter, "getpid"));
        Assert.Equal("ALLOW", Decide(filter, "clone", 0x11));                   // fork: SIGCHLD
        Assert.Equal("ERRNO(1)", Decide(filter, "clone", 0x10000011));          // CLONE_NEWUSER
        Assert.Equal("ERRNO(38)", Decide(filter, "clone3"));                    // glibc falls back to clone
        Assert.Equal("ALLOW", Decide(filter, "personality", 0xffffffff));
        Assert.Equal("ERRNO(1)", Decide(filter, "personality", 0x123));
        foreach (string denied in new[] { "unshare", "setns", "mount", "umount2", "keyctl", "bpf", "kexec_load", "reboot", "open_by_handle_at" })
            Assert.Equal("ERRNO(1)", Decide(filter, denied));
        // A number above every syscall the profile names: ENOSYS, as runc answers it.
        uint newer = filter.Compiled.Policy.Newer!.Above + 1;
        Assert.Equal("ERRNO(38)", Decide(filter, newer.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("SCMP_ARCH_X32", Assert.Single(filter.Notes));
        Assert.Contains(filter.SkippedNames, n => n.Value == "socketcall");

        var seen = OciDifferentialTests.Check(filter, seed: 5, count: 50_000);
        Assert.All(["rule", "default", "newer"], kind => Assert.True(seen.GetValueOrDefault(kind) > 500, kind));
    }

    [Fact]
    public void DockersDefaultProfileDecidesEveryCallAsRuncsLibseccompProgram()
    {
        capture.Require();
        if (libseccomp.SkipReason is { } reason) Assert.Skip(reason);
        var filter = PolicyCompiler.CompileOciFile(capture.DefaultConfig!, Host);
        var deviations = new List<string>();
        int calls = libseccomp.Compare(filter, File.ReadAllText(capture.DefaultConfig!), seed: 9, deviations, count: 100_000);
        output.WriteLine($"{calls:N0} calls agree with libseccomp's program for the same profile");
        Assert.Empty(deviations);
        var (program, _, _) = libseccomp.Filter(filter.Profile, Host);
        output.WriteLine($"instructions: nssandbox {filter.Compiled.Program.Count}, libseccomp {program!.Count} (without runc's ENOSYS stub)");
    }

    [Fact]
    public void DockersFormatResolvesAsDockerdResolvesIt()
    {
        capture.Require();
        // dockerd resolved DockerFormat for this machine, the default capabilities and this kernel; so do we.
        using var config = JsonDocument.Parse(File.ReadAllText(capture.DockerFormatConfig!));
        var caps = config.RootElement.GetProperty("process").GetProperty("capabilities").GetProperty("bounding")
            .EnumerateArray().Select(c => c.GetString()!).ToHashSet();
        Assert.True(caps.SetEquals(DockerTarget.DefaultCapabilities), string.Join(", ", caps));
        var target = new DockerTarget(Host, caps, Environment.OSVersion.Version);
        var ours = PolicyCompiler.CompileOci(DockerCapture.DockerFormat, "docker-format.json", Host, target);
        var dockerd = PolicyCompiler.CompileOciFile(capture.DockerFormatConfig!, Host);
        Assert.Equal(Shape(dockerd.Profile), Shape(ours.Profile));
        Assert.Equal(dockerd.Compiled.Bytes, ours.Compiled.Bytes);
        // The conditions did choose: with CAP_SYS_ADMIN, mount comes in and unshare's ERRNO(22) goes.
        var admin = PolicyCompiler.CompileOci(DockerCapture.DockerFormat, "docker-format.json", Host,
            target with { Capabilities = caps.Append("CAP_SYS_ADMIN").ToHashSet() });
        Assert.Equal(("ALLOW", "ERRNO(1)"), (Decide(admin, "mount"), Decide(admin, "unshare")));
        Assert.Equal(("ERRNO(1)", "ERRNO(22)"), (Decide(ours, "mount"), Decide(ours, "unshare")));
    }

    /// <summary>The profile without positions: what dockerd's output and our resolution must share.</summary>
    private static string Shape(OciSeccomp profile) =>
        $"{profile.DefaultAction.Kind} [{string.Join(", ", profile.Architectures.Select(a => a.Value))}]\n" +
        string.Join("\n", profile.Syscalls.Select(r => $"{string.Join(",", r.Names.Select(n => n.Value))} {r.Action.Kind} {r.Action.ErrnoRet} " +
            string.Join(" ", r.Args.Select(a => a.ToString()))));

    [Fact]
    public void DockersFormatWithoutDockerd()
    {
        var amd64 = new DockerTarget(Arch.X86_64, DockerTarget.DefaultCapabilities, new Version(6, 1, 0, 18));
        var profile = Compile(DockerCapture.DockerFormat, docker: amd64);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], profile.Profile.Architectures.Select(a => a.Value));
        Assert.Equal(
            ["read", "write", "exit_group", "rseq", "getpid", "chown", "unshare", "arch_prctl", "ptrace", "keyctl", "personality", "clone"],
            profile.Profile.Syscalls.SelectMany(r => r.Names).Select(n => n.Value));
        var arm64 = Compile(DockerCapture.DockerFormat, Arch.Aarch64, amd64 with { Arch = Arch.Aarch64, Kernel = new Version(3, 0) });
        Assert.Equal(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"], arm64.Profile.Architectures.Select(a => a.Value));
        // On 3.0: no ptrace (minKernel 4.8), add_key (excluded from 3.0 up) neither; arm64 takes fchmod and fchown.
        Assert.Equal(
            ["read", "write", "exit_group", "rseq", "getpid", "chown", "unshare", "fchmod", "fchown", "keyctl", "personality", "clone"],
            arm64.Profile.Syscalls.SelectMany(r => r.Names).Select(n => n.Value));
        Assert.Equal("profile.json:1:124: syscalls[0]: minKernel \"4.x\" is not a kernel version such as \"4.8\"",
            Error("""{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.x"}}]}""",
                docker: amd64));
        Assert.Equal("profile.json:1:105: archMap: 'architectures' and 'archMap' are both given (dockerd takes either)",
            Error("""{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}""", docker: amd64));
    }
}
