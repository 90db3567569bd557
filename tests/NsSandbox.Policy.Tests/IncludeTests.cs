using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests;

/// <summary>#include: lookup relative to the including file then the search paths, splicing in place, cycles,
/// and errors positioned in the included file. Files live in a temp directory of the test.</summary>
public sealed class IncludeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nss-policy-include-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Decide(string path, string syscall, PolicyOptions? options = null)
    {
        var compiled = PolicyCompiler.CompileFile(path, Arch.X86_64, options);
        var explanation = PolicyCompiler.Explain(compiled, (uint)Policies.Number(Arch.X86_64, syscall), []);
        Assert.True(explanation.Agrees);
        return explanation.Action.ToString();
    }

    [Fact]
    public void IncludedFilesAreSplicedInPlaceRelativeToTheIncludingFile()
    {
        Write("lib/defs.policy", "#define ONE 1\n#include \"io.policy\"\n");
        Write("lib/io.policy", "POLICY io { ALLOW { write { fd == ONE } } }\n");
        Write("lib/more.policy", "POLICY more { ERRNO(2) { close } }");
        string main = Write("main.policy", "#include \"lib/defs.policy\" \"lib/more.policy\"; USE io, more DEFAULT ERRNO(7)\n");
        Assert.Equal("ERRNO(2)", Decide(main, "close"));
        Assert.Equal("ERRNO(7)", Decide(main, "read"));
        var compiled = PolicyCompiler.CompileFile(main, Arch.X86_64);
        var write = PolicyCompiler.Explain(compiled, 1, [1]);
        Assert.Equal("ALLOW", write.Action.ToString());
        Assert.EndsWith("io.policy:1:21 (write)", write.Decision.Reason);
    }

    [Fact]
    public void SearchPathsAreTriedAfterTheIncludingDirectory()
    {
        Write("paths/shared.policy", "POLICY shared { ALLOW { getpid } }");
        string main = Write("main.policy", "#include \"shared.policy\"\nUSE shared");
        Assert.StartsWith($"{main}:1:10: cannot #include \"shared.policy\": no such file (looked for {_dir}/shared.policy)",
            Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile(main, Arch.X86_64)).Diagnostic);
        var options = new PolicyOptions { IncludePaths = [Path.Combine(_dir, "paths")] };
        Assert.Equal("ALLOW", Decide(main, "getpid", options));
    }

    [Fact]
    public void CyclesAreErrorsNamingTheChain()
    {
        Write("a.policy", "#include \"b.policy\"\nALLOW { read }");
        Write("b.policy", "\n  #include \"a.policy\"");
        string main = Write("main.policy", "#include \"a.policy\"");
        var error = Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile(main, Arch.X86_64));
        Assert.Equal("#include cycle: a.policy -> b.policy -> a.policy", error.Message);
        Assert.Equal(2, error.Location!.Value.Line);
        Assert.Equal(12, error.Location!.Value.Column);
        Assert.EndsWith("b.policy", error.Location!.Value.File);
        string self = Write("self.policy", "#include \"self.policy\"");
        Assert.EndsWith(":1:10: #include cycle: self.policy -> self.policy",
            Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile(self, Arch.X86_64)).Diagnostic);
    }

    [Fact]
    public void ADiamondIsNotACycleButSplicesTheSharedFileTwice()
    {
        // Both sides include rules.policy: its top-level rules come twice, which is harmless...
        Write("rules.policy", "ERRNO(3) { write }\n");
        Write("left.policy", "#include \"rules.policy\"\n");
        Write("right.policy", "#include \"rules.policy\"\nALLOW { read }\n");
        string main = Write("main.policy", "#include \"left.policy\" \"right.policy\"\nDEFAULT KILL");
        Assert.Equal("ERRNO(3)", Decide(main, "write"));
        Assert.Equal("ALLOW", Decide(main, "read"));
        Assert.Equal(3, PolicyCompiler.CompileFile(main, Arch.X86_64).Policy.Rules.Count);
        // ...and so is a definition included twice, as in kafel: the same value again is no redefinition.
        Write("defs.policy", "#define X 3\n");
        string twice = Write("twice.policy", "#include \"defs.policy\" \"defs.policy\"\nDEFAULT ERRNO(X)");
        Assert.Equal("ERRNO(3)", Decide(twice, "write"));
        Write("other.policy", "#define X 4\n");
        string clash = Write("clash.policy", "#include \"defs.policy\" \"other.policy\"\nDEFAULT ERRNO(X)");
        Assert.Matches(@"/other\.policy:1:1: 'X' is already defined as 0x3 at \S*/defs\.policy:1:1; this #define gives 0x4$",
            Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile(clash, Arch.X86_64)).Diagnostic);
    }

    [Fact]
    public void ErrorsInAnIncludedFileNameThatFile()
    {
        Write("bad.policy", "POLICY p {\n  ALLOW { wirte }\n}");
        string main = Write("main.policy", "#include \"bad.policy\"\nUSE p");
        var error = Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile(main, Arch.X86_64));
        Assert.EndsWith("bad.policy:2:11: unknown syscall 'wirte' on x86_64; did you mean write?", error.Diagnostic);
    }

    [Fact]
    public void AMissingTopLevelFileIsAPolicyError()
    {
        string missing = Path.Combine(_dir, "nope.policy");
        Assert.StartsWith($"cannot read policy file '{missing}'",
            Assert.Throws<PolicyException>(() => PolicyCompiler.CompileFile(missing, Arch.X86_64)).Diagnostic);
    }
}
