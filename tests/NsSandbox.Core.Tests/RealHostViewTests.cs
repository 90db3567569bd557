using System.Diagnostics;
using NsSandbox.Core.Plan;
using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>The planner's view of the host's directories: names, types without following symlinks, link targets.</summary>
public sealed class RealHostViewTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nss-hostview-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ListsEveryKindSortedWithLinkTargets()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "usr"));
        File.WriteAllText(Path.Combine(_dir, "version"), "1");
        File.CreateSymbolicLink(Path.Combine(_dir, "lib"), "usr/lib");
        File.CreateSymbolicLink(Path.Combine(_dir, "bin"), "usr/bin");
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(_dir, "pipe")]))
            mkfifo.WaitForExit();

        var entries = new RealHostView().ListDirectory(_dir);

        Assert.Equal(
        [
            new HostEntry("bin", EntryKind.Symlink, "usr/bin"),
            new HostEntry("lib", EntryKind.Symlink, "usr/lib"),
            new HostEntry("pipe", EntryKind.Other),
            new HostEntry("usr", EntryKind.Directory),
            new HostEntry("version", EntryKind.File),
        ], entries);
    }

    [Fact]
    public void ManyEntriesSpanSeveralReads()
    {
        var names = Enumerable.Range(0, 700).Select(i => $"entry-with-a-long-enough-name-{i:D4}").ToList();
        foreach (string n in names) File.WriteAllText(Path.Combine(_dir, n), "");
        Assert.Equal(names, DirectoryEntries.Read(_dir).Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(DirectoryEntries.Read(_dir), e => Assert.Equal(FileType.Regular, e.Type));
    }

    [Fact]
    public void AMissingDirectoryIsAnIOError()
    {
        var e = Assert.Throws<IOException>(() => DirectoryEntries.Read(Path.Combine(_dir, "missing")));
        Assert.Contains("missing", e.Message);
    }
}
