using NsSandbox.EndToEnd.Tests;
using NsSandbox.Frontends.Cli;
using NsSandbox.Frontends.Toml;

namespace NsSandbox.Reliability.Tests;

/// <summary>The crashes issue 20 found: an empty value for a path crashed the launcher with a .NET exception and
/// SIGABRT. Every value flag of the flag table and every key of the TOML file (derived from the tables, so a new
/// one is covered) given an empty or blank value is now exit 125 and one line naming it, with nothing created,
/// unless an empty value has a documented meaning.</summary>
public sealed class EmptyValueTests : IDisposable
{
    private readonly RunScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>Value flags for which an empty value means something, and where that is said. Every other value
    /// flag of the table, a new one included, must refuse an empty or blank value.</summary>
    private static readonly Dictionary<string, string> EmptyIsMeaningful = new()
    {
        ["chroot"] = "the empty root (docs/config.md, nsjail's default)",
        ["uid_mapping"] = "nsjail's: an empty INSIDE or OUTSIDE is the launcher's own id",
        ["gid_mapping"] = "nsjail's: an empty INSIDE or OUTSIDE is the launcher's own id",
    };

    private static readonly string[] Blanks = ["", " ", "\t"];

    /// <summary>Every flag of the table that takes a value, with each blank value.</summary>
    public static TheoryData<string, string> ValueFlags()
    {
        var data = new TheoryData<string, string>();
        foreach (var flag in FlagTable.All.Where(f => f.TakesValue))
            foreach (string blank in Blanks)
                data.Add(flag.Name, blank);
        return data;
    }

    /// <summary>Every key of the TOML file whose value is not a switch, with each blank value ("" or [""]).</summary>
    public static TheoryData<string, string> FileKeys()
    {
        var data = new TheoryData<string, string>();
        foreach (var key in ConfigKeys.All.Where(k => k.Type != ConfigType.Switch))
            foreach (string blank in Blanks)
                data.Add(key.Path, blank);
        return data;
    }

    [Theory]
    [MemberData(nameof(ValueFlags))]
    public void AnEmptyOrBlankValueOfAnyFlagIsOneLineAndExit125(string flag, string value)
    {
        if (value.Length == 0 && EmptyIsMeaningful.ContainsKey(flag))
        {
            AssertRunsCleanly([.. _scope.Flags(), $"--{flag}", value, "--", "/bin/true"]);
            return;
        }
        AssertRefused(["--state_dir", Path.Combine(_scope.WorkDir, "state"), $"--{flag}", value, "--", "/bin/true"], $"--{flag}:");
    }

    /// <summary>Keys whose value is compiled as a seccomp policy after the file is loaded: the policy compiler's
    /// message names the flag (--seccomp_string:1:1), not the file's line.</summary>
    private static readonly HashSet<string> NamedByTheirFlag = ["seccomp_string"];

    [Theory]
    [MemberData(nameof(FileKeys))]
    public void AnEmptyOrBlankValueOfAnyFileKeyIsOneLineAndExit125(string path, string value)
    {
        var key = ConfigKeys.ByPath(path)!;
        string toml = Toml(value);
        // The command and the state directory are in the file too (a command or --state_dir on the command line
        // would override the key), unless they are the key.
        var sections = new Dictionary<string, List<string>> { ["exec"] = ["path = \"/bin/true\""] };
        if (key.Flag.Name != "state_dir") sections["launcher"] = [$"state-dir = {Toml(Path.Combine(_scope.WorkDir, "state"))}"];
        if (!sections.ContainsKey(key.Section)) sections[key.Section] = [];
        sections[key.Section].Add($"{key.Name} = {(key.Type == ConfigType.List ? $"[{toml}]" : toml)}");
        string file = Path.Combine(_scope.WorkDir, "blank.toml");
        File.WriteAllText(file, string.Concat(sections.Select(s => $"[{s.Key}]\n{string.Join("\n", s.Value)}\n")));
        if (value.Length == 0 && EmptyIsMeaningful.ContainsKey(key.Flag.Name))
        {
            AssertRunsCleanly([.. _scope.Flags(), "--config", file]);
            return;
        }
        AssertRefused(["--config", file], NamedByTheirFlag.Contains(key.Flag.Name) ? $"--{key.Flag.Name}:" : $"{file}:");
        if (!NamedByTheirFlag.Contains(key.Flag.Name)) Assert.Contains($": {path}: ", Nss.Run(["config", "check", file]).Stderr);
    }

