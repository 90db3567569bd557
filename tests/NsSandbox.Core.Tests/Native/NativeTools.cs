using System.Diagnostics;

namespace NsSandbox.Core.Tests.Native;

/// <summary>Builds and runs the C harnesses in native/tests with the system's tools, each test in a temp dir of
/// its own; every wait is bounded.</summary>
internal static class NativeTools
{
    public static string NativeDir { get; } = FindNativeDir();

    private static string FindNativeDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return Path.Combine(dir.FullName, "native");
        throw new DirectoryNotFoundException("native/ (no NsSandbox.sln above the test binaries)");
    }

    /// <summary>Skips the test, saying why, unless every tool is on PATH.</summary>
    public static void RequireTools(params string[] tools)
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (string tool in tools)
            if (!path.Any(d => File.Exists(Path.Combine(d, tool))))
                Assert.Skip($"needs {tool} on PATH to build or inspect native/");
    }

    /// <summary>Runs a program to its end or kills it after <paramref name="timeout"/>; stdout and stderr together.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
            Assert.Fail($"{file} {string.Join(" ", args)} did not finish within {timeout.TotalSeconds:0} s");
        }
        process.WaitForExit(); // the output streams are complete
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>make -C native with OUT in <paramref name="outDir"/>: fails the test with the compiler's output.</summary>
    public static void Make(string outDir, params string[] targets)
    {
        var (code, output) = Run("make", ["-s", "-C", NativeDir, $"OUT={outDir}", .. targets], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"make {string.Join(" ", targets)} failed:\n{output}");
    }

    /// <summary>A fresh directory under the temp dir, deleted with the returned scope.</summary>
    public static TempDir CreateTempDir() => new(Directory.CreateTempSubdirectory("nss-native-").FullName);

    public sealed class TempDir(string path) : IDisposable
    {
        public string Path { get; } = path;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
