namespace NsSandbox.Linux.Net;

/// <summary>Finds the host programs the network modes run (slirp4netns, nft, ip, nsenter, sysctl).</summary>
public static class Programs
{
    private static readonly string[] SystemDirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The program's path, searching PATH and then the system directories (root's PATH may lack sbin).</summary>
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SystemDirs);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(p => FileTypes.Of(p, followSymlinks: true) == FileType.Regular);
    }

    /// <summary>Like <see cref="Find"/>, or a setup error naming the Debian package to install.</summary>
    public static string Require(string name, string package, string why) =>
        Find(name) ?? throw new NetworkException($"{why} needs {name} (Debian package {package}), which is not installed");
}
