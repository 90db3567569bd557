namespace NsSandbox.Policy.Tests;

/// <summary>The repository the tests run from: the directory above the test binary that holds NsSandbox.sln.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NsSandbox.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find the repository root (NsSandbox.sln) above " + AppContext.BaseDirectory);
    }
}
