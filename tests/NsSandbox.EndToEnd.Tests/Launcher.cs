using System.Diagnostics;
using System.Text.Json;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>The result of running the published binary once.</summary>
public sealed record LaunchResult(int ExitCode, string Stdout, string Stderr, JsonElement? Report)
{
    public string ReportString(string property) => Report!.Value.GetProperty(property).GetString()!;
}

/// <summary>Runs the published nssandbox (artifacts/bin/nssandbox, or $NSSANDBOX_BIN) for real. Every run gets
/// --state_dir in the test's own directory under <see cref="SuiteDirectory"/>, so per-run directories never land
/// in the host's /var/lib.</summary>
public sealed class Launcher : IDisposable
{
    /// <summary>The checkout the tests run from (the directory holding NsSandbox.sln). Declared before
    /// BinaryPath: static initializers run in textual order.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string BinaryPath { get; } = FindBinary();

    public string StateDir { get; } = SuiteDirectory.NewDirectory("state-");
    public string TempDir { get; } = SuiteDirectory.NewDirectory("tmp-");
    /// <summary>A command the launcher runs under, e.g. ["ip", "netns", "exec", NAME].</summary>
    public IReadOnlyList<string> Wrapper { get; init; } = [];

    /// <summary>Runs the launcher as <see cref="Unprivileged.Uid"/> (not root: no capabilities, no groups; through
    /// setpriv), its state and temp directories given to that user; otherwise as the test runner (root).</summary>
    public bool AsUser
    {
        get => _asUser;
        init
        {
            _asUser = value;
            if (value) Unprivileged.GiveTo(StateDir, TempDir);
        }
    }

    private readonly bool _asUser;

    /// <summary>Runs nssandbox with the given flags, --report to a file, and (after --) the command.</summary>
    public LaunchResult Run(IEnumerable<string> flags, params string[] command) => RunRaw(
        ["--state_dir", StateDir, "--report", Path.Combine(TempDir, "report.json"), .. flags, "--", .. command],
        readReport: true);

    public LaunchResult Sh(string script, params string[] flags) => Run(flags, "/bin/sh", "-c", script);

    /// <summary>An nsjail config with this text, in a file of the test's own; returns its path.</summary>
    public string NsjailConfig(string text)
    {
        string file = Path.Combine(TempDir, $"jail-{Guid.NewGuid():N}.cfg");
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>A character device node of the kernel's null (1:3, mode 0666) at <paramref name="path"/>, made
    /// for the test: the host's own /dev/null is never a test's target.</summary>
    public static void MakeNullNode(string path)
    {
        using var mknod = Process.Start("mknod", ["-m", "666", path, "c", "1", "3"])!;
        mknod.WaitForExitWithin(TimeSpan.FromSeconds(30));
        Assert.Equal(0, mknod.ExitCode);
    }

    /// <summary>Runs nssandbox with exactly these arguments (after --state_dir).</summary>
    public LaunchResult RunRaw(IEnumerable<string> args, bool readReport = false, string? bashPrefix = null)
    {
        string reportPath = Path.Combine(TempDir, "report.json");
        File.Delete(reportPath);
        ProcessStartInfo psi;
        if (bashPrefix is null)
        {
            psi = StartInfo(args);
        }
        else
        {
            // For descriptors the launcher must not pass on: bash opens them, then execs the launcher.
            psi = Command(["/bin/bash"]);
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(bashPrefix + " exec \"$0\" \"$@\"");
            psi.ArgumentList.Add(BinaryPath);
            foreach (string a in args) psi.ArgumentList.Add(a);
        }
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("nssandbox did not finish within 2 minutes");
        }
        JsonElement? report = null;
        if (readReport && File.Exists(reportPath))
            report = JsonDocument.Parse(File.ReadAllText(reportPath)).RootElement.Clone();
        return new LaunchResult(p.ExitCode, stdout.Result, stderr.Result, report);
    }

    /// <summary>Starts nssandbox with exactly these arguments and returns at once, its output to read (and its
    /// input to write, if asked): for tests that act on it while it runs. The caller must end it.</summary>
    public Process Start(IEnumerable<string> args, bool redirectInput = false)
    {
        var psi = StartInfo(args);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardInput = redirectInput;
        return Process.Start(psi)!;
    }

