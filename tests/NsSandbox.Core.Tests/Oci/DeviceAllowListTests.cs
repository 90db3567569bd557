using System.Buffers.Binary;
using NsSandbox.Contract.Oci;
using NsSandbox.Contract;
using NsSandbox.Core.Oci;
using NsSandbox.Linux.Cgroups;

namespace NsSandbox.Core.Tests.Oci;

/// <summary>linux.resources.devices on cgroup v2: the rules read as cgroup v1's kernel reads them (checked against
/// the host's real v1 devices controller where it has one), and the BPF program that enforces the result agrees
/// with the model on every device and access (run here by a small interpreter of the instructions it emits; the VM
/// suite's oci-devices case runs it in a real kernel).</summary>
public sealed class DeviceAllowListTests
{
    private static OciDeviceRule Rule(bool allow, string? type = null, long? major = null, long? minor = null, string? access = null) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    private const int R = DeviceProgram.Read, W = DeviceProgram.Write, M = DeviceProgram.Mknod;

    [Fact]
    public void DockersRulesDenyAllButTheListedDevices()
    {
        var list = DeviceAllowList.From([
            Rule(false, access: "rwm"),
            Rule(true, "c", access: "m"), Rule(true, "b", access: "m"),
            Rule(true, "c", 1, 3, "rwm"), Rule(true, "c", 136, null, "rwm"), Rule(true, "c", 10, 200, "rw"),
        ]);
        Assert.False(list.DefaultAllow);
        Assert.True(list.Allows('c', 1, 3, R | W));
        Assert.True(list.Allows('c', 136, 7, R));
        Assert.True(list.Allows('c', 10, 200, R | W));
        Assert.False(list.Allows('c', 10, 200, M | R)); // m is allowed for every c, but one exception must cover all
        Assert.True(list.Allows('b', 8, 0, M));
        Assert.False(list.Allows('b', 8, 0, R));
        Assert.False(list.Allows('c', 1, 1, R));
    }

    [Fact]
    public void AnAllRuleResetsWhateverItsNumbers()
    {
        var list = DeviceAllowList.From([Rule(false, "c", 1, 3, "rw"), Rule(true, "a", 1, 3, "r")]);
        Assert.True(list.DefaultAllow);
        Assert.Empty(list.Exceptions);
        Assert.True(list.Allows('c', 1, 3, R | W | M));
    }

    [Fact]
    public void ARuleThatAgreesWithTheDefaultTakesAccessAwayFromAnEqualException()
    {
        var list = DeviceAllowList.From([Rule(false), Rule(true, "c", 1, 3, "rwm"), Rule(false, "c", 1, 3, "w")]);
        Assert.Equal([new DeviceException('c', 1, 3, R | M)], list.Exceptions);
        Assert.False(list.Allows('c', 1, 3, W));
        Assert.True(list.Allows('c', 1, 3, R));
    }

