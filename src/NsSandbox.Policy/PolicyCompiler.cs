using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Codegen;
using NsSandbox.Policy.Semantics;
using NsSandbox.Policy.Syntax;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy;

/// <summary>The policy compiler's entry points. Every bad input ends in a <see cref="PolicyException"/>
/// with file:line:column; nothing here touches the kernel.</summary>
public static partial class PolicyCompiler
{
    /// <summary>Compiles a policy file (--seccomp_policy).</summary>
    public static CompiledPolicy CompileFile(string path, Arch arch, PolicyOptions? options = null) =>
        Compile(PolicySource.FromFile(path), arch, options);

    /// <summary>Compiles policy text (--seccomp_string); #include is relative to the current directory.</summary>
    public static CompiledPolicy CompileText(string text, Arch arch, PolicyOptions? options = null) =>
        Compile(PolicySource.FromText(text), arch, options);

    public static CompiledPolicy Compile(PolicySource source, Arch arch, PolicyOptions? options = null)
    {
        var policy = Resolve(source, arch, options);
        return new CompiledPolicy(arch, policy, CodeGenerator.Generate(policy, Start(source)));
    }

    /// <summary>Parses and resolves without generating code.</summary>
    public static ResolvedPolicy Resolve(PolicySource source, Arch arch, PolicyOptions? options = null) =>
        Resolver.Resolve(Parser.Parse(source, options), arch);

    /// <summary>What the compiled program returns for a call (run on the interpreter), and what the reference
    /// evaluator decides with the rule (or check) that decided it. The two agree unless the compiler is wrong.</summary>
    public static Explanation Explain(CompiledPolicy compiled, uint number, IReadOnlyList<ulong> arguments)
    {
        var call = SeccompInput.Call(Arches.AuditArch(compiled.Arch), unchecked((int)number), [.. arguments]);
        var returned = BpfInterpreter.RunValidated(compiled.Program, call, out int executed);
        return new Explanation(ReferenceEvaluator.Decide(compiled.Policy, call), returned, executed);
    }

    private static SourceLocation Start(PolicySource source) => new(source.Name, 1, 1);
}

/// <summary>The result of <see cref="PolicyCompiler.Explain"/>: the reference decision, what the filter
/// returned, and how many BPF instructions it ran for the call.</summary>
public sealed record Explanation(Decision Decision, uint FilterReturn, int InstructionsExecuted)
{
    public PolicyAction Action => Decision.Action;

    public bool Agrees => FilterReturn == Decision.Action.SeccompReturn;
}
