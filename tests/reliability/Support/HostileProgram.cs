using System.Diagnostics;
using NsSandbox.EndToEnd.Tests;

namespace NsSandbox.Reliability.Tests;

/// <summary>hostile/fork_many.c compiled with gcc, once per suite, into a directory of the suite that the sandbox's
/// nobody can read; runs bind it read-only at <see cref="MountPoint"/>.</summary>
public static class HostileProgram
{
    public const string MountPoint = "/hostile";
    private static readonly Lazy<string?> Dir = new(Compile);

    public static string InSandbox => MountPoint + "/fork_many";

    /// <summary>The bind flags, or a skip when gcc is missing.</summary>
    public static string[] BindFlags()
    {
        if (Dir.Value is null) Assert.Skip("needs gcc to build hostile/fork_many.c (apt-get install gcc)");
        return ["--bindmount_ro", $"{Dir.Value}:{MountPoint}"];
    }

    private static string? Compile()
    {
        string dir = SuiteDirectory.NewDirectory("hostile-");
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED); // 0755
        string source = Path.Combine(Launcher.RepositoryRoot, "tests", "reliability", "hostile", "fork_many.c");
        try
        {
            using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O1", "-o", Path.Combine(dir, "fork_many"), source]) { RedirectStandardError = true })!;
            string errors = gcc.StandardError.ReadToEnd();
            if (!gcc.WaitForExit(TimeSpan.FromMinutes(2))) throw new TimeoutException("gcc did not finish within 2 minutes");
            if (gcc.ExitCode != 0) throw new InvalidOperationException("gcc failed on fork_many.c: " + errors);
            return dir;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