    /// <summary>nssandbox with these arguments; under the Wrapper (such as "ip netns exec NAME"), if there is one,
    /// which runs it inside a test's own namespaces.</summary>
    private ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = Command([.. Wrapper, BinaryPath]);
        foreach (string a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The command line <paramref name="argv"/>, as <see cref="Unprivileged.Uid"/> under <see cref="AsUser"/>.</summary>
    private ProcessStartInfo Command(IReadOnlyList<string> argv)
    {
        IReadOnlyList<string> line = _asUser ? [.. Unprivileged.Setpriv, .. argv] : argv;
        var psi = new ProcessStartInfo(line[0]) { UseShellExecute = false };
        foreach (string a in line.Skip(1)) psi.ArgumentList.Add(a);
        return psi;
    }

    public void Dispose()
    {
        // A mount left on the host is a leak, and deleting through it could reach the host files bound there:
        // then nothing is deleted.
        var mounts = SuiteDirectory.MountsUnder(StateDir).Concat(SuiteDirectory.MountsUnder(TempDir)).ToList();
        if (mounts.Count > 0) throw new InvalidOperationException("mounts left on the host: " + string.Join("; ", mounts));
        // A leftover per-run directory is a leak the tests must see, so the state dir is checked before removal.
        string runs = Path.Combine(StateDir, "runs");
        var leftovers = Directory.Exists(runs) ? Directory.GetFileSystemEntries(runs) : [];
        Directory.Delete(StateDir, recursive: true);
        Directory.Delete(TempDir, recursive: true);
        if (leftovers.Length > 0) throw new InvalidOperationException("per-run directories left behind: " + string.Join(", ", leftovers));
    }

    private static string FindBinary() =>
        Environment.GetEnvironmentVariable("NSSANDBOX_BIN") is { Length: > 0 } fromEnv ? fromEnv
            : Path.Combine(RepositoryRoot, "artifacts", "bin", "nssandbox");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return dir.FullName;
        throw new FileNotFoundException("cannot find the repository root (NsSandbox.sln) above " + AppContext.BaseDirectory);
    }
}

public static class ProcessWaits
{
    /// <summary>The next line from a process's output; a TimeoutException when none comes in time (the caller
    /// kills the process, which ends the read).</summary>
    public static string? ReadLineWithin(this StreamReader reader, TimeSpan timeout)
    {
        var line = reader.ReadLineAsync();
        if (!line.Wait(timeout)) throw new TimeoutException($"no line within {timeout.TotalSeconds:0} s");
        return line.Result;
    }

    /// <summary>Waits for a process that must end (killed, or its work done); a TimeoutException if it does not.</summary>
    public static void WaitForExitWithin(this Process process, TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout)) throw new TimeoutException($"{process.Id} did not end within {timeout.TotalSeconds:0} s");
    }
}

/// <summary>What the machine must offer for a test; a test that cannot run says why and is counted as skipped.</summary>
public static class Require
{
    public static void Root()
    {
        if (!IsRoot())
            Assert.Skip("needs root: the end-to-end tests create namespaces and mounts as the launcher's root user");
        if (!System.IO.File.Exists(Launcher.BinaryPath))
            Assert.Fail($"{Launcher.BinaryPath} does not exist: build it first (./build.sh)");
    }

    public static void FileExists(string path)
    {
        if (!System.IO.File.Exists(path)) Assert.Skip($"needs {path}, which this machine lacks");
    }

    /// <summary>Skips unless the host programs --net egress runs are installed (.ci/run installs them).</summary>
    public static void Egress()
    {
        if (MissingEgressProgram() is { } why) Assert.Skip(why);
    }

    /// <summary>Why --net egress cannot run here (a program it needs is missing), or null.</summary>
    public static string? MissingEgressProgram() =>
        new[] { ("slirp4netns", "slirp4netns"), ("nft", "nftables"), ("nsenter", "util-linux"), ("ip", "iproute2") }
            .Where(p => !new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(d => System.IO.File.Exists(Path.Combine(d, p.Item1))))
            .Select(p => $"needs {p.Item1} (Debian package {p.Item2}) for --net egress, which this machine lacks")
            .FirstOrDefault();

    /// <summary>Skips unless this host has the controller through v2 or a mounted v1 hierarchy.</summary>
    public static void Cgroup(string controller)
    {
        Root();
        bool v1 = System.IO.File.ReadAllLines("/proc/self/mountinfo")
            .Any(l => l.Contains(" - cgroup ") && l.Split(' ').Last().Split(',').Contains(controller));
        if (!v1 && !CgroupV2Has(controller))
            Assert.Skip($"this host has no {controller} controller in cgroup v2 or v1 (tests/vm proves the v2 path)");
    }

    /// <summary>Whether the host's cgroup v2 hierarchy offers the controller.</summary>
    public static bool CgroupV2Has(string controller)
    {
        string? mount = System.IO.File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(" - cgroup2 ")).Select(l => l.Split(' ')[4]).FirstOrDefault();
        return mount is not null && System.IO.File.ReadAllText(Path.Combine(mount, "cgroup.controllers"))
            .Split(' ', StringSplitOptions.TrimEntries).Contains(controller);
    }

    private static bool IsRoot() => System.IO.File.ReadAllLines("/proc/self/status")
        .First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";
}
