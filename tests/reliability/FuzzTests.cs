using System.Text;
using NsSandbox.Core.Plan;
using NsSandbox.EndToEnd.Tests;
using NsSandbox.Frontends;
using NsSandbox.Frontends.Cli;
using NsSandbox.Frontends.Toml;

namespace NsSandbox.Reliability.Tests;

/// <summary>Fuzzed command lines and configuration files. In-process, thousands of them go through the front
/// ends, the spec's validation and the planner's checks against the host: each is accepted or refused with a
/// usage error, never another exception. Through the binary, a sample of them: exit 125 with one line, nothing
/// created, or a run that leaves nothing; never a crash.</summary>
public sealed class FuzzTests : IDisposable
{
    private readonly RunScope _scope = new();

    public FuzzTests()
    {
        // The seeds name their policy relative to themselves (configs/python.toml's policies/default.policy).
        string policies = Directory.CreateDirectory(Path.Combine(_scope.WorkDir, "policies")).FullName;
        foreach (string policy in Directory.GetFiles(Path.Combine(Launcher.RepositoryRoot, "configs", "policies")))
            File.Copy(policy, Path.Combine(policies, Path.GetFileName(policy)));
    }

    public void Dispose() => _scope.Dispose();

    private static readonly int Seed = Environment.GetEnvironmentVariable("NSSANDBOX_RELIABILITY_SEED") is { } s && int.TryParse(s, out int n)
        ? n : Environment.TickCount;

    private static string Corpus(params string[] path) => File.ReadAllText(Path.Combine([Launcher.RepositoryRoot, .. path]));

    private static readonly string[] TomlSeeds =
    [
        Corpus("configs", "default.toml"), Corpus("configs", "python.toml"), Corpus("tests", "reliability", "corpus", "rich.toml"),
    ];

    private static readonly string[] NsjailSeeds = [Corpus("configs", "python.cfg"), Corpus("tests", "reliability", "corpus", "rich.cfg")];

    [Fact]
    public void FuzzedCommandLinesAreAcceptedOrRefusedNeverCrash()
    {
        var fuzz = new Fuzz(Seed);
        var failures = new List<string>();
        int refused = 0, accepted = 0;
        for (int i = 0; i < Counts.FuzzCases; i++)
        {
            var args = fuzz.CommandLine(FlagTable.All);
            bool asNsjail = fuzz.Chance(0.2);
            switch (InProcess(() =>
            {
                var parsed = ArgParser.Parse(args, asNsjail: asNsjail);
                var spec = parsed.Builder.Build(commandOptional: fuzz.Chance(0.3));
                Planner.Check(spec, new RealHostView());
            }))
            {
                case null: accepted++; break;
                case SpecException: refused++; break;
                case var e: failures.Add($"{(asNsjail ? "as nsjail: " : "")}{Show(args)}: {e}"); break;
            }
        }
        Assert.True(failures.Count == 0, $"seed {Seed}: {failures.Count} crashes, first: {string.Join("\n", failures.Take(5))}");
        Summary.Add($"fuzz (seed {Seed}): {Counts.FuzzCases} command lines in-process, {accepted} accepted, {refused} refused, no crash");
    }

    [Fact]
    public void FuzzedTomlFilesAreAcceptedOrRefusedNeverCrash()
    {
        var fuzz = new Fuzz(Seed + 1);
        var failures = new List<string>();
        int refused = 0, accepted = 0;
        foreach (string seed in TomlSeeds) Assert.Null(InProcess(() => CheckConfig(seed, nsjail: false)));
        for (int i = 0; i < Counts.FuzzCases; i++)
        {
            string text = fuzz.MutateToml(fuzz.Pick(TomlSeeds));
            switch (InProcess(() => CheckConfig(text, nsjail: false)))
            {
                case null: accepted++; break;
                case SpecException: refused++; break;
                case var e: failures.Add($"{Quote(text)}: {e}"); break;
            }
        }
        Assert.True(failures.Count == 0, $"seed {Seed + 1}: {failures.Count} crashes, first: {string.Join("\n", failures.Take(3))}");
        Summary.Add($"fuzz (seed {Seed + 1}): {Counts.FuzzCases} TOML files in-process, {accepted} accepted, {refused} refused, no crash");
    }

