using System.Diagnostics;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>The C probe (probes/syscall_probe.c) compiled with gcc into a directory of the suite's own
/// (<see cref="SuiteDirectory"/>) that the sandbox's nobody can read; tests bind it at <see cref="MountPoint"/>.
/// Compiled once per test class.</summary>
public sealed class SyscallProbe : IDisposable
{
    public const string MountPoint = "/probe";
    private readonly string _dir = SuiteDirectory.NewDirectory("probe-");

    /// <summary>Why the probe could not be built (no gcc), or null.</summary>
    public string? Unavailable { get; }

    /// <summary>The probe's path inside a sandbox that was given <see cref="BindFlags"/>.</summary>
    public string InSandbox => MountPoint + "/syscall_probe";
    public string OnHost => Path.Combine(_dir, "syscall_probe");
    /// <summary>The same probe linked statically (gcc -static), for policies that refuse opening files and so
    /// loading shared libraries; null when the static C library is missing.</summary>
    public string? StaticInSandbox { get; }
    public string[] BindFlags => ["--bindmount_ro", $"{_dir}:{MountPoint}"];

    public SyscallProbe()
    {
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED); // 0755: nobody must reach the binary
        string source = Path.Combine(Launcher.RepositoryRoot, "tests", "NsSandbox.EndToEnd.Tests", "probes", "syscall_probe.c");
        try
        {
            var (status, errors) = Compile(source, "syscall_probe");
            if (status != 0) throw new InvalidOperationException("gcc failed on the probe: " + errors);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Unavailable = "needs gcc to build the C probe (apt-get install gcc)";
            return;
        }
        if (Compile(source, "syscall_probe_static", "-static").Status == 0) StaticInSandbox = MountPoint + "/syscall_probe_static";
    }

    private (int Status, string Errors) Compile(string source, string output, params string[] extra)
    {
        using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O1", .. extra, "-o", Path.Combine(_dir, output), source, "-lpthread"])
        {
            RedirectStandardError = true,
        })!;
        var errors = gcc.StandardError.ReadToEndAsync();
        if (!gcc.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            gcc.Kill(entireProcessTree: true);
            throw new TimeoutException("gcc did not finish within 2 minutes");
        }
        return (gcc.ExitCode, errors.Result);
    }

    /// <summary>Skips unless the static probe could be built.</summary>
    public string RequireStatic()
    {
        Require();
        if (StaticInSandbox is null) Assert.Skip("needs the static C library to link the probe with -static (apt-get install libc6-dev)");
        return StaticInSandbox;
    }

    public void Require()
    {
        Tests.Require.Root();
        if (Unavailable is not null) Assert.Skip(Unavailable);
    }

    /// <summary>The probe's "NAME: ok" / "NAME: errno N" lines as a dictionary.</summary>
    public static Dictionary<string, string> Results(string stdout) => stdout
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(": ", 2))
        .ToDictionary(p => p[0], p => p[1]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
