using System.Text;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>Writes seeded random valid policies that use every construct: #define, POLICY and USE, every
/// action, SYSCALL[n], ON, declared arguments, every comparison, masks, !, &amp;&amp;, ||, ',' and parentheses.
/// Syscalls come from the names both architectures know, so one text compiles for either.</summary>
public sealed class RandomPolicy(int seed)
{
    private static readonly string[] Syscalls = CommonNames();
    private static readonly string[] Actions =
        ["ALLOW", "LOG", "KILL", "KILL_THREAD", "DENY", "KILL_PROCESS", "USER_NOTIF", "ERRNO(1)", "ERRNO(38)", "TRAP(7)", "TRACE(65535)", "ERRNO(0)"];
    private static readonly string[] Comparisons = ["==", "!=", "<", "<=", ">", ">="];
    private static readonly string[] Numbers =
        ["0", "1", "2", "-1", "0x80000000", "0x100000000", "0xffffffff", "0xffffffffffffffff", "0x7fffffff", "0x100000001",
         "052", "0b101", "0xffffffff00000000", "4096", "65535"];

    private readonly Random _random = new(seed);
    private readonly List<string> _defines = [];
    private readonly List<string> _policies = [];

    public string Next()
    {
        var text = new StringBuilder();
        int defines = _random.Next(4);
        for (int i = 0; i < defines; i++)
        {
            string name = $"C{_defines.Count}";
            text.AppendLine($"#define {name} {Pick(Numbers)}");
            _defines.Add(name);
        }
        int policies = _random.Next(3);
        for (int p = 0; p < policies; p++)
        {
            string name = $"p{_policies.Count}";
            text.AppendLine($"POLICY {name} {{");
            text.AppendLine(string.Join(",\n", Items(1 + _random.Next(3))));
            text.AppendLine("}");
            _policies.Add(name);
        }
        text.AppendLine(string.Join("\n", Items(1 + _random.Next(3))));
        if (_random.Next(4) > 0) text.AppendLine($"DEFAULT {Pick(Actions)}");
        return text.ToString();
    }

    private IEnumerable<string> Items(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (_policies.Count > 0 && _random.Next(4) == 0) yield return $"  USE {Pick(_policies)}";
            else yield return $"  {Pick(Actions)} {{\n{string.Join(",\n", Rules(1 + _random.Next(5)))}\n  }}";
        }
    }

    private IEnumerable<string> Rules(int count)
    {
        for (int i = 0; i < count; i++)
        {
            int kind = _random.Next(10);
            string syscall = kind == 0 ? $"SYSCALL[{_random.Next(0, 500)}]" : Pick(Syscalls);
            string rule = syscall;
            var names = kind == 0 ? ["a", "b", "c"] : Table.TryLookup(syscall, out var s) ? s.ArgumentNames.ToArray() : [];
            if (kind is 0 or 1)
            {
                names = ["a", "b", "c", "d"];
                rule += "(a, b, c, d)";
            }
            if (_random.Next(8) == 0) rule += _random.Next(2) == 0 ? " ON x86_64" : " ON { aarch64, x86_64 }";
            if (names.Length > 0 && _random.Next(3) > 0)
                rule += " { " + string.Join(", ", Enumerable.Range(0, 1 + _random.Next(3)).Select(_ => Condition(names, 0))) + " }";
            yield return "    " + rule;
        }
    }

    private static readonly SyscallTable Table = SyscallTable.For(Arch.X86_64);

    private string Condition(string[] names, int depth) => (_random.Next(depth > 2 ? 1 : 6)) switch
    {
        0 or 1 => Compare(names),
        2 => $"!{Condition(names, depth + 1)}",
        3 => $"({Condition(names, depth + 1)} && {Condition(names, depth + 1)})",
        4 => $"{Condition(names, depth + 1)} || {Condition(names, depth + 1)}",
        _ => $"{Condition(names, depth + 1)} && {Condition(names, depth + 1)} || {Condition(names, depth + 1)}",
    };

    private string Compare(string[] names)
    {
        string op = Pick(Comparisons);
        return _random.Next(6) switch
        {
            0 => $"({Pick(names)} & {Number()}) {op} {Number()}",
            1 => $"{Pick(names)} | {Number()} {op} {Number()}",
            2 => $"{Number()} {op} {Pick(names)}",
            3 => $"{Pick(names)} {op} {Pick(names)}",
            4 => $"{Pick(names)} & {Number()} & {Number()} | {Number()} {op} {Number()} | {Number()}",
            _ => $"{Pick(names)} {op} {Number()}",
        };
    }

    private string Number() => _defines.Count > 0 && _random.Next(3) == 0 ? Pick(_defines) : Pick(Numbers);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string[] CommonNames()
    {
        var arm = SyscallTable.For(Arch.Aarch64);
        return SyscallTable.For(Arch.X86_64).All
            .Where(s => arm.TryLookup(s.Name, out var a) && a.ArgumentNames.SequenceEqual(s.ArgumentNames))
            .Select(s => s.Name).Take(400).ToArray();
    }
}