    [Fact]
    public void FuzzedNsjailConfigsAreAcceptedOrRefusedNeverCrash()
    {
        var fuzz = new Fuzz(Seed + 2);
        var failures = new List<string>();
        int refused = 0, accepted = 0;
        for (int i = 0; i < Counts.FuzzCases; i++)
        {
            string text = fuzz.MutateNsjail(fuzz.Pick(NsjailSeeds));
            switch (InProcess(() => CheckConfig(text, nsjail: true)))
            {
                case null: accepted++; break;
                case SpecException: refused++; break;
                case var e: failures.Add($"{Quote(text)}: {e}"); break;
            }
        }
        Assert.True(failures.Count == 0, $"seed {Seed + 2}: {failures.Count} crashes, first: {string.Join("\n", failures.Take(3))}");
        Summary.Add($"fuzz (seed {Seed + 2}): {Counts.FuzzCases} nsjail configs in-process, {accepted} accepted, {refused} refused, no crash");
    }

    /// <summary>A config as `config check` takes it (the format told by its content, as --config does), and for
    /// one that passes, `config show`'s output must be a config that passes too.</summary>
    private void CheckConfig(string text, bool nsjail)
    {
        string file = Path.Combine(_scope.WorkDir, nsjail ? "fuzz.cfg" : "fuzz.toml");
        File.WriteAllText(file, text);
        var b = new SpecBuilder();
        ConfigFile.Apply(b, file, "--config");
        var spec = b.Build(commandOptional: true);
        Planner.Check(spec, new RealHostView());
        string shown = ConfigWriter.Write(new EffectiveConfig(spec, b.Mode, b.BuildListen()));
        var again = new SpecBuilder();
        try
        {
            ConfigLoader.ApplyText(again, shown, "shown.toml");
            again.Build(commandOptional: true);
        }
        catch (SpecException e)
        {
            throw new InvalidOperationException($"config show wrote a file that does not load ({e.Origin}: {e.Message}):\n{shown}");
        }
    }

    [Fact]
    public void FuzzedCommandLinesThroughTheBinaryExit125WithOneLineOrRunCleanly()
    {
        Require.Root();
        var fuzz = new Fuzz(Seed + 3);
        var flags = FlagTable.All.Where(f => !Fuzz.NotThroughTheBinary.Contains(f.Name)).ToList();
        int cases = Math.Max(20, Counts.FuzzCases / 20), refused = 0;
        for (int i = 0; i < cases; i++)
        {
            var args = fuzz.CommandLine(flags);
            if (ThroughTheBinary(i, args, $"seed {Seed + 3}, case {i}: {Show(args)}")) refused++;
        }
        Summary.Add($"fuzz (seed {Seed + 3}): {cases} command lines through the binary, {refused} refused with exit 125, the rest ran and left nothing");
    }

    [Fact]
    public void FuzzedConfigFilesThroughTheBinaryExit125WithOneLineOrRunCleanly()
    {
        Require.Root();
        var fuzz = new Fuzz(Seed + 4);
        int cases = Math.Max(20, Counts.FuzzCases / 40), refused = 0;
        for (int i = 0; i < cases; i++)
        {
            bool nsjail = fuzz.Chance(0.3);
            string text = nsjail ? fuzz.MutateNsjail(fuzz.Pick(NsjailSeeds)) : fuzz.MutateToml(fuzz.Pick(TomlSeeds));
            // Settings that would reach outside the test's directory are pinned to it.
            text = string.Join('\n', text.Split('\n').Where(l => !l.Contains("cgroup-parent") && !l.Contains("log") && !l.Contains("keep-data")));
            string file = Path.Combine(_scope.WorkDir, $"fuzz-{i}.{(nsjail ? "cfg" : "toml")}");
            File.WriteAllText(file, text);
            var args = new List<string> { "--config", file, "--cgroup_parent", _scope.CgroupParent, "--time_limit", "10" };
            if (fuzz.Chance(0.5)) args.AddRange(["--", "/bin/true"]);
            bool check = fuzz.Chance(0.3);
            if (ThroughTheBinary(i, check ? ["config", "check", file] : args, $"seed {Seed + 4}, case {i}: {(check ? "config check " : "")}{Quote(text)}", check)) refused++;
            File.Delete(file);
        }
        Summary.Add($"fuzz (seed {Seed + 4}): {cases} config files through the binary, {refused} refused with exit 125, the rest ran and left nothing");
    }

