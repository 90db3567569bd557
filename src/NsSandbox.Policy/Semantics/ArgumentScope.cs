using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Semantics;

/// <summary>The argument names a rule's condition may use: the declared ones, or else the kernel's; and each
/// argument's size, from the table (a declared name keeps the kernel's size for its position).</summary>
public sealed class ArgumentScope
{
    private readonly IReadOnlyList<string> _names;
    private readonly Syscall? _syscall;

    private ArgumentScope(string syscallName, IReadOnlyList<string> names, Syscall? syscall)
    {
        SyscallName = syscallName;
        _names = names;
        _syscall = syscall;
    }

    public string SyscallName { get; }

    public static ArgumentScope For(string syscallName, Syscall? syscall, IReadOnlyList<NameSyntax>? declared)
    {
        if (declared is null) return new ArgumentScope(syscallName, syscall?.ArgumentNames ?? [], syscall);
        for (int i = 0; i < declared.Count; i++)
            for (int j = 0; j < i; j++)
                if (declared[i].Name == declared[j].Name)
                    throw new PolicyException(declared[i].Location, $"argument '{Names.Quote(declared[i].Name)}' is declared twice for {syscallName}");
        return new ArgumentScope(syscallName, declared.Select(d => d.Name).ToArray(), syscall);
    }

    public int IndexOf(string name)
    {
        for (int i = 0; i < _names.Count; i++)
            if (_names[i] == name) return i;
        return -1;
    }

    public string NameOf(int index) => _names[index];

    public bool Is32Bit(int index) => _syscall is { } s && s.ArgumentSize(index) == 4;

    /// <summary>"write (fd, buf, count)" for messages.</summary>
    public string Describe() => _names.Count == 0
        ? $"{SyscallName} (no argument names known: declare them, {SyscallName}(a, b) {{ ... }})"
        : $"{SyscallName} ({string.Join(", ", _names)})";
}
