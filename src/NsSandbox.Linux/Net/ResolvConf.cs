using System.Net;

namespace NsSandbox.Linux.Net;

/// <summary>The nameservers of the launcher's /etc/resolv.conf, which the sandbox's resolver asks (as
/// slirp4netns' own forwarder would have).</summary>
public static class ResolvConf
{
    public const string Path = "/etc/resolv.conf";

    /// <summary>The "nameserver" lines' addresses, in order; glibc's default, 127.0.0.1, when there is none.</summary>
    public static IReadOnlyList<IPEndPoint> Nameservers(string path = Path)
    {
        var servers = new List<IPEndPoint>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lines = [];
        }
        foreach (string line in lines)
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            // A scoped IPv6 address (fe80::1%eth0) names an interface of the launcher's namespace: usable here too.
            if (fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1], out var address))
                servers.Add(new IPEndPoint(address, 53));
        }
        return servers.Count > 0 ? servers : [new IPEndPoint(IPAddress.Loopback, 53)];
    }
}
