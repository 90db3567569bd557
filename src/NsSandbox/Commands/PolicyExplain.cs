using System.Globalization;
using NsSandbox.Policy;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Commands;

/// <summary><c>nssandbox policy explain</c>: the decision for one call by the reference evaluator, the rule
/// that made it (with its source line), and what the compiled filter returns on the interpreter.</summary>
public static class PolicyExplain
{
    /// <summary>Writes the explanation; false when the filter and the reference evaluator disagree.</summary>
    public static bool Write(CompiledPolicy compiled, PolicyArgs command, TextWriter stdout, TextWriter stderr)
    {
        var table = SyscallTable.For(compiled.Arch);
        uint number = SyscallNumber(table, command.Positional[0]);
        var arguments = command.Positional.Skip(1).Select(Argument).ToArray();
        var explanation = PolicyCompiler.Explain(compiled, number, arguments);
        string name = number <= int.MaxValue && table.ByNumber((int)number) is { } known ? known.Name : $"SYSCALL[{number}]";
        string shown = string.Join(", ", arguments.Select(a => a < 4096 ? a.ToString(CultureInfo.InvariantCulture) : $"0x{a:x}"));
        stdout.WriteLine($"{name}({shown}) on {Arches.Name(compiled.Arch)}: {explanation.Action}");
        stdout.WriteLine($"decided by: {explanation.Decision.Reason}");
        if (SourceLine(explanation.Decision.Rule?.Location ?? explanation.Decision.DefaultLocation) is { } line) stdout.WriteLine($"    {line}");
        stdout.WriteLine($"filter: {SeccompRet.Describe(explanation.FilterReturn)} after {explanation.InstructionsExecuted} instructions");
        if (explanation.Agrees) return true;
        stderr.WriteLine($"nssandbox: compiler defect: the filter returns {SeccompRet.Describe(explanation.FilterReturn)} " +
            $"but the policy says {explanation.Action}");
        return false;
    }

    /// <summary>A syscall by name (aliases included) or number; an unknown name suggests the nearest.</summary>
    internal static uint SyscallNumber(SyscallTable table, string text)
    {
        if (table.TryLookup(text, out var syscall)) return (uint)syscall.Number;
        if (Lexer.TryParseNumber(text, out ulong n) && n <= uint.MaxValue) return (uint)n;
        var nearest = table.NearestNames(text);
        string hint = nearest.Count > 0 ? $"; did you mean {string.Join(", ", nearest)}?" : "";
        throw new SpecException("policy explain", $"unknown syscall '{text}' on {Arches.Name(table.Arch)}{hint}");
    }

    internal static ulong Argument(string text) => Lexer.TryParseNumber(text, out ulong value)
        ? value
        : throw new SpecException("policy explain",
            $"invalid argument '{text}' (expected a number: decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)");

    /// <summary>The source line of the deciding rule or DEFAULT, when its file can be read.</summary>
    internal static string? SourceLine(SourceLocation? at)
    {
        if (at is not { } location || location.File == PolicySource.StringName) return null;
        try
        {
            var lines = File.ReadAllLines(location.File);
            return location.Line <= lines.Length ? lines[location.Line - 1].Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
