using System.Text;
using System.Text.RegularExpressions;

namespace NsSandbox.Policy.Tests.Fuzzing;

/// <summary>Breaks valid policy text in the ways people and tools do: spans deleted, duplicated, swapped or
/// repeated, tokens of the language inserted where they do not belong, numbers replaced by edge values,
/// files cut short. Seeded, so a failing input can be made again.</summary>
public static partial class PolicyMutator
{
    private static readonly string[] Fragments =
    [
        "{", "}", "(", ")", "[", "]", ",", ";", "!", "&&", "||", "==", "!=", "<", ">=", "&", "|", "=", "\n", " ", "\"",
        "/*", "*/", "//", "#", "#define", "#define X 5\n", "#define X\n", "#include", "#include \"inc.policy\"\n",
        "#include \"cycle.policy\"\n", "#include \"nope.policy\"\n", "#include \"inc.policy\" \"inc.policy\";",
        "POLICY", "POLICY q {", "POLICY p0 { ALLOW { read } }\n", "USE", "USE p0", "USE inc_p", "DEFAULT", "DEFAULT ALLOW",
        "ALLOW", "KILL", "ERRNO(", "ERRNO(70000)", "TRAP(1)", "TRACE", "USER_NOTIF", "SYSCALL[", "SYSCALL[7]", "SYSCALL[-1]",
        "ON", "ON x86_64", "ON { aarch64 }", "x86_64", "sparc", "write", "writ", "open", "openat", "clone", "fd", "flags",
        "a", "b", "INC", "0", "-", "0x", "0b", "09", "-0", "99999999999999999999", "0xffffffffffffffff", "18446744073709551616",
        "-9223372036854775808", "-9223372036854775809", "$", "\0", "\t", "\r\n", "é", "(((((((((((", "!!!!!!!!!!",
        "fd == 1", "(fd & 0x7) | 8 > 2", "&& &&", ",,", "{}", "()", "KILL_PROCESS", "LOG",
        new string('a', 100_000), new string('9', 100_000), "#" + new string('d', 100_000),
    ];

    private static readonly string[] Numbers =
        ["0", "1", "-1", "0x80000000", "0xffffffff", "0x100000000", "0xffffffffffffffff", "4294967295", "4294967296", "65535", "65536"];

    public static string Mutate(string text, Random random)
    {
        var s = new StringBuilder(text);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(10))
            {
                case 0 when s.Length > 0: // delete a span
                    int at = random.Next(s.Length);
                    s.Remove(at, Math.Min(s.Length - at, 1 + random.Next(20)));
                    break;
                case 1 when s.Length > 0: // duplicate a span elsewhere
                    var (from, length) = Span(s, random);
                    s.Insert(random.Next(s.Length + 1), s.ToString(from, length));
                    break;
                case 2 when s.Length > 0: // repeat a span many times
                    var (start, count) = Span(s, random);
                    s.Insert(start, string.Concat(Enumerable.Repeat(s.ToString(start, count), 2 + random.Next(60))));
                    break;
                case 3 when s.Length > 1: // swap two spans
                    var (a, aLength) = Span(s, random);
                    string first = s.ToString(a, aLength);
                    s.Remove(a, aLength);
                    int b = random.Next(s.Length + 1);
                    s.Insert(b, first);
                    break;
                case 4: // replace a number by an edge value
                    var numbers = NumberPattern().Matches(s.ToString());
                    if (numbers.Count == 0) goto default;
                    var n = numbers[random.Next(numbers.Count)];
                    s.Remove(n.Index, n.Length).Insert(n.Index, Numbers[random.Next(Numbers.Length)]);
                    break;
                case 5 when s.Length > 0: // cut short
                    s.Length = random.Next(s.Length);
                    break;
                case 6: // amplify: policies that each USE the previous twice, then the whole chain
                    int depth = 2 + random.Next(40);
                    s.Append("\nPOLICY amp0 { USE p0 }\n");
                    for (int d = 1; d < depth; d++) s.Append($"POLICY amp{d} {{ USE amp{d - 1}, USE amp{d - 1} }}\n");
                    s.Append($"USE amp{depth - 1}\n");
                    break;
                case 7: // a random character, printable or not
                    s.Insert(random.Next(s.Length + 1), (char)random.Next(random.Next(2) == 0 ? 128 : 0x3000));
                    break;
                default: // insert a fragment of the language
                    s.Insert(random.Next(s.Length + 1), Fragments[random.Next(Fragments.Length)]);
                    break;
            }
        }
        return s.ToString();
    }

    private static (int Start, int Length) Span(StringBuilder s, Random random)
    {
        int start = random.Next(s.Length);
        return (start, Math.Min(s.Length - start, 1 + random.Next(40)));
    }

    [GeneratedRegex(@"-?\b(0x[0-9a-fA-F]+|\d+)\b")]
    private static partial Regex NumberPattern();
}
