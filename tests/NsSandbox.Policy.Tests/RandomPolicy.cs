using System.Text;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>Writes seeded random valid policies that use every construct: #define (repeated alike), POLICY and
/// USE, every action, SYSCALL[n] (negative too), ON, declared arguments, every comparison, masks, '&amp;' and '|'
/// between arguments, !, &amp;&amp;, ||, ',' and parentheses. Syscalls come from the names both architectures
/// know, so one text compiles for either; a comparison of 32-bit arguments only uses constants that fit.</summary>
public sealed class RandomPolicy(int seed)
{
    private static readonly string[] Syscalls = CommonNames();
    private static readonly string[] Actions =
        ["ALLOW", "LOG", "KILL", "KILL_THREAD", "DENY", "KILL_PROCESS", "USER_NOTIF", "ERRNO(1)", "ERRNO(38)", "TRAP(7)", "TRACE(65535)", "ERRNO(0)"];
    private static readonly string[] Comparisons = ["==", "!=", "<", "<=", ">", ">="];
    private static readonly string[] Numbers =
        ["0", "1", "2", "-1", "0x80000000", "0x100000000", "0xffffffff", "0xffffffffffffffff", "0x7fffffff", "0x100000001",
         "052", "0b101", "0xffffffff00000000", "4096", "65535", "-100"];
    private static readonly string[] NarrowNumbers = Numbers.Where(Fits32).ToArray();

    private readonly Random _random = new(seed);
    private readonly List<(string Name, string Value)> _defines = [];
    private readonly List<string> _policies = [];

    public string Next()
    {
        var text = new StringBuilder();
        int defines = _random.Next(4);
        for (int i = 0; i < defines; i++)
        {
            string name = $"C{_defines.Count}", value = Pick(Numbers);
            text.AppendLine($"#define {name} {value}");
            if (_random.Next(4) == 0) text.AppendLine($"#define {name} {value}");
            _defines.Add((name, value));
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
            // Custom numbers that neither table knows (their arguments are 64-bit), negative ones included.
            string syscall = kind == 0 ? $"SYSCALL[{(_random.Next(4) == 0 ? -1 - _random.Next(2) : 1000 + _random.Next(500))}]" : Pick(Syscalls);
            string rule = syscall;
            Table.TryLookup(syscall, out var known);
            string[] names = known?.ArgumentNames.ToArray() ?? [];
            if (kind is 0 or 1)
            {
                names = ["a", "b", "c", "d"];
                rule += "(a, b, c, d)";
            }
            // A declared name keeps the kernel's width for its position.
            var narrow = names.Where((_, i) => known is not null && known.ArgumentSize(i) == 4).ToHashSet();
            if (_random.Next(8) == 0) rule += _random.Next(2) == 0 ? " ON x86_64" : " ON { aarch64, x86_64 }";
            if (names.Length > 0 && _random.Next(3) > 0)
                rule += " { " + string.Join(", ", Enumerable.Range(0, 1 + _random.Next(3)).Select(_ => Condition(names, narrow, 0))) + " }";
            else if (_random.Next(10) == 0) rule += " {}";
            yield return "    " + rule;
        }
    }

    private static readonly SyscallTable Table = SyscallTable.For(Arch.X86_64);

    private string Condition(string[] names, HashSet<string> narrow, int depth) => (_random.Next(depth > 2 ? 1 : 6)) switch
    {
        0 or 1 => Compare(names, narrow),
        2 => $"!{Condition(names, narrow, depth + 1)}",
        3 => $"({Condition(names, narrow, depth + 1)} && {Condition(names, narrow, depth + 1)})",
        4 => $"{Condition(names, narrow, depth + 1)} || {Condition(names, narrow, depth + 1)}",
        _ => $"{Condition(names, narrow, depth + 1)} && {Condition(names, narrow, depth + 1)} || {Condition(names, narrow, depth + 1)}",
    };

    private string Compare(string[] names, HashSet<string> narrow)
    {
        string op = Pick(Comparisons);
        int kind = _random.Next(10);
        int count = kind switch { 3 or 5 => 2, 6 or 7 => 3, _ => 1 };
        var used = Enumerable.Range(0, count).Select(_ => Pick(names)).ToArray();
        bool is32 = used.All(narrow.Contains);
        string N() => Number(is32);
        string a = used[0], b = used[Math.Min(1, count - 1)], c = used[count - 1];
        return kind switch
        {
            0 => $"({a} & {N()}) {op} {N()}",
            1 => $"{a} | {N()} {op} {N()}",
            2 => $"{N()} {op} {a}",
            3 => $"{a} {op} {b}",
            4 => $"{a} & {N()} & {N()} | {N()} {op} {N()} | {N()}",
            5 => $"({a} & {b}) {op} {N()}",
            6 => $"{a} | {N()} | {b} {op} {c}",
            7 => $"({a} | {N()}) & ({b} | {c} & {N()}) {op} {N()}",
            _ => $"{a} {op} {N()}",
        };
    }

    /// <summary>A literal or a #define; for a comparison of 32-bit arguments, one that fits 32 bits.</summary>
    private string Number(bool is32)
    {
        var defines = _defines.Where(d => !is32 || Fits32(d.Value)).Select(d => d.Name).ToArray();
        return defines.Length > 0 && _random.Next(3) == 0 ? Pick(defines) : Pick(is32 ? NarrowNumbers : Numbers);
    }

    private static bool Fits32(string spelling) =>
        Syntax.Lexer.TryParseNumber(spelling, out ulong v) && (v <= uint.MaxValue || v >= 0xFFFF_FFFF_8000_0000);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string[] CommonNames()
    {
        var arm = SyscallTable.For(Arch.Aarch64);
        return SyscallTable.For(Arch.X86_64).All
            .Where(s => arm.TryLookup(s.Name, out var a) && a.ArgumentNames.SequenceEqual(s.ArgumentNames))
            .Select(s => s.Name).Take(400).ToArray();
    }
}