    [Theory]
    [InlineData("x", "rwm", "type 'x'")]
    [InlineData("c", "rwx", "access 'rwx'")]
    public void BadRulesAreRefusedByName(string type, string access, string expected)
    {
        var e = Assert.Throws<SpecException>(() => DeviceAllowList.From([Rule(true, type, 1, 3, access)]));
        Assert.Contains("linux.resources.devices", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TheProgramAgreesWithTheModelOnEveryDeviceAndAccess()
    {
        var random = new Random(20261202);
        for (int round = 0; round < 400; round++)
        {
            var list = DeviceAllowList.From(RandomRules(random));
            byte[] program = list.Program();
            foreach (char type in "bc")
                foreach (long major in new long[] { 1, 5, 136, 4095 })
                    foreach (long minor in new long[] { 0, 3, 7 })
                        for (int access = 1; access <= 7; access++)
                            Assert.True(list.Allows(type, major, minor, access) == (Run(program, type, major, minor, access) == 1),
                                $"round {round}: {type} {major}:{minor} access {access}, default allow {list.DefaultAllow}, exceptions {string.Join(" ", list.Exceptions)}");
        }
    }

    [Fact]
    public void TheModelIsTheKernelsOnARealV1DevicesController()
    {
        const string root = "/sys/fs/cgroup/devices";
        if (!File.Exists(Path.Combine(root, "devices.list")) || Environment.UserName != "root")
            Assert.Skip("needs root and a cgroup v1 devices hierarchy at /sys/fs/cgroup/devices (the host's layout is v2 only)");
        var random = new Random(7);
        for (int round = 0; round < 60; round++)
        {
            string dir = Path.Combine(root, $"nssandbox-test-devices-{Environment.ProcessId}-{round}");
            Directory.CreateDirectory(dir);
            try
            {
                var rules = RandomRules(random);
                foreach (var rule in rules)
                    CgroupFs.Write(Path.Combine(dir, rule.Allow ? "devices.allow" : "devices.deny"), V1Text(rule));
                var list = DeviceAllowList.From(rules);
                var kernel = File.ReadAllLines(Path.Combine(dir, "devices.list")).Where(l => l.Length > 0).Order();
                Assert.Equal(kernel, Listed(list).Order());
            }
            finally
            {
                Directory.Delete(dir);
            }
        }
    }

    /// <summary>devices.list as the kernel prints it: "a *:* rwm" for allow-all (its exceptions unlisted), else one
    /// line per exception.</summary>
    private static IEnumerable<string> Listed(DeviceAllowList list)
    {
        if (list.DefaultAllow) return ["a *:* rwm"];
        static string N(long n) => n < 0 ? "*" : n.ToString();
        static string A(int a) => (a & R) != 0 ? "r" + A(a & ~R) : (a & W) != 0 ? "w" + A(a & ~W) : (a & M) != 0 ? "m" : "";
        return list.Exceptions.Select(e => $"{e.Type} {N(e.Major)}:{N(e.Minor)} {A(e.Access)}");
    }

    private static string V1Text(OciDeviceRule r)
    {
        static string N(long? n) => n is null or < 0 ? "*" : n.Value.ToString();
        return $"{r.Type ?? "a"} {N(r.Major)}:{N(r.Minor)} {(r.Access is { Length: > 0 } a ? a : "rwm")}";
    }

    private static List<OciDeviceRule> RandomRules(Random random)
    {
        string[] types = ["a", "b", "c", "c", "c"];
        long?[] majors = [null, 1, 5, 136];
        long?[] minors = [null, 0, 3, 7];
        string[] accesses = ["r", "w", "m", "rw", "rm", "wm", "rwm"];
        var rules = new List<OciDeviceRule>();
        int count = random.Next(0, 9);
        for (int i = 0; i < count; i++)
        {
            string type = types[random.Next(types.Length)];
            rules.Add(type == "a"
                ? Rule(random.Next(2) == 0, "a", access: "rwm")
                : Rule(random.Next(2) == 0, type, majors[random.Next(majors.Length)], minors[random.Next(minors.Length)], accesses[random.Next(accesses.Length)]));
        }
        return rules;
    }

    /// <summary>Runs the program on one access: the instructions DeviceProgram emits, as the kernel executes them.</summary>
    private static long Run(byte[] program, char type, long major, long minor, int access)
    {
        var reg = new long[11];
        uint[] ctx = [(uint)((type == 'b' ? 1 : 2) | (access << 16)), (uint)major, (uint)minor];
        for (int pc = 0, steps = 0; steps < 10_000; pc++, steps++)
        {
            ReadOnlySpan<byte> insn = program.AsSpan(pc * 8, 8);
            int dst = insn[1] & 0xf, src = insn[1] >> 4;
            short off = BinaryPrimitives.ReadInt16LittleEndian(insn[2..]);
            int imm = BinaryPrimitives.ReadInt32LittleEndian(insn[4..]);
            switch (insn[0])
            {
                case 0x61: Assert.Equal(1, src); reg[dst] = ctx[off / 4]; break;
                case 0xbc: reg[dst] = (uint)reg[src]; break;
                case 0x54: reg[dst] = (uint)reg[dst] & (uint)imm; break;
                case 0x74: reg[dst] = (uint)reg[dst] >> imm; break;
                case 0xb7: reg[dst] = imm; break;
                case 0x55: if (reg[dst] != imm) pc += off; break;
                case 0x15: if (reg[dst] == imm) pc += off; break;
                case 0x45: if ((reg[dst] & imm) != 0) pc += off; break;
                case 0x95: return reg[0];
                default: throw new InvalidOperationException($"opcode 0x{insn[0]:x2} at {pc}");
            }
        }
        throw new InvalidOperationException("the program did not exit");
    }
}