    /// <summary>[[fs.mount]]'s src and dst are fields, not the flag's SRC:DST text: empty or blank ones are refused
    /// with their line, and a ':' in either is part of the path (it once split the path at the colon).</summary>
    [Theory]
    [InlineData("src = \"\"", 3, "fs.mount[0].src: the source path is empty")]
    [InlineData("src = \" \"", 3, "fs.mount[0].src: the source path is blank")]
    [InlineData("src = \"/bin\"\ndst = \"\"", 4, "fs.mount[0].dst: the mount target is empty")]
    [InlineData("src = \"/bin\"\ndst = \"\\t\"", 4, "fs.mount[0].dst: the mount target is blank")]
    [InlineData("type = \"tmpfs\"\ndst = \"\"", 2, "fs.mount[0]:")]
    [InlineData("type = \"tmpfs\"\ndst = \"\\t\"", 2, "fs.mount[0]:")]
    public void AnEmptyOrBlankMountFieldIsOneLineAndExit125(string fields, int line, string message)
    {
        string file = Path.Combine(_scope.WorkDir, "mount.toml");
        File.WriteAllText(file, $"\n[[fs.mount]]\n{fields}\n");
        AssertRefused(["--state_dir", Path.Combine(_scope.WorkDir, "state"), "--config", file, "--", "/bin/true"], $"{file}:{line}:");
        Assert.Contains(message, Nss.Run(["config", "check", file]).Stderr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AColonInAMountsSrcOrDstIsPartOfThePath(bool rw)
    {
        Require.Root();
        string source = Directory.CreateDirectory(Path.Combine(_scope.WorkDir, "a:b")).FullName;
        File.WriteAllText(Path.Combine(source, "marker"), "colon\n");
        string file = Path.Combine(_scope.WorkDir, "colon.toml");
        File.WriteAllText(file, $"[[fs.mount]]\nsrc = \"{source}\"\ndst = \"/x:y\"\nrw = {(rw ? "true" : "false")}\n" +
            $"[[fs.mount]]\nsrc = \"{source}\"\n");
        var r = Nss.Run([.. _scope.Flags(), "--config", file, "--", "/bin/cat", "/x:y/marker", source + "/marker"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("colon\ncolon\n", r.Stdout);
        _scope.AssertNothingLeft("a mount with a colon in its paths");
    }

    [Fact]
    public void AnEmptyChrootIsNsjailsEmptyRoot()
    {
        Require.Root();
        // Not a path but the documented empty root (docs/config.md: fs.chroot = ""): only the mounts given.
        var r = Nss.Run([.. _scope.Flags(), "--chroot", "", "--bindmount_ro", "/bin", "--bindmount_ro", "/lib", "--bindmount_ro", "/lib64",
            "--bindmount_ro", "/usr", "--", "/bin/sh", "-c", "ls /"]);
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("etc", r.Stdout.Split('\n'));
        _scope.AssertNothingLeft("a run in an empty root");
    }

    [Theory]
    [InlineData(new[] { "config", "check", "" }, "--config: expects a path; the value is empty")]
    [InlineData(new[] { "config", "show", "" }, "--config: expects a path; the value is empty")]
    [InlineData(new[] { "config", "import", "" }, "config import: expects a path; the value is empty")]
    [InlineData(new[] { "policy", "check", "" }, "policy: the policy file's name is empty")]
    [InlineData(new[] { "policy", "compile", "" }, "policy: the policy file's name is empty")]
    [InlineData(new[] { "policy", "explain", "", "read" }, "policy: the policy file's name is empty")]
    [InlineData(new[] { "cleanup", "--state_dir", "" }, "--state_dir: expects a path; the value is empty")]
    [InlineData(new[] { "oci", "--root", "", "list" }, "--root: the value is empty")]
    [InlineData(new[] { "oci", "--root=", "list" }, "--root: the value is empty")]
    [InlineData(new[] { "oci", "--log", "", "list" }, "--log: the value is empty")]
    [InlineData(new[] { "oci", "create", "--bundle", "", "c1" }, "create --bundle: the value is empty")]
    [InlineData(new[] { "oci", "create", "--pid-file", "", "c1" }, "create --pid-file: the value is empty")]
    [InlineData(new[] { "oci", "run", "--bundle", "", "c1" }, "run --bundle: the value is empty")]
    [InlineData(new[] { "oci", "exec", "--process", "", "c1" }, "exec --process: the value is empty")]
    [InlineData(new[] { "oci", "exec", "--cwd", "", "c1", "true" }, "exec --cwd: the value is empty")]
    public void AnEmptyValueToASubcommandIsAUsageError(string[] args, string message) => AssertRefused(args, message);

    private static string Toml(string value) => "\"" + value.Replace("\t", "\\t") + "\"";

    private void AssertRunsCleanly(string[] args)
    {
        var r = Nss.Run(args);
        Assert.False(r.ExitCode == 125 || Crash.Seen(r.ExitCode, r.Stderr), $"exit {r.ExitCode}: {r.Stderr}");
        _scope.AssertNothingLeft(string.Join(' ', args));
    }

    private void AssertRefused(string[] args, string message)
    {
        string cwd = Path.Combine(_scope.WorkDir, "cwd");
        Directory.CreateDirectory(cwd);
        var r = Nss.Run(args, cwd: cwd);
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith($"nssandbox: {message}", r.Stderr);
        ExhaustionTests.AssertOneClearLine(r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(cwd));
        Assert.False(Directory.Exists(Path.Combine(_scope.WorkDir, "state")));
    }
}
