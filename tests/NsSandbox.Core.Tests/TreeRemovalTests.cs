using NsSandbox.Linux;

namespace NsSandbox.Core.Tests;

/// <summary>Removing a tree a sandbox wrote into (the run's /data): everything goes, symlinks are removed and
/// never followed, and permissions the owner took away do not stop it. Each test works in its own temp dir.</summary>
public sealed class TreeRemovalTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nss-tree-removal-").FullName;

    public void Dispose()
    {
        foreach (var dir in Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.Delete(_root, recursive: true);
    }

    private string Make(string relative, string? content = null)
    {
        string path = Path.Combine(_root, relative);
        if (content is null) Directory.CreateDirectory(path);
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
        return path;
    }

    [Fact]
    public void ANestedTreeIsRemovedAndSymlinksAreNotFollowed()
    {
        string outsideFile = Make("outside/keep.txt", "keep");
        string outsideDir = Path.GetDirectoryName(outsideFile)!;
        string tree = Make("tree");
        Make("tree/a/b/c/deep.txt", "x");
        Make("tree/a/file", "y");
        Make("tree/empty");
        File.CreateSymbolicLink(Path.Combine(tree, "a", "to-dir"), outsideDir);
        File.CreateSymbolicLink(Path.Combine(tree, "to-file"), outsideFile);
        File.CreateSymbolicLink(Path.Combine(tree, "dangling"), "/nonexistent/nothing");
        // Entries an owner made unreadable, unwritable and unsearchable.
        Make("tree/locked/inner/f", "z");
        File.SetUnixFileMode(Path.Combine(tree, "locked", "inner"), UnixFileMode.None);
        File.SetUnixFileMode(Path.Combine(tree, "locked"), UnixFileMode.UserRead);

        TreeRemoval.Remove(tree);

        Assert.False(Directory.Exists(tree));
        Assert.Equal("keep", File.ReadAllText(outsideFile));
        Assert.Equal([outsideFile], Directory.GetFileSystemEntries(outsideDir));
    }

    [Fact]
    public void ASymlinkGivenAsThePathIsRemovedItself()
    {
        string target = Make("target/f", "kept");
        string link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, Path.GetDirectoryName(target)!);
        TreeRemoval.Remove(link);
        Assert.False(File.Exists(link) || Directory.Exists(link));
        Assert.Equal("kept", File.ReadAllText(target));
    }

    [Fact]
    public void AMissingPathOrParentIsNothingToDo()
    {
        TreeRemoval.Remove(Path.Combine(_root, "none"));
        TreeRemoval.Remove(Path.Combine(_root, "no", "parent"));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void AFileIsRemoved()
    {
        string file = Make("single", "x");
        TreeRemoval.Remove(file + "/"); // a trailing slash names the same entry
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void ManyEntriesAreAllRemoved()
    {
        // More names than one 8 KiB getdents64 buffer holds.
        string tree = Make("many");
        for (int i = 0; i < 600; i++) File.WriteAllText(Path.Combine(tree, $"a-rather-long-file-name-{i:D4}"), "");
        TreeRemoval.Remove(tree);
        Assert.False(Directory.Exists(tree));
    }
}
