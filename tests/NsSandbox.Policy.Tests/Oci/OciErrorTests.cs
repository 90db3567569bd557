using NsSandbox.Policy.Syscalls;
using static NsSandbox.Policy.Tests.Oci.OciProfiles;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>Exact diagnostics for bad profiles: file:line:column, the JSON path, what is wrong and what was expected.
/// Nothing unknown is ignored, unlike Go's decoder in runc.</summary>
public class OciErrorTests
{
    [Theory]
    [InlineData("", "profile.json:1:1: invalid JSON: The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true.")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\",}", "profile.json:1:36: invalid JSON: The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\"} {}", "profile.json:1:37: invalid JSON: '{' is invalid after a single JSON value. Expected end of data.")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\" // c\n}", "profile.json:1:36: invalid JSON: '/' is invalid after a value. Expected either ',', '}', or ']'.")]
    [InlineData("[]", "profile.json:1:1: expected a seccomp object, found an array")]
    [InlineData("{}", "profile.json:1:1: 'defaultAction' is missing")]
    [InlineData("{\"defaultAction\": null}", "profile.json:1:1: 'defaultAction' is missing")]
    [InlineData("{\"defaultAction\": 1}", "profile.json:1:19: defaultAction: expected a string, found the number 1")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_KILL\"}",
        "profile.json:1:37: 'defaultAction' is given twice (first at 1:2)")]
    [InlineData("{\"DefaultAction\": \"SCMP_ACT_ALLOW\"}",
        "profile.json:1:2: unknown field 'DefaultAction' (expected defaultAction, defaultErrnoRet, architectures, flags, listenerPath, " +
        "listenerMetadata, syscalls or archMap); the name is 'defaultAction' (Go's decoder in runc matches names in any case, this reader only as written)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"seccomp\": {}}",
        "profile.json:1:37: unknown field 'seccomp' (expected defaultAction, defaultErrnoRet, architectures, flags, listenerPath, listenerMetadata, syscalls or archMap)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOWED\"}",
        "profile.json:1:19: unknown action \"SCMP_ACT_ALLOWED\" (expected SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, " +
        "SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
        "profile.json:1:56: defaultErrnoRet is given for SCMP_ACT_ALLOW, which returns no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 65536}", "profile.json:1:56: defaultErrnoRet: 65536 is not an integer in 0..65535")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4095}",
        "profile.json:1:56: defaultErrnoRet 4095 is out of range for SCMP_ACT_ERRNO: 0..4094 (libseccomp refuses more, so runc cannot load it; the kernel returns errno values up to 4095)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}", "profile.json:1:56: defaultErrnoRet: -1 is not an integer in 0..65535")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1.0}", "profile.json:1:56: defaultErrnoRet: 1.0 is not an integer in 0..65535")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"1\"}", "profile.json:1:56: defaultErrnoRet: expected an unsigned integer, found the string \"1\"")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
        "profile.json:1:19: defaultAction: SCMP_ACT_NOTIFY cannot be the default (runc refuses it too: every call would wait for the agent)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"x86_64\"]}",
        "profile.json:1:75: architectures: unknown architecture \"x86_64\" (expected SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, SCMP_ARCH_LOONGARCH64, " +
        "SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PARISC, " +
        "SCMP_ARCH_PARISC64, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_RISCV64, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_X32, " +
        "SCMP_ARCH_X86 or SCMP_ARCH_X86_64)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86_64\"}",
        "profile.json:1:54: architectures: expected an array of strings, found the string \"SCMP_ARCH_X86_64\"")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
        "profile.json:1:47: flags: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" (expected SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, " +
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW or SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
        "profile.json:1:47: flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
        "profile.json:1:57: listenerMetadata: given without listenerPath (runtime-spec: it must not be)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
        "profile.json:1:81: syscalls[0]: SCMP_ACT_NOTIFY needs listenerPath, the socket of the agent that answers the calls")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
        "profile.json:1:49: syscalls: expected an array of syscall rules, found an object")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}", "profile.json:1:50: syscalls[0]: 'action' is missing")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_KILL\"}]}",
        "profile.json:1:50: syscalls[0]: 'names' must list at least one syscall")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_KILL\"}]}",
        "profile.json:1:50: syscalls[0]: 'names' must list at least one syscall")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", \"\"], \"action\": \"SCMP_ACT_KILL\"}]}",
        "profile.json:1:69: syscalls[0]: a syscall name is empty")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", 3], \"action\": \"SCMP_ACT_KILL\"}]}",
        "profile.json:1:69: syscalls[0].names[1]: expected a string, found the number 3")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
        "profile.json:1:109: syscalls[0]: errnoRet is given for SCMP_ACT_KILL, which returns no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"arg\": []}]}",
        "profile.json:1:97: syscalls[0]: unknown field 'arg' (expected names, action, errnoRet, args, name, comment, includes or excludes)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
        "profile.json:1:116: syscalls[0].args[0].index: 6 is not an integer in 0..5")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
        "profile.json:1:106: syscalls[0].args[0]: 'value' is missing")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 18446744073709551616, \"op\": \"SCMP_CMP_EQ\"}]}]}",
        "profile.json:1:128: syscalls[0].args[0].value: 18446744073709551616 is not an integer in 0..18446744073709551615")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_BETWEEN\"}]}]}",
        "profile.json:1:137: syscalls[0].args[0]: op: unknown operator \"SCMP_CMP_BETWEEN\" (expected SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT or SCMP_CMP_MASKED_EQ)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, \"valueTwo\": 9, \"op\": \"SCMP_CMP_LE\"}]}]}",
        "profile.json:1:143: syscalls[0].args[0]: valueTwo: only SCMP_CMP_MASKED_EQ uses a second value; SCMP_CMP_LE compares with 'value' alone (libseccomp would ignore 9)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_GE\"}, {\"index\": 0, \"value\": 9, \"op\": \"SCMP_CMP_LE\"}]}]}",
        "profile.json:1:153: syscalls[0]: args[1] compares argument 0 again (args[0] does): libseccomp refuses such a rule and runc turns each " +
        "comparison into a rule of its own (they OR); write one syscalls entry per comparison for OR")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\", \"Op\": \"x\"}]}]}",
        "profile.json:1:152: syscalls[0].args[0]: unknown field 'Op' (expected index, value, valueTwo or op); the name is 'op' (Go's decoder in runc matches names in any case, this reader only as written)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\", \"comment\": \"x\"}]}",
        "profile.json:1:97: 'comment' belongs to Docker's profile format, which dockerd resolves before it writes config.json: a runtime config " +
        "holds the resolved form (nssandbox policy check --oci reads Docker's format)")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": []}",
        "profile.json:1:37: 'archMap' belongs to Docker's profile format, which dockerd resolves before it writes config.json: a runtime config " +
        "holds the resolved form (nssandbox policy check --oci reads Docker's format)")]
    [InlineData("{\"ociVersion\": \"1.2.0\", \"linux\": {}}", "profile.json:1:1: the runtime config has no linux.seccomp")]
    [InlineData("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"read\", \"action\": \"SCMP_ACT_KILL\"}]}}}",
        "profile.json:1:82: linux.seccomp.syscalls[0].names: expected an array of strings, found the string \"read\"")]
    [InlineData("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_É\"}]}",
        "profile.json:3:35: syscalls[0]: unknown action \"SCMP_ACT_É\" (expected SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, " +
        "SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG or SCMP_ACT_NOTIFY)")]
    public void BadProfilesAreRefusedWithTheirPosition(string json, string expected) => Assert.Equal(expected, Error(json));

    [Fact]
    public void NullsReadAsUnsetOptionalFieldsAsGoReadsThem()
    {
        string json = """
            {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": null, "architectures": null, "flags": null,
             "listenerPath": null, "listenerMetadata": null,
             "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": null, "args": null}]}
            """;
        Assert.Equal("ALLOW", Decide(json, "getpid"));
        Assert.Equal("ERRNO(1)", Decide(json, "getuid"));
    }

    [Fact]
    public void AnUnreadableFileIsAPolicyError()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"nss-oci-missing-{Guid.NewGuid():N}.json");
        var e = Assert.Throws<PolicyException>(() => PolicyCompiler.CompileOciFile(missing, Arch.X86_64));
        Assert.StartsWith($"cannot read policy file '{missing}': ", e.Diagnostic);
    }
}
