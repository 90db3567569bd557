using System.Diagnostics;

namespace NsSandbox.Policy.Tests.Syscalls;

/// <summary>The checked-in tables are exactly what tools/gen-syscalls produces from the kernel source package.</summary>
public class GeneratorTests
{
    private const string KernelSource = "/usr/src/linux-source-6.1.tar.xz";

    [Fact]
    public async Task Checked_in_tables_regenerate_identically_from_the_kernel_source()
    {
        if (!File.Exists(KernelSource)) Assert.Skip($"{KernelSource} is not installed (apt-get install linux-source-6.1)");
        if (FindOnPath("python3") is null || FindOnPath("cpp") is null) Assert.Skip("python3 and cpp are needed to run the generator");
        var root = RepositoryRoot();
        var output = Directory.CreateTempSubdirectory("nss-gen-syscalls-");
        try
        {
            var start = new ProcessStartInfo("python3")
            {
                ArgumentList = { Path.Combine(root, "tools/gen-syscalls/gen_syscalls.py"), "--source", KernelSource, "--out", output.FullName },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, $"generator failed ({process.ExitCode}): {stderr}");
            Assert.Contains("x86_64: 362 syscalls", await stdout);
            var checkedIn = Path.Combine(root, "src/NsSandbox.Policy/Syscalls/Generated");
            foreach (var name in new[] { "X86_64Syscalls.g.cs", "Aarch64Syscalls.g.cs" })
            {
                Assert.Equal(File.ReadAllText(Path.Combine(checkedIn, name)), File.ReadAllText(Path.Combine(output.FullName, name)));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("cannot find the repository root (NsSandbox.sln) above " + AppContext.BaseDirectory);
    }
}
