using System.Globalization;
using System.Text;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>Writes seeded random valid OCI profiles that use every part of the format: every action, errnoRet and
/// defaultErrnoRet, every comparison with 64-bit edges and masks, several names per entry, names another
/// architecture has (skipped), the same syscall in several entries (OR), entries whose action is the default's
/// (dropped), entries without args (decide alone), architectures with and without the host's (runc's ENOSYS stub),
/// flags and a listener. Different actions for one syscall may overlap; such profiles are refused, and the caller
/// counts them.</summary>
public sealed class RandomOciProfile(int seed)
{
    private static readonly string[] Actions =
        ["SCMP_ACT_ALLOW", "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
         "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"];
    private static readonly string[] Ops = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"];
    private static readonly ulong[] Values =
        [0, 1, 2, 3, 7, 16, 0x7fffffff, 0x80000000, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0xffff_ffff_0000_0000,
         0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue - 1, 0x7E020000, 4096];
    private static readonly ulong[] Masks =
        [0, 1, 0xff, 0xf0, 0x7E020000, 0xffffffff, 0xffff_ffff_0000_0000, 0x8000_0000_0000_0001, ulong.MaxValue, 0x0000_00f0_0000_00f0];
    private static readonly string[] OtherNames = ["stat64", "_llseek", "socketcall", "umount", "newuname", "arm_fadvise64_64", "no_such_call"];
    private static readonly string[] Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_ARM"];

    private readonly Random _random = new(seed);

    /// <summary>Names both tables have, near each other so that ranges form, and a few far apart.</summary>
    private static readonly string[] Names = CommonNames();

    public string Next()
    {
        string defaultAction = Pick(Actions.Where(a => a != "SCMP_ACT_NOTIFY").ToArray());
        var json = new StringBuilder();
        json.Append($"{{\"defaultAction\": \"{defaultAction}\"");
        if (defaultAction is "SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE" && _random.Next(2) == 0) json.Append($", \"defaultErrnoRet\": {Errno(defaultAction)}");
        if (_random.Next(4) > 0)
            json.Append(", \"architectures\": [" + string.Join(", ", Architectures.Where(_ => _random.Next(2) == 0).Select(a => $"\"{a}\"")) + "]");
        if (_random.Next(4) == 0) json.Append(", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]");
        // A small pool per profile, so that entries meet on the same syscalls.
        var pool = Enumerable.Range(0, 2 + _random.Next(10)).Select(_ => _random.Next(8) == 0 ? Pick(OtherNames) : Pick(Names)).ToArray();
        // Mostly one action per syscall, as real profiles have, so that most profiles compile: an entry takes its
        // names from those of its action.
        var usual = pool.Distinct().ToLookup(_ => Action());
        var entries = new List<string>();
        bool notify = false;
        for (int i = 0, count = _random.Next(1, 14); i < count; i++)
        {
            var group = usual.ElementAt(_random.Next(usual.Count));
            var names = Enumerable.Range(0, 1 + _random.Next(3)).Select(_ => Pick(group.ToList())).ToList();
            string action = _random.Next(10) == 0 ? Action() : group.Key;
            if (_random.Next(8) == 0) action = defaultAction;
            notify |= action == "SCMP_ACT_NOTIFY";
            var entry = new StringBuilder($"{{\"names\": [{string.Join(", ", names.Select(n => $"\"{n}\""))}], \"action\": \"{action}\"");
            if (action is "SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE" && _random.Next(2) == 0) entry.Append($", \"errnoRet\": {Errno(action)}");
            if (_random.Next(4) > 0) entry.Append($", \"args\": [{string.Join(", ", Args())}]");
            entries.Add(entry.Append('}').ToString());
        }
        if (notify) json.Append(", \"listenerPath\": \"/run/agent.sock\"");
        json.Append($", \"syscalls\": [\n  {string.Join(",\n  ", entries)}]}}");
        return json.ToString();
    }

    private string Action() => Pick(Actions);

    // ERRNO takes 0..4094 (libseccomp's limit), TRACE's data all 16 bits.
    private int Errno(string action) => action == "SCMP_ACT_ERRNO" ? Pick([0, 1, 13, 38, 4094]) : Pick([0, 1, 38, 4095, 65535]);

    private IEnumerable<string> Args()
    {
        var indices = Enumerable.Range(0, 6).OrderBy(_ => _random.Next()).Take(1 + _random.Next(3));
        foreach (int index in indices)
        {
            string op = Pick(Ops);
            if (op == "SCMP_CMP_MASKED_EQ")
            {
                ulong mask = Pick(Masks);
                // Mostly bits within the mask (it can match); sometimes not (it never does).
                ulong bits = _random.Next(6) == 0 ? Pick(Values) : Pick(Values) & mask;
                yield return $"{{\"index\": {index}, \"value\": {mask}, \"valueTwo\": {bits}, \"op\": \"{op}\"}}";
            }
            else
            {
                string two = _random.Next(3) == 0 ? ", \"valueTwo\": 0" : "";
                yield return $"{{\"index\": {index}, \"value\": {Value().ToString(CultureInfo.InvariantCulture)}{two}, \"op\": \"{op}\"}}";
            }
        }
    }

    private ulong Value() => _random.Next(4) == 0 ? (ulong)_random.NextInt64() : Pick(Values);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string[] CommonNames()
    {
        var arm = SyscallTable.For(Arch.Aarch64);
        var x86 = SyscallTable.For(Arch.X86_64);
        return x86.Names.Where(n => x86.TryLookupTableName(n, out _) && arm.TryLookupTableName(n, out _)).ToArray();
    }
}