    /// <summary>Runs one case in a fresh working directory with a state directory that does not exist yet; returns
    /// whether it was refused. Refused: exit 125, one line, nothing created. Run: nothing left behind.</summary>
    private bool ThroughTheBinary(int i, IReadOnlyList<string> args, string what, bool subcommand = false)
    {
        string cwd = Path.Combine(_scope.WorkDir, $"case-{i}", "cwd");
        Directory.CreateDirectory(cwd);
        string state = Path.Combine(_scope.WorkDir, $"case-{i}", "state");
        // The report tells the command's own fatal signal from a launcher crash (Crash); a --report among the
        // fuzzed flags comes later and wins, and is read from where it put it.
        string report = Path.Combine(_scope.WorkDir, $"case-{i}", "report.json");
        IReadOnlyList<string> all = subcommand ? args : ["--state_dir", state, "--cgroup_parent", _scope.CgroupParent, "--report", report, .. args];
        var r = Nss.Run(all, cwd: cwd);
        Assert.False(Crash.Seen(r.ExitCode, r.Stderr, ReadReport(FuzzedReport(args, cwd) ?? report)),
            $"{what}: crashed (exit {r.ExitCode}, no report of the command's own signal): {r.Stderr}");
        bool refused = r.ExitCode == 125;
        if (refused)
        {
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1 && lines[0].StartsWith("nssandbox: ", StringComparison.Ordinal), $"{what}: refused with [{r.Stderr}]");
            Assert.True(!Directory.Exists(state), $"{what}: refused, yet the state directory was created");
            Assert.True(Directory.GetFileSystemEntries(cwd).Length == 0, $"{what}: refused, yet it created [{string.Join(", ", Directory.GetFileSystemEntries(cwd))}]");
        }
        else
        {
            // A fuzzed --state_dir may have put the runs elsewhere in the case's directory.
            var left = Directory.GetDirectories(Path.Combine(_scope.WorkDir, $"case-{i}"), "runs", SearchOption.AllDirectories)
                .SelectMany(Directory.GetFileSystemEntries).ToList();
            Assert.True(left.Count == 0, $"{what}: left [{string.Join(", ", left)}]");
        }
        _scope.AssertNothingLeft(what, TimeSpan.FromSeconds(10));
        return refused;
    }

    /// <summary>Where the last --report of the fuzzed flags put the report, if one did.</summary>
    private static string? FuzzedReport(IReadOnlyList<string> args, string cwd)
    {
        string? path = null;
        for (int i = 0; i < args.Count && args[i] != "--"; i++)
        {
            if (args[i] == "--report" && i + 1 < args.Count) path = args[i + 1];
            else if (args[i].StartsWith("--report=", StringComparison.Ordinal)) path = args[i]["--report=".Length..];
        }
        return path is { Length: > 0 } and not "-" ? Path.Combine(cwd, path) : null;
    }

    private static System.Text.Json.JsonElement? ReadReport(string path)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or ArgumentException)
        {
            return null;
        }
    }

    private static Exception? InProcess(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static string Show(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    private static string Quote(string s)
    {
        var b = new StringBuilder("'");
        foreach (char c in s) b.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString());
        return b.Append('\'').ToString();
    }
}
