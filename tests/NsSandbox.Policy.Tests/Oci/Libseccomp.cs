using System.Diagnostics;
using System.Globalization;
using System.Text;
using NsSandbox.Policy.Bpf;
using NsSandbox.Policy.Oci;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Oci;

/// <summary>libseccomp_oci.c built once for the tests that compare with libseccomp: what runc would load for a
/// profile. Unavailable (with the reason) without gcc or libseccomp's header.</summary>
public sealed class Libseccomp : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nss-libseccomp-").FullName;

    public Libseccomp()
    {
        if (!File.Exists("/usr/include/seccomp.h"))
        {
            SkipReason = "libseccomp's header is not installed (apt-get install libseccomp-dev)";
            return;
        }
        string source = Path.Combine(Root(), "tests", "NsSandbox.Policy.Tests", "Oci", "libseccomp_oci.c");
        Helper = Path.Combine(_dir, "libseccomp_oci");
        var (code, output) = Run("gcc", ["-O1", "-Wall", "-Werror", "-o", Helper, source, "-lseccomp"]);
        if (code != 0)
        {
            SkipReason = $"cannot build libseccomp_oci.c with gcc (exit {code}): {output}";
            Helper = null;
        }
    }

    public string? Helper { get; }

    public string? SkipReason { get; }

    /// <summary>Every (number, name) libseccomp knows on the architecture.</summary>
    public IReadOnlyList<(int Number, string Name)> Names(Arch arch)
    {
        var (code, output) = Run(Helper!, ["names", Arches.Name(arch)]);
        Assert.True(code == 0, output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), p[1]))
            .ToList();
    }

    /// <summary>runc's program for the profile on one architecture (without runc's ENOSYS stub), and how libseccomp
    /// resolved each name (null: unknown); null when libseccomp refuses a rule, with its message.</summary>
    public (IReadOnlyList<BpfInstruction>? Program, Dictionary<string, int?> Names, string Output) Filter(OciSeccomp profile, Arch arch)
    {
        string rules = Path.Combine(_dir, $"{Guid.NewGuid():N}.rules"), bpf = Path.ChangeExtension(rules, ".bpf");
        File.WriteAllText(rules, Rules(profile));
        try
        {
            var (code, output) = Run(Helper!, ["filter", Arches.Name(arch), rules, bpf]);
            var names = new Dictionary<string, int?>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n').Where(l => l.StartsWith("name ", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ');
                names[parts[1]] = parts[2] == "none" ? null : int.Parse(parts[2], CultureInfo.InvariantCulture);
            }
            if (code == 2) return (null, names, output);
            Assert.True(code == 0, output);
            return (BpfCodec.FromBytes(File.ReadAllBytes(bpf)), names, output);
        }
        finally
        {
            File.Delete(rules);
            File.Delete(bpf);
        }
    }

    /// <summary>The profile as the helper reads it: everything, in order; the helper leaves out what runc leaves out.</summary>
    private static string Rules(OciSeccomp profile)
    {
        static string Errno(OciAction a) => a.ErrnoRet?.ToString(CultureInfo.InvariantCulture) ?? "-";
        var text = new StringBuilder($"default {ScmpNames.Name(profile.DefaultAction.Kind)} {Errno(profile.DefaultAction)}\n");
        foreach (var rule in profile.Syscalls)
            foreach (var name in rule.Names)
            {
                text.Append($"rule {name.Value} {ScmpNames.Name(rule.Action.Kind)} {Errno(rule.Action)}");
                foreach (var arg in rule.Args) text.Append($" {arg.Index} {ScmpNames.Name(arg.Op)} 0x{arg.Value:x} 0x{arg.ValueTwo:x}");
                text.Append('\n');
            }
        return text.ToString();
    }

    private static (int Code, string Output) Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{file} did not finish within 120 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Root()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "NsSandbox.sln"))) root = Path.GetDirectoryName(root)!;
        return root;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
