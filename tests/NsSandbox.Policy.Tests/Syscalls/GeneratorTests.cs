using System.Diagnostics;
using System.Text.RegularExpressions;
using NsSandbox.Policy.Syscalls;

namespace NsSandbox.Policy.Tests.Syscalls;

/// <summary>The checked-in tables are exactly what tools/gen-syscalls produces from the kernel source package,
/// and no installed kernel source is newer than the one they were made from.</summary>
public partial class GeneratorTests
{
    [GeneratedRegex(@"linux-source-(\d+)\.(\d+)\.tar\.xz$")]
    private static partial Regex SourceName();

    /// <summary>Installed kernel sources, oldest first, with their (major, minor) release.</summary>
    private static List<(string Path, Version Release)> InstalledSources() =>
        (Directory.Exists("/usr/src") ? Directory.GetFiles("/usr/src", "linux-source-*.tar.xz") : [])
            .Select(p => (Path: p, Match: SourceName().Match(p)))
            .Where(s => s.Match.Success)
            .Select(s => (s.Path, new Version(int.Parse(s.Match.Groups[1].Value), int.Parse(s.Match.Groups[2].Value))))
            .OrderBy(s => s.Item2)
            .ToList();

    private static Version TableRelease(Arch arch)
    {
        var parts = SyscallTable.For(arch).KernelVersion.Split('.');
        return new Version(int.Parse(parts[0]), int.Parse(parts[1]));
    }

    [Fact]
    public void No_installed_kernel_source_is_newer_than_the_tables()
    {
        var sources = InstalledSources();
        if (sources.Count == 0) Assert.Skip("no /usr/src/linux-source-*.tar.xz is installed (apt-get install linux-source-6.12)");
        foreach (var arch in Arches.All)
        {
            var newest = sources[^1];
            Assert.True(newest.Release <= TableRelease(arch),
                $"the {Arches.Name(arch)} table is of Linux {SyscallTable.For(arch).KernelVersion}, but {newest.Path} is installed: " +
                "run tools/gen-syscalls/gen_syscalls.py, then tools/gen-default-filter.sh");
        }
    }

    [Fact]
    public async Task Checked_in_tables_regenerate_identically_from_the_kernel_source()
    {
        var release = TableRelease(Arch.X86_64);
        var source = InstalledSources().FirstOrDefault(s => s.Release == release).Path;
        if (source is null) Assert.Skip($"the source of Linux {release} is not installed (apt-get install linux-source-{release})");
        if (FindOnPath("python3") is null || FindOnPath("cpp") is null) Assert.Skip("python3 and cpp are needed to run the generator");
        var root = RepositoryRoot();
        var output = Directory.CreateTempSubdirectory("nss-gen-syscalls-");
        try
        {
            var start = new ProcessStartInfo("python3")
            {
                ArgumentList = { Path.Combine(root, "tools/gen-syscalls/gen_syscalls.py"), "--source", source, "--out", output.FullName },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(5));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"generator failed ({process.ExitCode}): {stderr}");
            Assert.Contains($"x86_64: {SyscallTable.For(Arch.X86_64).All.Count} syscalls", await stdout);
            var checkedIn = Path.Combine(root, "src/NsSandbox.Policy/Syscalls/Generated");
            foreach (var name in new[] { "X86_64Syscalls.g.cs", "Aarch64Syscalls.g.cs" })
            {
                Assert.Equal(WithoutPointRelease(File.ReadAllText(Path.Combine(checkedIn, name))),
                    WithoutPointRelease(File.ReadAllText(Path.Combine(output.FullName, name))));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"\b(\d+\.\d+)\.\d+\b")]
    private static partial Regex PointRelease();

    /// <summary>The text with "6.12.117" read as "6.12.x": the source package moves to a new stable point release on
    /// its own (6.12.117, then .118), and a stable update never adds or renumbers a system call, so only the tables
    /// themselves must be identical.</summary>
    private static string WithoutPointRelease(string text) => PointRelease().Replace(text, "$1.x");

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
