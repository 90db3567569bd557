using System.Diagnostics;

namespace NsSandbox.EndToEnd.Tests;

/// <summary>The C probe (probes/syscall_probe.c) compiled with gcc into a temp directory that the sandbox's
/// nobody can read; tests bind it at <see cref="MountPoint"/>. Compiled once per test class.</summary>
public sealed class SyscallProbe : IDisposable
{
    public const string MountPoint = "/probe";
    private readonly string _dir = Directory.CreateTempSubdirectory("nss-e2e-probe-").FullName;

    /// <summary>Why the probe could not be built (no gcc), or null.</summary>
    public string? Unavailable { get; }

    /// <summary>The probe's path inside a sandbox that was given <see cref="BindFlags"/>.</summary>
    public string InSandbox => MountPoint + "/syscall_probe";
    public string OnHost => Path.Combine(_dir, "syscall_probe");
    public string[] BindFlags => ["--bindmount_ro", $"{_dir}:{MountPoint}"];

    public SyscallProbe()
    {
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED); // 0755: nobody must reach the binary
        string source = Path.Combine(RepoRoot(), "tests", "NsSandbox.EndToEnd.Tests", "probes", "syscall_probe.c");
        try
        {
            using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O1", "-o", OnHost, source, "-lpthread"])
            {
                RedirectStandardError = true,
            })!;
            string errors = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            if (gcc.ExitCode != 0) throw new InvalidOperationException("gcc failed on the probe: " + errors);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Unavailable = "needs gcc to build the C probe (apt-get install gcc)";
        }
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

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return dir.FullName;
        throw new FileNotFoundException("cannot find the repository root (NsSandbox.sln) above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
